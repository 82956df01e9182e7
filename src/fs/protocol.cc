#include "daxbreak/fs/protocol.h"

#include <array>

namespace daxbreak {
namespace {

constexpr std::array<ProtocolInfo, 3> kProtocols = {{
    {Protocol::kFixed, "fixed",
     "ext4_break_layouts as fixed in 2018: unmap, wait for each busy page dropping only "
     "invalidate_lock, loop until a full scan finds none",
     "b1f382178d15"},
    {Protocol::kRetryFlag, "retry-flag",
     "loop continues only if the sleep callback ran; a pin dropped between scan and wait "
     "test ends the loop with other pages still pinned (Ross Zwisler, 2018)",
     "b1f382178d15 (ext4), the same for xfs"},
    {Protocol::kNoBreak, "no-break",
     "truncate and punch hole free blocks without breaking layouts: blocks freed under DMA",
     "430657b6be89, 5fac7408d828"},
}};

}  // namespace

std::span<const ProtocolInfo> AllProtocols() { return kProtocols; }

const ProtocolInfo& GetProtocolInfo(Protocol protocol) {
  for (const ProtocolInfo& info : kProtocols) {
    if (info.protocol == protocol) return info;
  }
  return kProtocols[0];
}

std::string_view ProtocolName(Protocol protocol) { return GetProtocolInfo(protocol).name; }

std::optional<Protocol> ParseProtocol(std::string_view name) {
  for (const ProtocolInfo& info : kProtocols) {
    if (info.name == name) return info.protocol;
  }
  return std::nullopt;
}

std::string ProtocolNameList() {
  std::string out;
  for (const ProtocolInfo& info : kProtocols) {
    if (!out.empty()) out += ", ";
    out += info.name;
  }
  return out;
}

}  // namespace daxbreak
