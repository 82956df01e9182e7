// StressReport (stress_runner.h): the exit code, the outcome words, the JSON
// document and the text summary of a stress run, the same for both targets.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "daxbreak/base/json_text.h"
#include "daxbreak/base/run_metadata.h"
#include "daxbreak/base/signal_name.h"
#include "daxbreak/base/size_parse.h"
#include "daxbreak/check/checker.h"
#include "daxbreak/check/latency_histogram.h"
#include "daxbreak/check/stall.h"
#include "daxbreak/stress/stress_runner.h"
#include "daxbreak/version.h"

namespace daxbreak {
namespace {

// "device  PATH (kind, granularity G, MAP_SYNC yes, N bytes)" or
// "kernel  RELEASE, FS (DAX) file PATH (MAP_SYNC no); disk FS".
std::string TargetText(const StressReport& r) {
  if (r.target.contains("kernel")) {
    const nlohmann::json& k = r.target["kernel"];
    const nlohmann::json& row = k.contains("model_row") ? k["model_row"] : nlohmann::json(nullptr);
    return fmt::format("kernel  {}, {} (DAX), file {} ({} pages, MAP_SYNC {}); disk {} ({})\n"
                       "        model row for this kernel: {}\n",
                       k.value("release", "?"), k.value("fs_type", "?"), r.config.file_path, r.config.victim_pages,
                       k.value("map_sync", false) ? "yes" : "no", r.config.disk_path,
                       k.contains("disk_fs_type") && k["disk_fs_type"].is_string() ? k["disk_fs_type"].get<std::string>() : "-",
                       row.is_string() ? row.get<std::string>() : "none (a release before 4.19, or unparsed)");
  }
  const nlohmann::json& d = r.target.value("device", nlohmann::json::object());
  return fmt::format("device  {} ({}, granularity {}, MAP_SYNC {}, {} bytes)\n", d.value("path", ""),
                     d.value("kind", ""), d.value("granularity", ""), d.value("map_sync", false) ? "yes" : "no",
                     d.value("size", uint64_t{0}));
}

std::string CountsText(const StressReport& r) {
  std::string out = "ops    ";
  for (const auto& [name, value] : r.counts.items()) {
    if (value.is_array()) {
      out += fmt::format("\n  {}", fmt::join(value.get<std::vector<std::string>>(), "\n  "));
    } else {
      const uint64_t n = value.get<uint64_t>();
      out += fmt::format(" {} {} ({:.0f}/s)", name, n, r.seconds > 0 ? n / r.seconds : 0.0);
    }
  }
  if (!r.internals.empty()) {
    out += "\ninternal";
    for (const auto& [name, value] : r.internals.items()) out += fmt::format(" {} {}", name, JsonText(value));
  }
  return out;
}

std::string ViolationsText(const StressReport& r) {
  std::string out = fmt::format("\nviolations {}", r.violation_count);
  if (r.violation_count == 0) return out + "\n";
  const nlohmann::json& sev = r.violations["by_severity"];
  out += fmt::format(" ({} data, {} warn; ", sev.value("data", uint64_t{0}), sev.value("warn", uint64_t{0}));
  bool first = true;
  for (const auto& [kind, n] : r.violations["by_kind"].items()) {
    if (n.get<uint64_t>() == 0) continue;
    out += fmt::format("{}{} {}", first ? "" : ", ", kind, n.get<uint64_t>());
    first = false;
  }
  const nlohmann::json& first_s = r.violations["first_violation_seconds"];
  out += fmt::format("; first after {:.3f} s)\n", first_s.is_number() ? first_s.get<double>() : 0.0);
  return out + r.violations_text;
}

// "latency layout ops p50 12.3 us, p99 1.20 ms, max 4.56 ms (N returned);
// longest 2.003 s" (the longest counts a change still running: a stall).
std::string LatencyText(const nlohmann::json& latency) {
  const double longest = latency.value("longest_layout_op_seconds", 0.0);
  const nlohmann::json h = latency.value("layout_op_ns", nlohmann::json::object());
  if (h.value("count", uint64_t{0}) == 0) return fmt::format("\nlatency no layout op returned; longest {:.3f} s", longest);
  return fmt::format("\nlatency layout ops p50 {}, p99 {}, max {} ({} returned, within {:.1f}%); longest {:.3f} s",
                     FormatNanoseconds(h.value("p50", uint64_t{0})), FormatNanoseconds(h.value("p99", uint64_t{0})),
                     FormatNanoseconds(h.value("max", uint64_t{0})), h.value("count", uint64_t{0}),
                     h.value("relative_error", 0.0) * 100, longest);
}

}  // namespace

int StressReport::exit_code() const {
  if (files_lost) return 2;
  if (violation_count > 0) return 1;
  if (!error.empty()) return 2;
  if (!exercised) return 3;
  return interrupted_by != 0 ? SignalExitCode(interrupted_by) : 0;
}

std::string StressReport::outcome() const {
  if (!ran) return "did not finish";
  if (!stall.is_null()) return fmt::format("stall ({})", stall.value("cause", "?"));
  if (violation_count > 0) {
    std::string kinds;
    const nlohmann::json by_kind = violations.value("by_kind", nlohmann::json::object());
    for (const auto& [kind, n] : by_kind.items()) {
      if (n.get<uint64_t>() > 0) kinds += (kinds.empty() ? "" : ",") + kind;
    }
    return "violation (" + kinds + ")";
  }
  return exercised ? "clean" : "not exercised";
}

nlohmann::json StressReport::to_json() const {
  nlohmann::json j = JsonDocument("stress", config.to_json());
  j["ran"] = ran;
  for (const auto& [key, value] : target.items()) j[key] = value;  // "device" or "kernel".
  j["seconds"] = seconds;
  j["interrupted_by"] = interrupted_by != 0 ? nlohmann::json(SignalName(interrupted_by)) : nlohmann::json(nullptr);
  j["counts"] = counts;
  j["internals"] = internals;
  j["pins"] = pins;
  j["exercised"] = exercised;
  j["not_exercised_why"] = exercised ? nlohmann::json(nullptr) : nlohmann::json(not_exercised_why);
  j["latency"] = latency;
  j["memory"] = memory;
  j["stall"] = stall;
  j["kmsg"] = kmsg;
  j["error"] = error.empty() ? nlohmann::json(nullptr) : nlohmann::json(error);
  j["outcome"] = outcome();
  AddViolationFields(violations, violation_count, &j);
  return j;
}

std::string StressReport::to_text() const {
  const bool model = config.target == TargetKind::kModel;
  std::string out = fmt::format("daxbreak {} stress: scenario {}, target {}{}, seed {}\n", DAXBREAK_VERSION,
                                config.scenario, TargetKindName(config.target),
                                model ? fmt::format(" (protocol {}{}, tlb-flush {})", config.protocol->name,
                                                    config.fs->name == DefaultFsModel().name
                                                        ? std::string()
                                                        : fmt::format(", fs {}", config.fs->name),
                                                    TlbFlushModeName(config.tlb_flush))
                                      : "",
                                config.seed);
  out += TargetText(*this);
  out += fmt::format("config  threads {}, queue depth {}, dio {}, file pages {}, ops {}\n", config.threads,
                     config.queue_depth, DioModeName(config.dio), config.victim_pages, LayoutOpList(config.layout_ops));
  out += fmt::format("ran     {:.2f} s{}\n", seconds,
                     interrupted_by != 0 ? fmt::format(" (stopped early by {})", SignalName(interrupted_by)) : "");
  out += CountsText(*this);
  const auto count = [&](const char* k) { return pins.contains(k) && !pins[k].is_null() ? pins[k].dump() : "?"; };
  out += fmt::format("\npins    {} taken", count("taken"));
  if (!model) {
    out += fmt::format(", {} released during the run (nr_foll_pin_acquired and _released of /proc/vmstat)",
                       count("released"));
    if (pins.value("outstanding", nlohmann::json(nullptr)).is_number() && pins["outstanding"].get<int64_t>() != 0) {
      out += fmt::format("; {} not released at the end (ours or another process's)", pins["outstanding"].dump());
    }
  }
  if (!exercised) out += fmt::format("\nNOT EXERCISED: {}; this run tested nothing", not_exercised_why);
  if (latency.contains("longest_layout_op_seconds")) out += LatencyText(latency);
  if (memory.contains("page_records_bytes")) {
    out += fmt::format("\nmemory  page records {}, peak RSS {}", FormatSize(memory.value("page_records_bytes", uint64_t{0})),
                       FormatSize(memory.value("max_rss_bytes", uint64_t{0})));
  }
  if (!stall.is_null()) out += StallText(stall);
  if (!kmsg.is_null()) {
    out += fmt::format("\nkmsg    {}", kmsg.value("watched", false)
                                           ? fmt::format("{} warning line(s)", kmsg["warnings"].size())
                                           : std::string("not readable (not watched)"));
  }
  if (!error.empty()) out += "\nerror   " + error;
  out += "\noutcome " + outcome();
  return out + ViolationsText(*this);
}

}  // namespace daxbreak
