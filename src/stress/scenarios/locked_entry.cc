// The locked-entry scenario, written once for both targets: the busy-page
// scan must not move past a DAX entry that writeback holds locked.
//
// Page 0 of the stamped victim stays mapped and referenced (vmsplice(2) into
// a pipe) for the whole run, so a correct truncate can never finish. Then:
//
//   - the writeback worker stores to page 0 (its entry turns dirty) and
//     writes the file back (sync_file_range(WAIT_BEFORE|WRITE|WAIT_AFTER);
//     DAX writeback locks each dirty entry while it flushes it), in a loop;
//   - the layout worker (watched) truncates the victim to 0, again and
//     again;
//   - the signal worker interrupts it every millisecond (a signal whose handler
//     does nothing, no SA_RESTART), so that each try is a fresh scan that
//     may meet page 0's entry locked.
//
// Kernels up to 6.14 skip a locked entry (the `skip-locked` row; fixed by
// 6be3e21d25ca "fs/dax: don't skip locked entries when scanning entries",
// 6.15) and 6.15.0 moves past the one it waited for (`pause-skip`): one try
// then finishes while the page is referenced, and the block is freed under
// the reference: other files are written until the reference reads one of
// them (ReportFreedUnderReference, scenarios.h: `pinned_block_freed`). A
// correct kernel returns EINTR every time until the run ends. The race was
// exercised when a try slept in the break (it returned EINTR) or finished.

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/check/stamp.h"
#include "stress/scenarios/scenarios.h"

namespace daxbreak {
namespace {

constexpr auto kSignalPeriod = std::chrono::milliseconds(1);

class LockedEntry final : public StressWorkload {
 public:
  explicit LockedEntry(StressContext& ctx) : ctx_(ctx) {}

  Status setup() override {
    return MapAndReference(ctx_.target.victim(), ctx_.config.victim_pages, ctx_.config.seed, &mapping_, &page0_);
  }
  std::vector<WorkerSpec> workers() override {
    return {{"writeback", 0xb000, [this](std::atomic<bool>& stop) { run_writeback(stop); }},
            {"layout", 0x2000, [this](std::atomic<bool>& stop) { run_truncate(stop); }, /*watched=*/true},
            {"signal", 0xb100, [this](std::atomic<bool>& stop) { run_signals(stop); }}};
  }
  LayoutWatch* layout_watch() override { return &watch_; }
  void unmap() override { mapping_->unmap(); }
  WorkloadProgress progress() const override { return {"writebacks", writebacks_.load(), tries_.load()}; }
  void final_check(bool) override {}
  nlohmann::json counts() const override {
    nlohmann::json j = steps_.to_json();
    j["truncate_tries"] = tries_.load();
    j["truncate_eintr"] = eintr_.load();
    j["writebacks"] = writebacks_.load();
    j["fill_bytes"] = fill_bytes_.load();
    return j;
  }
  Exercise exercised(const ExerciseFacts&) const override {
    if (eintr_.load() > 0 || finished_.load()) return {true, ""};
    return {false, "no truncate slept in the break (none returned EINTR) and none finished"};
  }
  Status first_error() const override { return errors_.get(); }

 private:
  // Stores to page 0 and writes the file back, until the stop or until a
  // truncate finished. Only a finished truncate shrinks the victim, so a
  // store that faults past EOF (kFault) means one did, maybe before the
  // layout worker could say so: the loop ends there, without an error.
  void run_writeback(const std::atomic<bool>& stop) {
    while (!stop.load() && !finished_.load()) {
      const Status touched = mapping_->touch(0, /*write=*/true);
      if (touched.code() == StatusCode::kFault) {
        steps_.add(fmt::format("writeback: a store to page 0 faulted past EOF after {} writebacks", writebacks_.load()));
        return;
      }
      if (!touched.ok()) errors_.note("writeback", touched);
      const Status s = ctx_.target.victim().writeback();
      if (!s.ok()) errors_.note("writeback", s);
      writebacks_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  // Truncates to 0 until one try finishes, then checks what the reference
  // reads once other files took the freed blocks.
  void run_truncate(std::atomic<bool>& stop) {
    while (!stop.load()) {
      watch_.begin("truncate");
      const Status s = ctx_.target.victim().truncate(0);
      watch_.end(s.err());
      Task::current().clear_signal();
      tries_.fetch_add(1, std::memory_order_relaxed);
      if (s.code() == StatusCode::kInterrupted) {
        eintr_.fetch_add(1, std::memory_order_relaxed);
      } else if (!s.ok()) {
        errors_.note("layout", s);
        std::this_thread::sleep_for(kSignalPeriod);
      } else {
        finished_.store(true);
        steps_.add(fmt::format("truncate finished on try {} while page 0 was mapped and referenced", tries_.load()));
        const ReuseCheck c = ReportFreedUnderReference(ctx_, "truncate", ctx_.target.victim(), *mapping_, page0_, "locked-entry",
                                             fill_bytes_, errors_);
        steps_.add(fmt::format("{} KiB of other files written; the reference reads {}", c.fill_bytes >> 10,
                               DescribeReading(c.reading)));
        stop.store(true);
      }
    }
  }
  // A signal to the truncate every kSignalPeriod: each try is a fresh scan.
  void run_signals(const std::atomic<bool>& stop) {
    while (!stop.load()) {
      std::this_thread::sleep_for(kSignalPeriod);
      if (const Worker* w = ctx_.worker("layout")) ctx_.target.interrupt(*w);
    }
  }

  StressContext& ctx_;
  FirstError errors_;
  Stamp page0_;
  StepLog steps_;
  LayoutWatch watch_;
  std::unique_ptr<TargetMapping> mapping_;
  std::atomic<uint64_t> tries_{0}, eintr_{0}, writebacks_{0}, fill_bytes_{0};
  std::atomic<bool> finished_{false};  // A truncate finished with page 0 referenced.
};

}  // namespace

std::unique_ptr<StressWorkload> BuildLockedEntry(StressContext& ctx) { return std::make_unique<LockedEntry>(ctx); }

}  // namespace daxbreak
