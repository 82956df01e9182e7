// The refault-dio scenario, written once for both targets: the refault
// sequence in which the last page reference to go is an O_DIRECT read's, so
// that the layout break is woken (or not) by a DIO completion:
//
//   1. page 0 of the mapped victim is referenced (vmsplice(2) into a pipe),
//      and a DIO worker keeps O_DIRECT reads from the disk into page 0 in
//      flight (a queue of them);
//   2. a truncate to 0 (a punch of the whole file when --ops has no
//      truncate) starts and sleeps on the referenced page;
//   3. page 0 is faulted back in (a load through the mapping) while the
//      break sleeps with invalidate_lock dropped;
//   4. the pipe reference is dropped while the reads go on, for kDioTail;
//      then the reads stop, and the last completion unpins the page.
//
// The change must then return. Two released kernels do not let it: Debian
// 12's 6.1 drops a bio's page references without the fs-dax wake (the
// `linux-6.1-stable` row, `bio-release-no-wake`), so the last completion
// wakes no one (a lost wake-up); from 6.15 the mapping made in step 3 holds
// a reference and the break waits for 0 (`modern`: the mapping held a
// reference), as in `refault`. The race was exercised when the change slept
// on the page (step 2) and reads completed after the pipe reference went
// (step 4): a read, not the pipe, then held the page last. On a real disk
// the reads leave gaps, though: Debian's 6.1 returned in this scenario
// (probably the pipe's put woke the break while no read was in flight; not
// confirmed), so there the model row (stall) and the kernel differ; collision shows 6.1's lost wake-up
// (docs/kernel-mode.md).

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/check/data_oracle.h"
#include "stress/scenarios/scenarios.h"

namespace daxbreak {
namespace {

constexpr uint32_t kMinQueueDepth = 2;  // One read in flight while another completes.
constexpr std::chrono::milliseconds kDioTail{50};  // Reads after the pipe reference went.

class RefaultDio final : public StressWorkload {
 public:
  explicit RefaultDio(StressContext& ctx)
      : ctx_(ctx), oracle_(&ctx.target.checker()), change_(VictimTruncate(ctx.config, ctx.target.victim())) {}
  ~RefaultDio() override { mapping_.reset(); }

  Status setup() override {
    Stamp page0;
    return MapAndReference(ctx_.target.victim(), ctx_.config.victim_pages, ctx_.config.seed, &mapping_, &page0);
  }
  std::vector<WorkerSpec> workers() override {
    return {{"dio", 0x1000, [this](std::atomic<bool>& stop) { run_dio(stop); }},
            {"layout", 0x2000, [this](std::atomic<bool>& stop) { change_.run(stop); }, /*watched=*/true},
            {"refault", 0x8000, [this](std::atomic<bool>& stop) { run_sequence(stop); }}};
  }
  LayoutWatch* layout_watch() override { return &change_.watch(); }
  void unmap() override { mapping_->unmap(); }
  WorkloadProgress progress() const override { return {"dio-reads", dio_reads_.load(), change_.watch().ends()}; }
  void final_check(bool layout_returned) override {
    if (layout_returned) (void)VerifyDmaTarget(ctx_.target.victim(), oracle_, errors_);
  }
  nlohmann::json counts() const override {
    nlohmann::json j = steps_.to_json();
    j["dio_read"] = dio_reads_.load();
    j["dio_efault"] = dio_efault_.load();
    return j;
  }
  Exercise exercised(const ExerciseFacts&) const override {
    if (!slept_.load()) return {false, fmt::format("the {} did not sleep on the page", change_.name())};
    if (!dio_last_.load()) return {false, "no read completed after the pipe reference went"};
    return {true, ""};
  }
  Status first_error() const override { return errors_.get(); }

