// Helpers shared by the daxbreak subcommands: exit codes, error printing and
// report output.

#ifndef DAXBREAK_TOOLS_DAXBREAK_CLI_UTIL_H_
#define DAXBREAK_TOOLS_DAXBREAK_CLI_UTIL_H_

#include <cstdint>
#include <string>

#include "daxbreak/base/status.h"
#include "daxbreak/fs/protocol.h"
#include "daxbreak/mm/mm_struct.h"

namespace daxbreak::cli {

// Exit codes of DESIGN.md: clean, violations found, usage or environment.
inline constexpr int kExitClean = 0;
inline constexpr int kExitViolations = 1;
inline constexpr int kExitUsage = 2;

// Prints "daxbreak: <message>" to stderr and returns kExitUsage.
int Fail(const Status& status);
int Fail(const std::string& message);

// Parses the value of --protocol. Errors: kInvalidArgument naming `text` and
// listing the protocols.
Status ParseProtocolOption(const std::string& text, const ProtocolTraits** out);
// Parses the value of --tlb-flush. Errors: kInvalidArgument naming `text`.
Status ParseTlbFlushOption(const std::string& text, TlbFlushMode* out);

// Parses the decimal value `text` of `option` into `out`, refusing signs,
// other characters and values outside [min, max]. Errors: kInvalidArgument
// naming the option and the text.
Status ParseUnsigned(const std::string& option, const std::string& text, uint64_t min, uint64_t max,
                     uint64_t* out);

// Writes `text` to `path`, or to stdout when `path` is empty. Errors:
// kIoError naming the path.
Status WriteOutput(const std::string& path, const std::string& text);

}  // namespace daxbreak::cli

#endif  // DAXBREAK_TOOLS_DAXBREAK_CLI_UTIL_H_
