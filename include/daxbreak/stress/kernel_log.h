// What the kernel logged during a kernel-target run, read as findings: a
// WARNING (or a hung task) is a `kernel_warn`; an Oops, a BUG, a general
// protection fault or a panic is a `kernel_oops`, with its call trace and, if
// it matches a known kernel bug outside DAX, that bug's cause and fix.
//
// The messages come from /dev/kmsg (a run that survived) or from the guest's
// serial console (a run the kernel killed: tools/vm/daxvm keeps the console
// and calls `daxbreak oops`, which completes the report the run left behind).
//
// Thread-safety: pure functions over strings; the known-bug table is
// constant.

#ifndef DAXBREAK_STRESS_KERNEL_LOG_H_
#define DAXBREAK_STRESS_KERNEL_LOG_H_

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daxbreak/base/status.h"
#include "daxbreak/base/violation.h"

namespace daxbreak {

// A kernel bug outside the layout-breaking protocol that a workload of ours
// trips, and how to tell its oops.
struct KnownKernelBug {
  std::string_view name;     // "iomap-async-read-error-wq".
  std::string_view summary;  // What goes wrong.
  std::string_view cause;    // The commit that brought it ("id title"; what is unconfirmed says so).
  std::string_view fix;      // The commit that fixes it.
  std::string_view kernels;  // The kernels it was seen on.
  // Functions that all appear in the oops's first line or call trace.
  std::vector<std::string_view> trace_functions;
};
// The table.
const std::vector<KnownKernelBug>& KnownKernelBugs();

// One event of the log.
struct KernelLogEvent {
  ViolationKind kind = ViolationKind::kKernelWarn;  // kKernelWarn or kKernelOops.
  std::string first_line;            // "BUG: kernel NULL pointer dereference, address: ...".
  std::vector<std::string> trace;    // The function names of its call trace, innermost first.
  const KnownKernelBug* known = nullptr;  // The known bug it matches, or nullptr.
  std::string panic;                 // "Kernel panic - not syncing: ..." when it ended so.

  // first_line, then "call trace: a <- b <- c", the panic, the known bug.
  std::string detail() const;
  Violation violation() const;
};

// The message of a log line: drops a /dev/kmsg "prio,seq,ts,flags;" prefix or
// a console "[   12.345678] " stamp and the trailing newline.
std::string_view KernelLogMessage(std::string_view line);

// Reads the events out of `lines` (kmsg records or console lines, in order):
// each WARNING or hung-task line is a kKernelWarn; each Oops block (from its
// first line through its call trace, up to "---[ end trace" or the next
// event) is one kKernelOops, classified against the known-bug table.
std::vector<KernelLogEvent> ParseKernelLog(const std::vector<std::string>& lines);

// Completes the JSON report at `report_path` (a stress report, possibly the
// provisional one a kernel-target run writes before it starts) with the
// kernel_oops events of `console_lines`: each becomes a violation, the
// counts by kind and severity and `outcome` follow, and "crashed": true marks
// that the run did not finish. Returns how many oopses were added (0 leaves
// the file as it was). Errors: kNotFound (no report), kInvalidArgument (not
// a stress report), kIoError.
Status AddCrashToReport(const std::string& report_path, const std::vector<std::string>& console_lines,
                        int* added);

}  // namespace daxbreak

#endif  // DAXBREAK_STRESS_KERNEL_LOG_H_
