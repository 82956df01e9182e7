// The kernel log as findings (stress/kernel_log.h).

#include "daxbreak/base/json_text.h"
#include "daxbreak/stress/kernel_log.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "daxbreak/base/text_file.h"

namespace daxbreak {
namespace {

bool Contains(std::string_view s, std::string_view what) { return s.find(what) != std::string_view::npos; }

bool StartsOops(std::string_view m) {
  return m.starts_with("BUG:") || Contains(m, "kernel BUG at") || m.starts_with("Oops:") ||
         Contains(m, "general protection fault") || m.starts_with("Kernel panic -") ||
         m.starts_with("Unable to handle kernel");
}

bool IsWarning(std::string_view m) {
  return m.starts_with("WARNING:") ||
         (m.starts_with("INFO: task ") && Contains(m, " blocked for more than "));
}

// "RIP: 0010:__queue_work+0x24/0x3f0" or " queue_work_on+0x3b/0x50" -> the
// function name; "" for any other line and for the unreliable "? f+..."
// entries of a stack dump.
std::string TraceFunction(std::string_view m) {
  if (const size_t rip = m.find("RIP: "); rip != std::string_view::npos) {
    m.remove_prefix(rip + 5);
    if (const size_t colon = m.find(':'); colon != std::string_view::npos && colon < 6) m.remove_prefix(colon + 1);
  }
  while (!m.empty() && (m.front() == ' ' || m.front() == '\t')) m.remove_prefix(1);
  if (m.starts_with("? ")) return "";
  const size_t plus = m.find("+0x");
  if (plus == std::string_view::npos || plus == 0) return "";
  const std::string_view name = m.substr(0, plus);
  const bool ident = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
  });
  return ident ? std::string(name) : "";
}

const KnownKernelBug* Classify(const KernelLogEvent& e) {
  for (const KnownKernelBug& bug : KnownKernelBugs()) {
    const bool all = std::all_of(bug.trace_functions.begin(), bug.trace_functions.end(), [&](std::string_view f) {
      return std::find(e.trace.begin(), e.trace.end(), f) != e.trace.end() || Contains(e.first_line, f);
    });
    if (all) return &bug;
  }
  return nullptr;
}

}  // namespace

const std::vector<KnownKernelBug>& KnownKernelBugs() {
  static const auto* bugs = new std::vector<KnownKernelBug>{
      {.name = "iomap-dio-read-error-wq",
       .summary = "an async O_DIRECT read that fails part way (EFAULT) queues its error completion on the "
                  "file system's dio workqueue, which only an async write creates: __queue_work() on a NULL "
                  "workqueue from iomap_dio_bio_end_io(), in interrupt context, and a panic",
       .cause = "\"iomap: always run error completions in user context\" (Christoph Hellwig, posted 13 November "
                "2025, merged for 6.19; in Debian's 6.17.13 by a stable backport; the id 222f2c7c6d14 is not "
                "confirmed here)",
       .fix = "\"iomap: allocate s_dio_done_wq for async reads as well\" (7fd8720dff2d; not confirmed here)",
       .kernels = "Debian 6.17.13-1~bpo13+1; not seen on 6.16.12 or 6.17.8; 6.18.15 and 7.3.4 create the "
                  "workqueue for reads",
       .trace_functions = {"__queue_work", "iomap_dio_bio_end_io"}},
  };
  return *bugs;
}

std::string KernelLogEvent::detail() const {
  std::string out = first_line;
  if (!trace.empty()) out += fmt::format("; call trace: {}", fmt::join(trace, " <- "));
  if (!panic.empty()) out += "; then: " + panic;
  if (known != nullptr) {
    out += fmt::format("; known kernel bug outside DAX: {} ({}; cause {}; fix {})", known->name, known->summary,
                       known->cause, known->fix);
  }
  return out;
}

Violation KernelLogEvent::violation() const { return Violation{kind, 0, 0, 0, "kernel", detail()}; }

