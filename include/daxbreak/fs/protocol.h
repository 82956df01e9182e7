// Protocol variants: the fixed layout-breaking protocol and the known bugs of
// PROTOCOL.md section 4, chosen at run time. Each bug lives beside the code it
// changes (grep for its enumerator), a few lines with a comment citing the
// kernel commit that fixed it.
//
// Thread-safety: constant data and pure functions.

#ifndef DAXBREAK_FS_PROTOCOL_H_
#define DAXBREAK_FS_PROTOCOL_H_

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace daxbreak {

enum class Protocol {
  kFixed,      // ext4 since b1f382178d15 (2018): loop until one clean scan.
  kRetryFlag,  // The loop's `retry` flag is set only in the sleep callback.
  kNoBreak,    // Layout changes without breaking layouts (before 430657b6be89).
};

struct ProtocolInfo {
  Protocol protocol;
  std::string_view name;     // CLI name: "fixed", "retry-flag", ...
  std::string_view summary;  // One line: what goes wrong.
  std::string_view fixed_by; // The kernel commit(s) that fixed it.
};

// Every protocol, in the order `daxbreak list` prints them.
std::span<const ProtocolInfo> AllProtocols();
// The entry of `protocol`.
const ProtocolInfo& GetProtocolInfo(Protocol protocol);
std::string_view ProtocolName(Protocol protocol);
// The protocol named `name`, or nullopt.
std::optional<Protocol> ParseProtocol(std::string_view name);
// "fixed, retry-flag, no-break", for error messages.
std::string ProtocolNameList();

}  // namespace daxbreak

#endif  // DAXBREAK_FS_PROTOCOL_H_
