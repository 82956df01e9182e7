// The pieces the built-in stress scenarios share (one file each in this
// folder; the scenario table, stress/stress_scenario.cc, names their
// builders). Internal to the stress layer.
//
// Thread-safety: FirstError is thread-safe; the functions are as thread-safe
// as the Target calls they make.

#ifndef DAXBREAK_SRC_STRESS_SCENARIOS_SCENARIOS_H_
#define DAXBREAK_SRC_STRESS_SCENARIOS_SCENARIOS_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daxbreak/base/status.h"
#include "daxbreak/check/data_oracle.h"
#include "daxbreak/check/stall.h"
#include "daxbreak/check/stamp.h"
#include "daxbreak/stress/stress_scenario.h"
#include "daxbreak/stress/target.h"
#include "daxbreak/sync/mutex.h"

namespace daxbreak {

// The first unexpected error of a run's workers, named after the worker.
class FirstError {
 public:
  // Keeps `s` if it is the first error; `who` names the worker.
  void note(const std::string& who, const Status& s) EXCLUDES(mu_);
  Status get() const EXCLUDES(mu_);

 private:
  mutable Mutex mu_{"first_error"};
  Status first_ GUARDED_BY(mu_);
};

// A list of what a scripted scenario did, one line a step, for the report's
// counts ({"steps": [...]}).
class StepLog {
 public:
  void add(std::string line) EXCLUDES(mu_);
  uint64_t size() const { return count_.load(std::memory_order_relaxed); }
  nlohmann::json to_json() const EXCLUDES(mu_);

 private:
  mutable Mutex mu_{"step_log"};
  std::vector<std::string> lines_ GUARDED_BY(mu_);
  std::atomic<uint64_t> count_{0};
};

// The one watched change of the scripted scenarios (refault, unmapped-pin,
// evict-pinned): a named operation its worker runs once start_and_settle()
// is called, then again whenever the stall watchdog asks (check/stall.h,
// step 4), until the stop.
// A change to watch: its name (a static string, "truncate") and the call.
struct ChangeSpec {
  const char* name;
  std::function<Status()> run;
};

class WatchedChange {
 public:
  explicit WatchedChange(ChangeSpec spec) : name_(spec.name), change_(std::move(spec.run)) {}
  const char* name() const { return name_; }
  LayoutWatch& watch() { return watch_; }
  const LayoutWatch& watch() const { return watch_; }
  // The watched worker's body.
  void run(const std::atomic<bool>& stop);
  // Starts the change and waits until it has begun, then up to `settle` for
  // it to return. Returns whether it is still asleep (false at the stop).
  bool start_and_settle(std::chrono::milliseconds settle, const std::atomic<bool>& stop);
  // Waits until the change has returned and the watchdog does not hold it,
  // or the stop. Returns whether it returned before the stop.
  bool wait_returned(const std::atomic<bool>& stop) const;

 private:
  const char* const name_;
  const std::function<Status()> change_;
  LayoutWatch watch_;
  std::atomic<bool> go_{false};
};

// The victim truncated to 0, or punched whole when --ops has no truncate.
ChangeSpec VictimTruncate(const StressConfig& config, TargetFile& victim);

// What a page reference read after the referenced file's blocks were freed
// (the scan bugs of kernels before 6.15): whether another file got the block.
struct ReuseCheck {
  bool reused = false;       // The reference read something else than `expected`.
  BlockReading reading;      // What it read last.
  uint64_t fill_bytes = 0;   // Bytes of other files written to get there.
};

// A layout change (`change`: "truncate") returned while `mapping`'s page
// reference still held the page that `expected` stamps: the kernels before
// 6.15 free the block under the reference. Reports it as pinned_block_freed,
// by `who`, after trying to show it: commits `changed` (a freed block is
// reusable once its transaction has committed), then writes other files until
// the reference reads something else than `expected` (the block went to
// another file), the file system is full, or 4 GiB; the finding says what the
// reference read last. First one-page files (ext4 also serves their
// one-block requests from a lone free block), then 1 MiB ones, each closed
// once written (its preallocation goes back), all removed at the end.
// `fill_bytes` counts as it goes (for the status line).
ReuseCheck ReportFreedUnderReference(StressContext& ctx, const char* change, TargetFile& changed, TargetMapping& mapping,
                                     const Stamp& expected, const std::string& who, std::atomic<uint64_t>& fill_bytes,
                                     FirstError& errors);

// Stamps pages [0, pages) of `f` with `generation`, maps them, faults page 0
// in writable and takes a page reference on it (vmsplice). `page0` gets the
// stamp page 0 holds. Errors: the target's.
Status MapAndReference(TargetFile& f, uint32_t pages, uint64_t generation, std::unique_ptr<TargetMapping>* mapping,
                       Stamp* page0);

// The scripted scenarios in which a page reference outlives its mapping
// (unmapped-pin, evict-pinned): set-up references page 0 of a file and
// munmaps it; the watched change runs; a change asleep on the reference
// returns once it is dropped (clean), one that returns at once has freed the
// block under it (ReportFreedUnderReference). A scenario gives the file and
// the change.
class ReferenceOutlivesMapping : public StressWorkload {
 public:
  Status setup() override;
  std::vector<WorkerSpec> workers() override;
  LayoutWatch* layout_watch() override { return &change_.watch(); }
  WorkloadProgress progress() const override { return {"fill-KiB", fill_bytes_.load() >> 10, change_.watch().ends()}; }
  void final_check(bool) override {}
  nlohmann::json counts() const override;
  // Either way the reference met the change: it slept on it, or it returned
  // and the finding says so.
  Exercise exercised(const ExerciseFacts&) const override;
  Status first_error() const override { return errors_.get(); }

