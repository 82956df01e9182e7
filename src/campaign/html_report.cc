// index.html of a campaign's results folder (CampaignHtml() in results.h).

#include <algorithm>
#include <bit>
#include <map>
#include <string_view>

#include <fmt/format.h>

#include "daxbreak/campaign/results.h"
#include "daxbreak/check/latency_histogram.h"

namespace daxbreak {
namespace {

std::string Escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// passed, failed, skipped or error: the CSS class and the legend's word.
std::string_view Outcome(const CellOutcome& o) {
  if (!o.error.ok()) return "error";
  if (CellSkipped(o)) return "skipped";
  return o.met ? "passed" : "failed";
}

constexpr std::string_view kStyle = R"(body{font:14px sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse}th,td{border:1px solid #bbb;padding:4px 6px;vertical-align:top}
th{background:#eee;text-align:left}.o{margin:2px 0;padding:2px 4px;border-radius:3px}
.passed{background:#b7e4b0}.failed{background:#f4a6a6}.skipped{background:#ddd}.error{background:#f7c873}
.o a,.legend span{margin-right:.4em}code{background:#f4f4f4;padding:1px 3px}
.bar{background:#5b8def;height:12px;display:inline-block;vertical-align:middle}
section{border-top:1px solid #ccc;margin-top:1em}.hist td{border:none;padding:1px 4px}
)";

// A stress cell's layout-change latency: the histogram (its fine buckets
// summed into one row per power of two of nanoseconds), or the longest op.
std::string Latency(const nlohmann::json& report) {
  const nlohmann::json latency = report.value("latency", nlohmann::json::object());
  const nlohmann::json ops = latency.value("layout_op_ns", nlohmann::json::object());
  const nlohmann::json buckets = ops.value("buckets", nlohmann::json::array());
  if (buckets.is_array() && !buckets.empty()) {
    std::map<int, uint64_t> rows_by_power;  // ceil(log2(le_ns)) -> ops.
    for (const nlohmann::json& b : buckets) {
      const uint64_t le = std::max<uint64_t>(b.value("le_ns", uint64_t{1}), 1);
      rows_by_power[std::bit_width(le - 1)] += b.value("count", uint64_t{0});
    }
    uint64_t most = 1;
    for (const auto& [power, count] : rows_by_power) most = std::max(most, count);
    std::string rows;
    for (const auto& [power, count] : rows_by_power) {
      rows += fmt::format("<tr><td>&le; {}</td><td><span class=\"bar\" style=\"width:{}px\"></span> {}</td></tr>\n",
                          FormatNanoseconds(uint64_t{1} << power), 1 + 300 * count / most, count);
    }
    return fmt::format("<p>Layout-change latency: {} ops, p50 {}, p99 {}, max {}</p><table class=\"hist\">\n",
                       ops.value("count", uint64_t{0}), FormatNanoseconds(ops.value("p50", uint64_t{0})),
                       FormatNanoseconds(ops.value("p99", uint64_t{0})), FormatNanoseconds(ops.value("max", uint64_t{0}))) +
           rows + "</table>\n";
  }
  if (latency.contains("longest_layout_op_seconds")) {
    return fmt::format("<p>Longest layout change: {:.3f} ms</p>\n",
                       latency.value("longest_layout_op_seconds", 0.0) * 1e3);
  }
  return "";
}

// The links of a cell: its report, and for a finding its replay and trace.
std::string Links(const CellOutcome& o) {
  const std::string name = Escape(o.cell.name());
  std::string out;
  if (!o.report.is_null()) out += fmt::format("<a href=\"cells/{}.json\">report</a>", name);
  if (!o.replay.empty()) {
    out += fmt::format("<a href=\"findings/{0}.txt\">replay</a><a href=\"findings/{0}.trace.json\">trace</a>", name);
  }
  return out;
}

std::string Matrix(const nlohmann::json& summary, const std::vector<CellOutcome>& outcomes) {
  std::map<std::pair<std::string, std::string>, std::string> entries;
  for (const CellOutcome& o : outcomes) {
    entries[{o.cell.scenario, std::string(o.cell.protocol->name)}] +=
        fmt::format("<div class=\"o {}\" title=\"expect {}\"><a href=\"#{}\">{}{}</a> {}</div>", Outcome(o),
                    ExpectationName(o.cell.expect), Escape(o.cell.name()), Escape(CellResultText(o)),
                    summary["config"]["seeds"].size() > 1 ? fmt::format(" (seed {})", o.cell.seed) : "", Links(o));
  }
  std::string out = "<table class=\"matrix\">\n<tr><th>scenario \\ protocol</th>";
  for (const nlohmann::json& p : summary["config"]["protocols"]) out += "<th>" + Escape(p.get<std::string>()) + "</th>";
  out += "</tr>\n";
  for (const nlohmann::json& s : summary["config"]["scenarios"]) {
    out += "<tr><th>" + Escape(s.get<std::string>()) + "</th>";
    for (const nlohmann::json& p : summary["config"]["protocols"]) {
      const auto it = entries.find({s.get<std::string>(), p.get<std::string>()});
      out += "<td>" + (it == entries.end() ? std::string("&ndash;") : it->second) + "</td>";
    }
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::string Details(const CellOutcome& o) {
  std::string out = fmt::format("<section id=\"{0}\"><h3 class=\"d {1}\">{0}: {1}</h3>\n<p>expect {2}, result {3}, {4:.3f} s{5}</p>\n",
                                Escape(o.cell.name()), Outcome(o), ExpectationName(o.cell.expect),
                                Escape(CellResultText(o)), o.seconds,
                                o.error.ok() ? "" : ", error: " + Escape(o.error.message()));
  if (!o.certificate.empty()) out += "<p>" + Escape(o.certificate) + "</p>\n";
  if (!o.replay.empty()) out += "<p>Replay: <code class=\"replay\">" + Escape(o.replay) + "</code></p>\n";
  const std::string links = Links(o);
  if (!links.empty()) out += "<p class=\"o\">" + links + "</p>\n";
  if (o.cell.mode == CampaignMode::kStress) out += Latency(o.report);
  return out + "</section>\n";
}

}  // namespace

std::string CampaignHtml(const nlohmann::json& summary, const std::vector<CellOutcome>& outcomes) {
  const nlohmann::json& meta = summary["daxbreak"];
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>daxbreak run {0}</title>\n"
      "<style>{1}</style></head><body>\n<h1>daxbreak run: {2} of {3} {4} cells</h1>\n"
      "<p id=\"counts\">passed {5}, failed {6}, skipped {7} (expectation any), errors {8}{9}</p>\n"
      "<p>daxbreak {10}, kernel {11}, host {12}, {0}, shard {13}</p>\n"
      "<p class=\"legend\"><span class=\"o passed\">passed</span><span class=\"o failed\">failed</span>"
      "<span class=\"o skipped\">skipped</span><span class=\"o error\">error</span></p>\n",
      Escape(meta.value("utc", "")), kStyle, summary.value("run", 0), summary.value("total", 0),
      Escape(summary["config"].value("mode", "")), summary.value("passed", 0), summary.value("failed", 0),
      summary.value("skipped", 0), summary.value("errors", 0),
      summary["interrupted_by"].is_string() ? ", interrupted by " + Escape(summary["interrupted_by"].get<std::string>())
                                            : "",
      Escape(meta.value("version", "")), Escape(meta.value("kernel_release", "")), Escape(meta.value("hostname", "")),
      Escape(summary.value("shard", "0/1")));
  out += Matrix(summary, outcomes) + "<h2>Cells</h2>\n";
  for (const CellOutcome& o : outcomes) out += Details(o);
  return out + "</body></html>\n";
}

}  // namespace daxbreak
