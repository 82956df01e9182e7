#include "daxbreak/base/report_sink.h"

#include <utility>

namespace daxbreak {
namespace {

ReportSink& Sink() {
  static ReportSink sink;
  return sink;
}

}  // namespace

void SetReportSink(ReportSink sink) { Sink() = std::move(sink); }

void ReportText(std::string_view text) {
  if (Sink()) Sink()(text);
}

}  // namespace daxbreak
