#include "daxbreak/stress/stress_runner.h"

#include <fmt/format.h>

#include "daxbreak/base/run_metadata.h"
#include "daxbreak/base/signal_name.h"
#include "daxbreak/base/size_parse.h"
#include "daxbreak/check/checker.h"
#include "daxbreak/check/stall.h"
#include "daxbreak/version.h"

namespace daxbreak {

int StressReport::exit_code() const {
  if (violation_count > 0) return 1;
  return interrupted_by != 0 ? SignalExitCode(interrupted_by) : 0;
}

nlohmann::json StressReport::to_json() const {
  nlohmann::json j = JsonDocument("stress", config.to_json());
  j["device"] = device;
  j["seconds"] = seconds;
  j["interrupted_by"] = interrupted_by != 0 ? nlohmann::json(SignalName(interrupted_by)) : nlohmann::json(nullptr);
  j["counts"] = counts;
  j["internals"] = internals;
  j["latency"] = latency;
  j["memory"] = memory;
  j["stall"] = stall;
  AddViolationFields(violations, violation_count, &j);
  return j;
}

std::string StressReport::to_text() const {
  std::string out;
  out += fmt::format("daxbreak {} stress: scenario {}, protocol {}, tlb-flush {}, seed {}\n",
                     DAXBREAK_VERSION, config.scenario, config.protocol->name,
                     TlbFlushModeName(config.tlb_flush), config.seed);
  out += fmt::format("device  {} ({}, granularity {}, MAP_SYNC {}, {} bytes)\n",
                     device.value("path", ""), device.value("kind", ""), device.value("granularity", ""),
                     device.value("map_sync", false) ? "yes" : "no", device.value("size", uint64_t{0}));
  if (config.scenario == "cached-mapping") {
    out += fmt::format("config  threads {} (buffered writers) + layout + writeback + reclaim, file pages {}, ops {}\n",
                       config.threads, config.victim_pages, LayoutOpList(config.layout_ops));
  } else {
    out += fmt::format("config  threads {} (DIO) + layout + writer, queue depth {}, file pages {}, ops {}, disk {}\n",
                       config.threads, config.queue_depth, config.victim_pages,
                       LayoutOpList(config.layout_ops), config.disk_path);
  }
  out += fmt::format("ran     {:.2f} s{}\n", seconds,
                     interrupted_by != 0 ? fmt::format(" (stopped early by {})", SignalName(interrupted_by)) : "");
  out += "ops    ";
  for (const auto& [name, value] : counts.items()) {
    out += fmt::format(" {} {} ({:.0f}/s)", name, value.get<uint64_t>(),
                       seconds > 0 ? value.get<uint64_t>() / seconds : 0.0);
  }
  out += "\ninternal";
  for (const auto& [name, value] : internals.items()) out += fmt::format(" {} {}", name, value.get<uint64_t>());
  const double longest = latency.value("longest_layout_op_seconds", 0.0);
  out += fmt::format("\nlatency longest layout op {:.3f} s", longest);
  out += fmt::format("\nmemory  page records {}, peak RSS {}", FormatSize(memory.value("page_records_bytes", uint64_t{0})),
                     FormatSize(memory.value("max_rss_bytes", uint64_t{0})));
  if (!stall.is_null()) out += StallText(stall);
  out += fmt::format("\nviolations {}", violation_count);
  if (violation_count > 0) {
    const nlohmann::json& sev = violations["by_severity"];
    out += fmt::format(" ({} data, {} warn; ", sev.value("data", uint64_t{0}), sev.value("warn", uint64_t{0}));
    bool first = true;
    for (const auto& [kind, n] : violations["by_kind"].items()) {
      if (n.get<uint64_t>() == 0) continue;
      out += fmt::format("{}{} {}", first ? "" : ", ", kind, n.get<uint64_t>());
      first = false;
    }
    out += fmt::format("; first after {:.3f} s)\n", violations["first_violation_seconds"].get<double>());
    out += violations_text;
  } else {
    out += "\n";
  }
  return out;
}

}  // namespace daxbreak
