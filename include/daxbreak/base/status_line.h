// StatusLine: one line of live progress on stderr, redrawn in place
// ("\r...") and cut to the terminal's width so that it never wraps, as fio's
// --eta line is. Stress runs (either target) and explore searches compose
// their own text and draw it through this; a campaign (`run`) notes each
// finished cell above it. The text goes to the program's report sink
// (report_sink.h), never straight to stderr.
//
// Thread-safety: one StatusLine belongs to the one thread that draws it.

#ifndef DAXBREAK_BASE_STATUS_LINE_H_
#define DAXBREAK_BASE_STATUS_LINE_H_

#include <cstdint>
#include <string>

namespace daxbreak {

class StatusLine {
 public:
  // `width`: the terminal's columns (at least 20 are used).
  explicit StatusLine(uint32_t width);
  // Draws `text` over the previous line, cut to width - 1 columns and padded.
  void draw(std::string text);
  // Clears the line, leaving the cursor at its start (before the report).
  void clear();
  // Prints `text` and a newline where the live line was, to stay above it
  // (the live line is drawn again by the next draw()).
  void note(const std::string& text);
  // "[12s/30s  40%]": elapsed and total seconds and the fraction done
  // (clamped to 0..1); "[12s  40%]" when `total_seconds` is 0.
  static std::string Eta(double elapsed_seconds, double total_seconds, double fraction);

 private:
  int width_;
};

}  // namespace daxbreak

#endif  // DAXBREAK_BASE_STATUS_LINE_H_
