#include <fmt/format.h>

#include "daxbreak/base/run_metadata.h"
#include "daxbreak/base/signal_name.h"
#include "daxbreak/base/size_parse.h"
#include "daxbreak/check/checker.h"
#include "daxbreak/check/stall.h"
#include "daxbreak/kernel/kernel_runner.h"
#include "daxbreak/version.h"

namespace daxbreak {

int KernelReport::exit_code() const {
  if (violation_count > 0) return 1;
  if (!exercised) return 3;
  return interrupted_by != 0 ? SignalExitCode(interrupted_by) : 0;
}

std::string KernelReport::outcome() const {
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

nlohmann::json KernelReport::to_json() const {
  nlohmann::json j = JsonDocument("kernel", config.to_json());
  j["kernel"] = kernel;
  j["seconds"] = seconds;
  j["interrupted_by"] = interrupted_by != 0 ? nlohmann::json(SignalName(interrupted_by)) : nlohmann::json(nullptr);
  j["counts"] = counts;
  j["pins"] = pins;
  j["exercised"] = exercised;
  if (!exercised) j["not_exercised_why"] = not_exercised_why;
  j["latency"] = latency;
  j["memory"] = memory;
  j["stall"] = stall;
  j["kmsg"] = kmsg;
  j["outcome"] = outcome();
  AddViolationFields(violations, violation_count, &j);
  return j;
}

std::string KernelReport::to_text() const {
  std::string out = fmt::format("daxbreak {} kernel: scenario {}, kernel {}, {} (DAX), seed {}\n", DAXBREAK_VERSION,
                                config.scenario, kernel.value("release", "?"), kernel.value("fs_type", "?"), config.seed);
  out += fmt::format("file    {} ({} pages, MAP_SYNC {}); disk {} ({})\n", config.file_path, config.victim_pages,
                     kernel.value("map_sync", false) ? "yes" : "no", config.disk_path, kernel.value("disk_fs_type", "-"));
  out += fmt::format("ran     {:.2f} s{}\n", seconds,
                     interrupted_by != 0 ? fmt::format(" (stopped early by {})", SignalName(interrupted_by)) : "");
  out += "ops    ";
  for (const auto& [name, value] : counts.items()) {
    if (value.is_array()) {
      out += fmt::format("\n  {}", fmt::join(value.get<std::vector<std::string>>(), "\n  "));
    } else {
      out += fmt::format(" {} {}", name, value.dump());
    }
  }
  const auto count = [&](const char* k) { return pins.contains(k) && !pins[k].is_null() ? pins[k].dump() : "?"; };
  out += fmt::format("\npins    {} taken (nr_foll_pin_acquired {}, released {})", count("taken"),
                     count("acquired"), count("released"));
  if (!exercised) out += fmt::format("\nNOT EXERCISED: {}; this run tested nothing", not_exercised_why);
  out += fmt::format("\nlatency longest layout op {:.3f} s", latency.value("longest_layout_op_seconds", 0.0));
  if (!stall.is_null()) out += StallText(stall);
  out += fmt::format("\nkmsg    {}", kmsg.value("watched", false)
                                         ? fmt::format("{} warning line(s)", kmsg["warnings"].size())
                                         : std::string("not readable (not watched)"));
  out += fmt::format("\noutcome {}\nviolations {}\n", outcome(), violation_count);
  if (violation_count > 0) out += violations_text;
  return out;
}

}  // namespace daxbreak
