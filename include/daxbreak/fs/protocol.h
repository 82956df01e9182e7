// Protocol variants: the fixed layout-breaking protocol and the known bugs of
// PROTOCOL.md section 4, chosen at run time. Each bug lives beside the code it
// changes (grep for its enumerator), a few lines with a comment citing the
// kernel commit that fixed it.
//
// Thread-safety: constant data and pure functions.

#ifndef DAXBREAK_FS_PROTOCOL_H_
#define DAXBREAK_FS_PROTOCOL_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace daxbreak {

enum class Protocol {
  kFixed,         // ext4 since b1f382178d15 (2018): loop until one clean scan.
  kModern,        // The 6.15 form: idle refcount 0, mappings hold a reference.
  kModernMapcountWake,  // modern plus daxbreak's candidate fix for its re-fault stall.
  kNoBreak,       // Layout changes without breaking layouts (before 430657b6be89).
  kRetryFlag,     // The loop's `retry` flag is set only in the sleep callback.
  kNoUnmap,       // The busy-page scan runs without unmapping first.
  kMappedOnly,    // The scan returns early when nothing maps the file.
  kSkipLocked,    // The scan moves past a locked DAX entry.
  kPauseSkip,     // After waiting for a locked entry the scan resumes at the next index.
  kNoFinalBreak,  // Eviction frees blocks without waiting for busy pages.
  kWakeKey,       // The waker wakes another key than the waiter sleeps on.
  kShortRange,    // Truncate breaks only up to the old EOF page, rounded down.
  kEintrPartial,  // The new size is set before the break; EINTR leaves it set.
};

struct ProtocolInfo {
  Protocol protocol;
  std::string_view name;     // CLI name: "fixed", "retry-flag", ...
  std::string_view summary;  // One line: what goes wrong.
  std::string_view fixed_by; // The kernel commit(s) that fixed it.
  uint32_t idle_refcount;    // Page refcount at rest: 1 up to 6.14, 0 from 6.15.
  bool buggy;                // A known bug (explore must find it).
};

// Every protocol, in the order `daxbreak list` prints them.
std::span<const ProtocolInfo> AllProtocols();
// The entry of `protocol`.
const ProtocolInfo& GetProtocolInfo(Protocol protocol);
std::string_view ProtocolName(Protocol protocol);
// The protocol named `name`, or nullopt.
std::optional<Protocol> ParseProtocol(std::string_view name);
// "fixed, modern, no-break, ...", for error messages.
std::string ProtocolNameList();

// The idle page refcount of the model `protocol` runs on.
inline uint32_t IdleRefcount(Protocol protocol) { return GetProtocolInfo(protocol).idle_refcount; }

}  // namespace daxbreak

#endif  // DAXBREAK_FS_PROTOCOL_H_
