// The free-mode stress runner behind `daxbreak stress`: opens the device and
// the disk, builds page array, checker and file system, runs the scenario's
// threads on real OS threads with real io_uring DIO for the configured time,
// then runs the final oracle pass and fills a report.
//
// Thread-safety: RunStress() may be called from one thread at a time (it uses
// the process-wide sync-point registry only through the code it runs).

#ifndef DAXBREAK_STRESS_STRESS_RUNNER_H_
#define DAXBREAK_STRESS_STRESS_RUNNER_H_

#include <string>

#include <nlohmann/json.hpp>

#include "daxbreak/base/status.h"
#include "daxbreak/stress/stress_config.h"

namespace daxbreak {

// What a stress run did and found.
struct StressReport {
  bool ran = false;           // The threads ran: the rest is filled in.
  int interrupted_by = 0;     // The signal that ended the run early (StressConfig::interrupt), or 0.
  StressConfig config;
  nlohmann::json device;      // {"path", "kind", "granularity", "map_sync", "size"}
  double seconds = 0;         // Wall time of the threaded phase.
  nlohmann::json counts;      // Operation counts.
  nlohmann::json internals;   // fs, GUP and DIO counters.
  nlohmann::json latency;     // {"longest_layout_op_seconds"}: a stalled layout change shows here.
  nlohmann::json memory;      // {"page_records_bytes", "max_rss_bytes"} (bytes).
  nlohmann::json stall;       // StallFinding::to_json() of a stalled layout change, or null.
  nlohmann::json violations;  // Checker::to_json().
  uint64_t violation_count = 0;
  std::string violations_text;  // Checker::to_text().

  // 1 violations found; else 128 + the signal when one ended the run (130
  // SIGINT, 143 SIGTERM); else 0.
  int exit_code() const;
  // The one JSON document (run_metadata.h's envelope): configuration, device,
  // counts, internals, interrupted_by, violation_count, violations.
  nlohmann::json to_json() const;
  // The human summary.
  std::string to_text() const;
};

// Runs `config` (validated here) until its duration or max_ops is reached, a
// violation is found with stop_on_violation, or config.interrupt turns
// non-zero. Errors before any thread starts (report->ran stays false):
// kInvalidArgument, kRefused, kNoSpace, kEnvironment, kIoError. An error a
// thread met during the run (e.g. kNoSpace when the device's file system
// fills up) is returned after the run with the report filled in for what
// ran. Violations are results, not errors.
Status RunStress(const StressConfig& config, StressReport* report);

}  // namespace daxbreak

#endif  // DAXBREAK_STRESS_STRESS_RUNNER_H_
