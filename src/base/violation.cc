#include "daxbreak/base/violation.h"

#include <array>

#include <fmt/format.h>
#include <utility>

namespace daxbreak {
namespace {

constexpr std::array<std::pair<ViolationKind, std::string_view>, kViolationKinds> kNames = {{
    {ViolationKind::kBusyPageDisassociated, "busy_page_disassociated"},
    {ViolationKind::kPinnedBlockFreed, "pinned_block_freed"},
    {ViolationKind::kDmaAfterFree, "dma_after_free"},
    {ViolationKind::kDataCorruption, "data_corruption"},
    {ViolationKind::kPartialChangeOnEintr, "partial_change_on_eintr"},
}};

}  // namespace

std::string_view ViolationKindName(ViolationKind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::string DescribeViolation(const Violation& v) {
  return fmt::format("{} pfn {} ino {} offset {} by {}: {}", ViolationKindName(v.kind), v.pfn, v.ino,
                     v.file_offset, v.thread, v.detail);
}

std::optional<ViolationKind> ParseViolationKind(std::string_view name) {
  for (const auto& [k, n] : kNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

}  // namespace daxbreak
