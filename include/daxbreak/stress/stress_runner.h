// The stress runner behind `daxbreak stress` and `daxbreak kernel`: opens the
// target (the model over a pmem device, or a real fs-dax mount), builds the
// scenario's workload, runs its workers on real OS threads for the
// configured time, watches the layout thread for stalls (check/stall.h) and
// samples whether it sleeps in a layout break, stops and releases the
// workers, runs the final data pass, and fills one report whatever the
// target.
//
// Thread-safety: RunStress() may be called from one thread at a time: it
// sets process-wide state (the model's noise and lock-order graph; the
// kernel target's SIGUSR1 handler).

#ifndef DAXBREAK_STRESS_STRESS_RUNNER_H_
#define DAXBREAK_STRESS_STRESS_RUNNER_H_

#include <string>

#include <nlohmann/json.hpp>

#include "daxbreak/base/status.h"
#include "daxbreak/stress/stress_config.h"

namespace daxbreak {

// What a stress run did and found.
struct StressReport {
  bool ran = false;           // The workers ran: the rest is filled in.
  int interrupted_by = 0;     // The signal that ended the run early (StressConfig::interrupt), or 0.
  StressConfig config;
  nlohmann::json target = nlohmann::json::object();  // Target::describe(): {"device": ...} or {"kernel": ...}.
  double seconds = 0;         // Wall time of the threaded phase.
  nlohmann::json counts = nlohmann::json::object();     // The scenario's operation counts.
  nlohmann::json internals = nlohmann::json::object();  // The target's counters (model: fs, GUP, DIO).
  nlohmann::json pins = nlohmann::json::object();       // {"taken", "released", "outstanding"} over the run; null when not counted.
  bool exercised = false;     // The run exercised the race (pins taken, a break slept).
  std::string not_exercised_why;
  nlohmann::json latency = nlohmann::json::object();    // {"longest_layout_op_seconds"} (a stall shows
                                                        // here), "layout_op_ns" (LatencyHistogram::to_json()).
  nlohmann::json memory = nlohmann::json::object();     // {"max_rss_bytes", ...} (bytes).
  nlohmann::json stall;       // StallFinding::to_json() of a stalled layout change, or null.
  nlohmann::json kmsg;        // Kernel target: {"watched", "warnings"}; null on the model.
  nlohmann::json violations = nlohmann::json::object();  // Checker::to_json().
  uint64_t violation_count = 0;
  std::string violations_text;  // Checker::to_text().
  std::string error;          // The first error a worker met ("" when none).
  bool files_lost = false;    // Target::check_files() failed (then `error` says why): results void.

  // 2 when the run's files changed under it (files_lost: its findings are
  // void); else 1 findings; else 2 when a worker met an error; else 3 when the race was
  // not exercised; else 128 + the signal that ended the run (130 SIGINT,
  // 143 SIGTERM); else 0.
  int exit_code() const;
  // "clean", "stall (lost wake-up)", "violation (data_corruption)",
  // "not exercised", "did not finish" (not `ran`: a provisional report): the
  // words the conformance table compares.
  std::string outcome() const;
  // The one JSON document (base/run_metadata.h's envelope).
  nlohmann::json to_json() const;
  // The human summary.
  std::string to_text() const;
};

// Runs `config` (validated here) until its duration or max_ops is reached,
// the scenario ends, a violation is found with stop_on_violation, a stall,
// or config.interrupt turns non-zero. Errors before any worker starts
// (report->ran stays false): kInvalidArgument, kRefused, kNoSpace,
// kEnvironment, kIoError. A worker's error during the run is in
// report->error (and the run goes on); violations are results, not errors.
Status RunStress(const StressConfig& config, StressReport* report);

}  // namespace daxbreak

#endif  // DAXBREAK_STRESS_STRESS_RUNNER_H_