 private:
  // Step 1: reads of disk block 1 into page 0, the queue kept full until
  // step 4 (or the stop); then drained. A read refused or failed with
  // EFAULT is counted; once the change has returned (the file is shorter
  // than the read: every further read would fail the same way) the stream
  // ends there.
  void run_dio(const std::atomic<bool>& stop) {
    std::unique_ptr<DioQueue> queue;
    const uint32_t depth = std::max(kMinQueueDepth, ctx_.config.queue_depth);
    Status s = ctx_.target.open_dio(*mapping_, depth, &queue);
    DioTally tally;
    while (s.ok() && !stop.load() && !dio_stop_.load() && !(tally.efault > 0 && change_.watch().ends() > 0)) {
      while (s.ok() && queue->in_flight() < depth) {
        s = queue->submit({.write = false, .disk_block = 1, .page = 0, .nr = 1});
        if (s.code() == StatusCode::kFault) {
          ++tally.efault, s = Status::Ok();
          break;
        }
      }
      if (s.ok() && queue->in_flight() > 0) s = queue->reap(1, &tally);
      dio_reads_.store(tally.reads);
    }
    if (s.ok() && queue != nullptr && queue->in_flight() > 0) s = queue->reap(queue->in_flight(), &tally);
    if (!s.ok()) errors_.note("dio", s);
    if (tally.other_errors > 0) {
      errors_.note("dio", Status::IoError(fmt::format("{} reads into page 0 failed", tally.other_errors)));
    }
    dio_reads_.store(tally.reads);
    dio_efault_.store(tally.efault);
    queue.reset();
    dio_done_.store(true);
  }

  // Steps 2 to 4, then waits for the change to return (or for the run to
  // stop: the watchdog's stall steps end it).
  void run_sequence(std::atomic<bool>& stop) {
    while (dio_reads_.load() == 0 && !dio_done_.load() && !stop.load()) std::this_thread::sleep_for(kPoll);
    steps_.add("page 0 referenced (vmsplice into a pipe) and pinned by O_DIRECT reads");
    slept_.store(change_.start_and_settle(kChangeSettle, stop));
    steps_.add(slept_.load() ? fmt::format("{} asleep on it ({})", change_.name(), WhereIs(ctx_, "layout"))
                             : fmt::format("{} returned without waiting for the page", change_.name()));
    if (slept_.load()) {
      const Status s = mapping_->touch(0, /*write=*/false);  // Faulted back in while the break sleeps.
      steps_.add(s.ok() ? "page 0 faulted back in" : "page 0 could not be faulted back in: " + s.ToString());
    }
    const uint64_t before = dio_reads_.load();
    mapping_->drop_reference();
    std::this_thread::sleep_for(kDioTail);
    dio_stop_.store(true);
    while (!dio_done_.load() && !stop.load()) std::this_thread::sleep_for(kPoll);
    dio_last_.store(dio_reads_.load() > before);
    steps_.add(fmt::format("reference dropped (pipe drained); {} reads completed after it; the reads stopped",
                           dio_reads_.load() - before));
    if (!change_.wait_returned(stop)) return;
    if (slept_.load()) steps_.add("the change returned");
    stop.store(true);
  }

  static constexpr std::chrono::milliseconds kPoll{1};

  StressContext& ctx_;
  DataOracle oracle_;
  FirstError errors_;
  WatchedChange change_;
  StepLog steps_;
  std::unique_ptr<TargetMapping> mapping_;
  std::atomic<uint64_t> dio_reads_{0};  // Reads completed.
  std::atomic<uint64_t> dio_efault_{0};  // Reads refused or failed with EFAULT.
  std::atomic<bool> dio_stop_{false};   // Step 4: the DIO worker stops submitting.
  std::atomic<bool> dio_done_{false};   // It has drained its queue.
  std::atomic<bool> slept_{false};      // The change slept on the page.
  std::atomic<bool> dio_last_{false};   // Reads completed after the pipe reference went.
};

}  // namespace

std::unique_ptr<StressWorkload> BuildRefaultDio(StressContext& ctx) { return std::make_unique<RefaultDio>(ctx); }

}  // namespace daxbreak
