#include "daxbreak/base/violation.h"

#include <array>

#include <fmt/format.h>

namespace daxbreak {
namespace {

constexpr std::array<ViolationKindInfo, kViolationKinds> kKinds = {{
    {ViolationKind::kBusyPageDisassociated, "busy_page_disassociated", Severity::kWarn,
     "a DAX entry went with its page still busy, or outlived the layout break: the WARN of "
     "dax_disassociate_entry() up to 6.14; from 6.15 the WARN of truncate_folio_batch_exceptionals() "
     "for an entry the break left (bde708f1a65d) and of dax_folio_put() for a busy 2 MiB folio "
     "(a busy 4 KiB folio is reported too, though the kernel is silent there)"},
    {ViolationKind::kPinnedBlockFreed, "pinned_block_freed", Severity::kData,
     "a block reached the allocator while its page was still referenced: a DMA may land in "
     "another file's block"},
    {ViolationKind::kDmaAfterFree, "dma_after_free", Severity::kData,
     "a DIO completed into a page whose owner changed since it was pinned"},
    {ViolationKind::kDataCorruption, "data_corruption", Severity::kData,
     "the data oracle found a stamp in a file block that does not belong there"},
    {ViolationKind::kPartialChangeOnEintr, "partial_change_on_eintr", Severity::kData,
     "a layout change returned EINTR after it had already changed the file's size or blocks"},
    {ViolationKind::kStaleMappingUsed, "stale_mapping_used", Severity::kData,
     "a buffered write filled a folio through a cached mapping that the extent map no longer "
     "matches (zeros over written data)"},
    {ViolationKind::kLockOrderCycle, "lock_order_cycle", Severity::kWarn,
     "two lock classes (a journal handle and waiting for writeback count as classes) were "
     "taken in both orders: a lockdep splat, a deadlock waiting for its schedule"},
    {ViolationKind::kStaleDataAfterCrash, "stale_data_after_crash", Severity::kData,
     "after a power cut and log replay, an extent marked written shows bytes its write never "
     "made durable"},
    {ViolationKind::kFsyncDataLost, "fsync_data_lost", Severity::kData,
     "after a power cut and log replay, data written before an fsync that returned is missing"},
    {ViolationKind::kStall, "stall", Severity::kWarn,
     "a layout change made no progress for the stall timeout (the kernel's hung-task warning "
     "would follow); the detail gives where it slept and what released it"},
    {ViolationKind::kKernelWarn, "kernel_warn", Severity::kWarn,
     "the kernel logged a WARNING or a hung task during a kernel-target run (the line is the detail)"},
    {ViolationKind::kKernelOops, "kernel_oops", Severity::kData,
     "the kernel oopsed (Oops, BUG, general protection fault, panic) during a kernel-target run: what "
     "was in flight is lost; the detail has the call trace and, for a known bug, its cause and fix"},
}};

constexpr bool InEnumOrder() {
  for (size_t i = 0; i < kKinds.size(); ++i) {
    if (static_cast<size_t>(kKinds[i].kind) != i) return false;
  }
  return true;
}
static_assert(InEnumOrder(), "kKinds must list the kinds in enum order");

}  // namespace

std::span<const ViolationKindInfo> ViolationKinds() { return kKinds; }

const ViolationKindInfo& GetViolationKindInfo(ViolationKind kind) {
  return kKinds[static_cast<size_t>(kind)];
}

std::string_view ViolationKindName(ViolationKind kind) { return GetViolationKindInfo(kind).name; }

std::optional<ViolationKind> ParseViolationKind(std::string_view name) {
  for (const ViolationKindInfo& k : kKinds) {
    if (k.name == name) return k.kind;
  }
  return std::nullopt;
}

std::string_view SeverityName(Severity severity) {
  return severity == Severity::kWarn ? "warn" : "data";
}

std::string DescribeViolation(const Violation& v) {
  return fmt::format("{} [{}] pfn {} ino {} offset {} by {}: {}", ViolationKindName(v.kind),
                     SeverityName(ViolationSeverity(v.kind)), v.pfn, v.ino, v.file_offset,
                     v.thread, v.detail);
}

}  // namespace daxbreak
