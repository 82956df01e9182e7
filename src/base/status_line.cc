#include "daxbreak/base/status_line.h"

#include <algorithm>

#include <fmt/format.h>

#include "daxbreak/base/report_sink.h"

namespace daxbreak {

StatusLine::StatusLine(uint32_t width) : width_(static_cast<int>(std::max<uint32_t>(width, 20) - 1)) {}

void StatusLine::draw(std::string text) {
  if (static_cast<int>(text.size()) > width_) text.resize(width_);
  ReportText(fmt::format("\r{:<{}}", text, width_));
}

void StatusLine::clear() {
  ReportText(fmt::format("\r{:<{}}\r", "", width_));
}

void StatusLine::note(const std::string& text) { ReportText(fmt::format("\r{:<{}}\r{}\n", "", width_, text)); }

std::string StatusLine::Eta(double elapsed_seconds, double total_seconds, double fraction) {
  const double pct = 100 * std::clamp(fraction, 0.0, 1.0);
  return total_seconds > 0 ? fmt::format("[{:.0f}s/{:.0f}s {:3.0f}%]", elapsed_seconds, total_seconds, pct)
                           : fmt::format("[{:.0f}s {:3.0f}%]", elapsed_seconds, pct);
}

}  // namespace daxbreak
