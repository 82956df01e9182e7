// The library's one way to say something outside a report: text handed to
// a sink the program installs (daxbreak's main() installs one that writes
// to stderr). Library code never writes to stderr or stdout itself, so that
// a program embedding it decides where a live status line (status_line.h)
// or the last words before an abort go. With no sink installed the text is
// dropped.
//
// Thread-safety: set_report_sink() must run before any thread reports (it
// is not synchronized against ReportText()); ReportText() may be called from
// any thread, and the installed sink must then be thread-safe itself (stdio's
// fwrite() is).

#ifndef DAXBREAK_BASE_REPORT_SINK_H_
#define DAXBREAK_BASE_REPORT_SINK_H_

#include <functional>
#include <string_view>

namespace daxbreak {

// Receives `text` verbatim (no newline added; a status line carries "\r").
using ReportSink = std::function<void(std::string_view text)>;

// Installs `sink`; an empty one drops all text again.
void SetReportSink(ReportSink sink);

// Hands `text` to the installed sink, if any.
void ReportText(std::string_view text);

}  // namespace daxbreak

#endif  // DAXBREAK_BASE_REPORT_SINK_H_