 protected:
  // `who` names the sequence's worker and its findings; `change` runs on
  // the watched worker `change_worker`.
  ReferenceOutlivesMapping(StressContext& ctx, const char* who, const char* change_worker, ChangeSpec change);
  // The file whose page 0 the reference holds (set-up may create it).
  virtual Status file(TargetFile** out) = 0;

  StressContext& ctx_;

 private:
  void run_sequence(std::atomic<bool>& stop);

  const char* const who_;
  const char* const change_worker_;
  FirstError errors_;
  WatchedChange change_;
  StepLog steps_;
  Stamp page0_;
  std::unique_ptr<TargetMapping> mapping_;
  std::atomic<bool> slept_{false};       // The change slept on the reference.
  std::atomic<bool> returned_{false};    // It returned while the page was referenced.
  std::atomic<uint64_t> fill_bytes_{0};  // Bytes of other files written after it.
};

// How long a scripted scenario gives its change to fall asleep.
inline constexpr std::chrono::milliseconds kChangeSettle{500};

// The end of a scripted sequence: drops `mapping`'s page reference, waits
// for the change to return (a step when it had slept), and ends the run; at
// the stop (the watchdog classified a stall and ends the run) it returns.
void DropReferenceAndAwait(TargetMapping& mapping, const WatchedChange& change, bool slept, StepLog& steps,
                           std::atomic<bool>& stop);

// Where the worker `name` of the run sleeps (Target::where()), "?" when
// there is none.
std::string WhereIs(StressContext& ctx, std::string_view name);

// Pages [first, first + nr).
struct PageRange {
  uint64_t first = 0, nr = 0;
};
// A random range of 1..max_nr pages starting in [0, pages - nr - tail], so
// that `tail` pages stay after it.
PageRange RandomRange(std::mt19937_64& rng, uint64_t pages, uint64_t max_nr, uint64_t tail);

// One layout change `op` of the mapped file `f` of `pages` pages at a random
// range, bracketed in `watch`; a change of the size (truncate, collapse,
// insert) is followed by a truncate back to `pages` pages, bracketed as a
// change of its own ("truncate-regrow"), so a stall names the call that
// sleeps. Returns the first error.
Status ChangeLayout(TargetFile& f, LayoutOp op, uint64_t pages, std::mt19937_64& rng, LayoutWatch& watch);

// Writes file stamps (check/stamp.h: f.ino(), page, `generation`) into
// pages [0, pages) of `f` and tells `oracle` (if any). Errors: the write's.
Status StampPages(TargetFile& f, uint64_t pages, uint64_t generation, DataOracle* oracle);

// Reads every page of `f` below its size and checks it as a DMA target: it
// may hold zeros, a disk block, or one of `f`'s own stamps (its data moved
// by collapse and insert), never another file's. Returns pages read.
uint64_t VerifyDmaTarget(TargetFile& f, DataOracle& oracle, FirstError& errors);

}  // namespace daxbreak

#endif  // DAXBREAK_SRC_STRESS_SCENARIOS_SCENARIOS_H_
