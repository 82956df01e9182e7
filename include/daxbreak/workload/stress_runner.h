// The free-mode stress runner behind `daxbreak stress`: opens the device and
// the disk, builds page array, checker and file system, runs the scenario's
// threads on real OS threads with real io_uring DIO for the configured time,
// then runs the final oracle pass and fills a report.
//
// Thread-safety: RunStress() may be called from one thread at a time (it uses
// the process-wide sync-point registry only through the code it runs).

#ifndef DAXBREAK_WORKLOAD_STRESS_RUNNER_H_
#define DAXBREAK_WORKLOAD_STRESS_RUNNER_H_

#include <string>

#include <nlohmann/json.hpp>

#include "daxbreak/base/status.h"
#include "daxbreak/workload/stress_config.h"

namespace daxbreak {

// What a stress run did and found.
struct StressReport {
  StressConfig config;
  nlohmann::json device;      // {"path", "kind", "granularity", "map_sync", "size"}
  double seconds = 0;         // Wall time of the threaded phase.
  nlohmann::json counts;      // Operation counts.
  nlohmann::json internals;   // fs, GUP and DIO counters.
  nlohmann::json latency;     // {"longest_layout_op_seconds"}: a stalled layout change shows here.
  nlohmann::json violations;  // Checker::to_json().
  uint64_t violation_count = 0;
  std::string violations_text;  // Checker::to_text().

  // 0 clean, 1 violations found.
  int exit_code() const { return violation_count == 0 ? 0 : 1; }
  // The one JSON document: version, seed, configuration, device, counts,
  // violation_count, violations.
  nlohmann::json to_json() const;
  // The human summary.
  std::string to_text() const;
};

// Runs `config` (validated here). Errors, all before any thread starts or as
// the first unexpected thread error: kInvalidArgument, kRefused,
// kEnvironment, kIoError. Violations are results, not errors.
Status RunStress(const StressConfig& config, StressReport* report);

}  // namespace daxbreak

#endif  // DAXBREAK_WORKLOAD_STRESS_RUNNER_H_
