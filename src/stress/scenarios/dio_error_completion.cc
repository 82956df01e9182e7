// The dio-error-completion scenario, on the kernel target only: io_uring
// O_DIRECT reads from the disk file into the whole of the victim's mapping
// (--queue-depth in flight) while another thread cuts the file to half of
// the mapping and grows it back, so that reads fail part way (a page past
// EOF cannot be pinned: EFAULT) and their completion runs iomap's error
// path.
//
// Not a DAX race: the collision workload does the same when a read meets a
// page its truncate just cut off. Debian's 6.17.13 queues such an error
// completion on the file system's dio workqueue, which only an async O_DIRECT
// write creates, and dies in interrupt context (the known kernel bug
// `iomap-dio-read-error-wq` of stress/kernel_log.h). A surviving kernel logs
// nothing; tools/vm/daxvm turns a guest that died into a `kernel_oops`
// finding of this run's report (`daxbreak oops`). On the model there is no
// such completion path in stress mode (a pin past EOF refuses the whole
// request); explore mode models it in the dio-partial scenario.
//
// Exercised: at least one read completed part way or failed with EFAULT.

#include <memory>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/base/device_header.h"
#include "stress/scenarios/scenarios.h"

namespace daxbreak {
namespace {

class DioErrorCompletion final : public StressWorkload {
 public:
  explicit DioErrorCompletion(StressContext& ctx) : ctx_(ctx), pages_(ctx.config.victim_pages) {}
  ~DioErrorCompletion() override { mapping_.reset(); }

  Status setup() override {
    TargetFile& victim = ctx_.target.victim();
    Status s = StampPages(victim, pages_, ctx_.config.seed, /*oracle=*/nullptr);
    if (s.ok()) s = victim.mmap(pages_, &mapping_);
    return s;
  }
  std::vector<WorkerSpec> workers() override {
    return {{"dio-error", 0xc000, [this](std::atomic<bool>& stop) { run_reads(stop); }},
            {"shrink", 0xc100, [this](std::atomic<bool>& stop) { run_shrink(stop); }}};
  }
  WorkloadProgress progress() const override { return {"reads", reads_.load(), 0}; }
  void final_check(bool) override {}
  nlohmann::json counts() const override {
    return {{"reads", reads_.load()}, {"partial", partial_.load()}, {"efault", efault_.load()},
            {"other_errors", other_.load()}};
  }
  Exercise exercised(const ExerciseFacts&) const override {
    if (partial_.load() + efault_.load() > 0) return {true, ""};
    return {false, "no O_DIRECT read into the truncated mapping failed part way"};
  }
  Status first_error() const override { return errors_.get(); }

 private:
  // Reads of the whole mapping from random disk blocks, --queue-depth in
  // flight, until the stop or --max-ops reads.
  void run_reads(std::atomic<bool>& stop) {
    std::unique_ptr<DioQueue> queue;
    const uint32_t depth = ctx_.config.queue_depth;
    Status s = ctx_.target.open_dio(*mapping_, depth, &queue);
    std::mt19937_64 rng(ctx_.config.seed ^ 0xc000ULL);
    const uint64_t blocks = ctx_.target.disk()->nr_blocks();
    DioTally tally;
    for (uint64_t n = 0; s.ok() && !stop.load() && (ctx_.config.max_ops == 0 || n < ctx_.config.max_ops);) {
      while (s.ok() && queue->in_flight() < depth) {
        s = queue->submit({.write = false, .disk_block = 1 + rng() % (blocks - pages_), .page = 0, .nr = pages_});
        ++n;
        if (s.code() == StatusCode::kFault) ++tally.efault, s = Status::Ok();
      }
      if (s.ok() && queue->in_flight() > 0) s = queue->reap(1, &tally);
      publish(tally);
    }
    if (s.ok() && queue->in_flight() > 0) s = queue->reap(queue->in_flight(), &tally);
    if (!s.ok()) errors_.note("dio-error", s);
    publish(tally);
    stop.store(true);
  }
  // Cuts the victim to half the mapping and grows it back, again and again,
  // so that reads meet pages past EOF at every stage of their life.
  void run_shrink(const std::atomic<bool>& stop) {
    TargetFile& victim = ctx_.target.victim();
    while (!stop.load()) {
      Status s = victim.truncate(uint64_t{pages_ / 2} * kPageSize);
      if (s.ok()) s = victim.truncate(uint64_t{pages_} * kPageSize);
      if (!s.ok() && s.code() != StatusCode::kInterrupted) {
        errors_.note("shrink", s);
        return;
      }
    }
  }
  void publish(const DioTally& t) {
    reads_.store(t.reads), partial_.store(t.partial), efault_.store(t.efault), other_.store(t.other_errors);
  }

  StressContext& ctx_;
  const uint32_t pages_;
  FirstError errors_;
  std::unique_ptr<TargetMapping> mapping_;
  std::atomic<uint64_t> reads_{0}, partial_{0}, efault_{0}, other_{0};
};

}  // namespace

std::unique_ptr<StressWorkload> BuildDioErrorCompletion(StressContext& ctx) {
  return std::make_unique<DioErrorCompletion>(ctx);
}

}  // namespace daxbreak
