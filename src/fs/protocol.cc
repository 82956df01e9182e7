#include "daxbreak/fs/protocol.h"

#include <array>

namespace daxbreak {
namespace {

constexpr std::array<ProtocolInfo, 13> kProtocols = {{
    {Protocol::kFixed, "fixed",
     "ext4_break_layouts as fixed in 2018: unmap, wait for each busy page dropping only "
     "invalidate_lock, loop until a full scan finds none; final break on eviction",
     "b1f382178d15", 1, false},
    {Protocol::kModern, "modern",
     "the 6.15 form: idle refcount 0, a mapping holds a page reference while inserted, "
     "dax_break_layout and dax_break_layout_final; stalls when a page is faulted back in "
     "while the break sleeps, as Linux 6.17 does",
     "6.15 series", 0, false},
    {Protocol::kModernMapcountWake, "modern-mapcount-wake",
     "modern plus a candidate fix for its re-fault stall (not in the kernel): the unpin that "
     "leaves only mapping references wakes the breaker, which waits for refcount == mapcount "
     "and scans again",
     "not in the kernel; proposed by daxbreak", 0, false},
    {Protocol::kNoBreak, "no-break",
     "truncate and punch hole free blocks without breaking layouts: blocks freed under DMA",
     "430657b6be89, 5fac7408d828", 1, true},
    {Protocol::kRetryFlag, "retry-flag",
     "loop continues only if the sleep callback ran; a pin dropped between scan and wait "
     "test ends the loop with other pages still pinned (Ross Zwisler, 2018)",
     "b1f382178d15 (ext4), the same for xfs", 1, true},
    {Protocol::kNoUnmap, "no-unmap",
     "busy-page scan without unmapping first: GUP-fast takes a reference after the scan "
     "passed the page",
     "the unmap in dax_layout_busy_page", 1, true},
    {Protocol::kMappedOnly, "mapped-only",
     "scan returns early when no user mapping is left: DMA into pages already unmapped is missed",
     "fs/dax: Return unmapped busy pages from dax_layout_busy_page_range() (6.15)", 1, true},
    {Protocol::kSkipLocked, "skip-locked",
     "scan moves past an entry locked at that moment: a busy page behind it is missed",
     "6be3e21d25ca", 1, true},
    {Protocol::kPauseSkip, "pause-skip",
     "after waiting for a locked entry the scan resumes at the next index (xas_pause): the "
     "waited-on entry is skipped",
     "fs/dax: Fix \"don't skip locked entries when scanning entries\" (2025, xas_reset)", 1, true},
    {Protocol::kNoFinalBreak, "no-final-break",
     "eviction / unmount frees blocks without waiting for busy pages",
     "dax_break_layout_final (6.15)", 1, true},
    {Protocol::kWakeKey, "wake-key",
     "waiter and waker key on different addresses: lost wake-up, truncate hangs",
     "fixed inside the 6.15 series", 1, true},
    {Protocol::kShortRange, "short-range",
     "truncate down breaks only up to the old EOF page rounded down, not to the maximum "
     "offset: a pinned page past the new EOF is missed",
     "Dave Chinner's review of ranged breaks, 2019", 1, true},
    {Protocol::kEintrPartial, "eintr-partial",
     "the new size is applied before the break; a signal during the break returns EINTR with "
     "the truncate half done",
     "b9c1c26739ec", 1, true},
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
