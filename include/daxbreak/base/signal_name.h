// Names of the signals that stop a run early (SIGINT, SIGTERM), as reports
// print them, and the exit code a stopped run returns.
//
// Thread-safety: pure functions.

#ifndef DAXBREAK_BASE_SIGNAL_NAME_H_
#define DAXBREAK_BASE_SIGNAL_NAME_H_

#include <string>
#include <string_view>

namespace daxbreak {

// "SIGINT" for 2, "SIGTERM" for 15; "SIG<n>" for a number without a name.
std::string SignalName(int signo);
// The number of a name SignalName() gives, or 0 when it is none.
int ParseSignalName(std::string_view name);
// The shell's exit code for a process that a signal ended: 128 + signo (130
// for SIGINT, 143 for SIGTERM).
inline int SignalExitCode(int signo) { return 128 + signo; }

}  // namespace daxbreak

#endif  // DAXBREAK_BASE_SIGNAL_NAME_H_