std::string_view KernelLogMessage(std::string_view line) {
  // /dev/kmsg: "6,1234,5678,-;message".
  if (const size_t semi = line.find(';'); semi != std::string_view::npos &&
                                          line.substr(0, semi).find_first_not_of("0123456789,-c") ==
                                              std::string_view::npos) {
    line.remove_prefix(semi + 1);
  } else if (line.starts_with("[")) {  // A console line: "[   12.345678] message".
    if (const size_t close = line.find("] "); close != std::string_view::npos && close < 20) line.remove_prefix(close + 2);
  }
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  return line;
}

std::vector<KernelLogEvent> ParseKernelLog(const std::vector<std::string>& lines) {
  std::vector<KernelLogEvent> out;
  bool in_oops = false;
  for (const std::string& line : lines) {
    const std::string_view m = KernelLogMessage(line);
    if (IsWarning(m)) {
      in_oops = false;
      out.push_back({ViolationKind::kKernelWarn, std::string(m), {}, nullptr, ""});
      continue;
    }
    // The panic an oops ends in belongs to that oops.
    if (!in_oops && m.starts_with("Kernel panic -") && !out.empty() && out.back().kind == ViolationKind::kKernelOops) {
      out.back().panic = std::string(m);
      continue;
    }
    if (!in_oops && StartsOops(m)) {
      in_oops = true;
      out.push_back({ViolationKind::kKernelOops, std::string(m), {}, nullptr, ""});
    }
    if (!in_oops) continue;
    KernelLogEvent& e = out.back();
    if (std::string f = TraceFunction(m); !f.empty()) e.trace.push_back(std::move(f));
    if (m.starts_with("Kernel panic -")) e.panic = std::string(m);
    if (m.starts_with("---[ end trace") || m.starts_with("Kernel panic -")) in_oops = false;
  }
  for (KernelLogEvent& e : out) {
    if (e.kind == ViolationKind::kKernelOops) e.known = Classify(e);
  }
  return out;
}

Status AddCrashToReport(const std::string& report_path, const std::vector<std::string>& console_lines, int* added) {
  *added = 0;
  std::ifstream in(report_path);
  if (!in) return Status::NotFound(fmt::format("--report '{}': no such file", report_path));
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || j.value("command", "") != "stress") {
    return Status::InvalidArgument(fmt::format("--report '{}' is not a daxbreak stress report in JSON", report_path));
  }
  if (!j.contains("violations") || !j["violations"].is_array()) j["violations"] = nlohmann::json::array();
  for (const KernelLogEvent& e : ParseKernelLog(console_lines)) {
    if (e.kind != ViolationKind::kKernelOops) continue;
    const Violation v = e.violation();
    const std::string kind(ViolationKindName(v.kind));
    j["violations"].push_back({{"kind", kind},
                               {"severity", SeverityName(GetViolationKindInfo(v.kind).severity)},
                               {"pfn", 0}, {"ino", 0}, {"file_offset", 0},
                               {"thread", v.thread},
                               {"detail", v.detail}});
    j["violation_count"] = j.value("violation_count", uint64_t{0}) + 1;
    j["violations_by_kind"][kind] = j["violations_by_kind"].value(kind, uint64_t{0}) + 1;
    j["violations_by_severity"]["data"] = j["violations_by_severity"].value("data", uint64_t{0}) + 1;
    ++*added;
  }
  if (*added == 0) return Status::Ok();
  std::string kinds;
  for (const auto& [kind, n] : j["violations_by_kind"].items()) {
    if (n.is_number() && n.get<uint64_t>() > 0) kinds += (kinds.empty() ? "" : ",") + kind;
  }
  j["outcome"] = "violation (" + kinds + ")";
  j["crashed"] = true;
  return WriteTextFile(report_path, JsonText(j, 2) + "\n");
}

}  // namespace daxbreak
