// Helpers shared by the daxbreak subcommands: exit codes, error printing and
// report output.

#ifndef DAXBREAK_TOOLS_DAXBREAK_CLI_UTIL_H_
#define DAXBREAK_TOOLS_DAXBREAK_CLI_UTIL_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "daxbreak/base/status.h"
#include "daxbreak/fs/fs_model.h"
#include "daxbreak/fs/protocol.h"
#include "daxbreak/mm/mm_struct.h"

namespace daxbreak::cli {

// Exit codes of docs/design.md, 'Exit codes': clean, violations found, usage or environment.
inline constexpr int kExitClean = 0;
inline constexpr int kExitViolations = 1;
inline constexpr int kExitUsage = 2;

// Prints "daxbreak: <message>" to stderr and returns kExitUsage.
int Fail(const Status& status);
int Fail(const std::string& message);

// Parses the value of --protocol. Errors: kInvalidArgument naming `text` and
// listing the protocols.
Status ParseProtocolOption(const std::string& text, const ProtocolTraits** out);
// --fs NAME: a file-system model (fs/fs_model.h). Errors: kInvalidArgument
// naming the value and the choices.
Status ParseFsOption(const std::string& text, const FsModel** out);
// Parses the value of --tlb-flush. Errors: kInvalidArgument naming `text`.
Status ParseTlbFlushOption(const std::string& text, TlbFlushMode* out);

// Parses the decimal value `text` of `option` into `out`, refusing signs,
// other characters and values outside [min, max]. Errors: kInvalidArgument
// naming the option and the text.
Status ParseUnsigned(const std::string& option, const std::string& text, uint64_t min, uint64_t max,
                     uint64_t* out);

// Parses "I/N" (0 <= I < N <= 2^20) of --shard. Errors: kInvalidArgument
// naming the text.
Status ParseShardOption(const std::string& text, uint32_t* index, uint32_t* count);

// Writes `text` to `path`, or to stdout when `path` is empty. Errors:
// kIoError naming the path.
Status WriteOutput(const std::string& path, const std::string& text);

// A report's destination, opened before the run so that a bad path fails in
// the first second, not after an hour, and checked against the files the run
// writes so that a report never overwrites the device. A file it created and
// never wrote is removed when it is destroyed. Not thread-safe.
class ReportOutput {
 public:
  ReportOutput() = default;
  ~ReportOutput();
  ReportOutput(const ReportOutput&) = delete;
  ReportOutput& operator=(const ReportOutput&) = delete;

  // Opens `path` for writing (created if absent; its old contents stay until
  // write()); an empty path means stdout. `option` names it in errors.
  // Errors: kIoError or kEnvironment (under /dev) naming the option and path.
  Status open(const std::string& path, std::string_view option);
  // Refuses when the output is the file `other` (option `other_option`)
  // names, by device and inode; a file open() created is removed again.
  // Errors: kInvalidArgument naming both.
  Status refuse_same_file(const std::string& other, std::string_view other_option);
  // Replaces the contents with `text`. Errors: kIoError naming the path.
  Status write(const std::string& text);

 private:
  std::string path_;
  std::string option_;
  int fd_ = -1;
  bool created_ = false;
  bool written_ = false;
};

// Installs SIGINT, SIGTERM and SIGHUP handlers that store the signal's number
// in the returned flag, so that a run stops, reports and exits 128 + the
// signal: 130 / 143 / 129 (as fio does on Ctrl-C). Each handler fires once: a
// second signal ends the process.
const std::atomic<int>* InstallStopSignals();

// Whether the live status line is shown for --eta `mode` ("auto": stderr is a
// terminal; "always"; "never").
bool ShowStatusLine(const std::string& mode);
// The columns of the terminal on stderr (TIOCGWINSZ), else $COLUMNS, else 80.
uint32_t TerminalWidth();

}  // namespace daxbreak::cli

#endif  // DAXBREAK_TOOLS_DAXBREAK_CLI_UTIL_H_
