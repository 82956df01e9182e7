// The refault scenario, written once for both targets: does a layout break
// asleep on a referenced page return once the reference is dropped, when the
// page was faulted back in while it slept?
//
//   1. page 0 of the mapped victim is referenced (vmsplice(2) into a pipe:
//      get_user_pages without FOLL_PIN);
//   2. a truncate to 0 (a punch of the whole file when --ops has no
//      truncate) starts and sleeps on the reference;
//   3. page 0 is faulted back in (a load through the mapping) while the
//      break sleeps with invalidate_lock dropped;
//   4. the reference is dropped (the pipe is read).
//
// Up to Linux 6.14 (idle refcount 1, mappings hold no reference) the change
// then returns; from 6.15 the re-established mapping holds a reference, the
// break waits for refcount 0 and only munmap releases it: the stall watchdog
// classifies it ("mapping held a reference"). The model's `modern` row does
// the same; `fixed` and `modern-mapcount-wake` return. The race was
// exercised when the change slept on the reference (step 2).

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/check/data_oracle.h"
#include "daxbreak/fs/dax_fs.h"
#include "stress/scenarios/scenarios.h"

namespace daxbreak {
namespace {

using Clock = std::chrono::steady_clock;
// How long the change gets to fall asleep on the reference.
constexpr auto kSettle = std::chrono::milliseconds(500);

bool WaitDone(const LayoutWatch& w, const std::atomic<bool>& stop, std::chrono::nanoseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!w.done() && !stop.load() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return w.done();
}

class Refault final : public StressWorkload {
 public:
  explicit Refault(StressContext& ctx)
      : ctx_(ctx), oracle_(&ctx.target.checker()),
        punch_((ctx.config.layout_ops & LayoutOpBit(LayoutOp::kTruncate)) == 0) {}
  ~Refault() override { mapping_.reset(); }

  Status setup() override {
    TargetFile& victim = ctx_.target.victim();
    Status s = StampPages(victim, ctx_.config.victim_pages, ctx_.config.seed, /*oracle=*/nullptr);
    if (s.ok()) s = victim.mmap(ctx_.config.victim_pages, &mapping_);
    if (s.ok()) s = mapping_->touch(0, /*write=*/true);  // Page 0 faulted in, writable.
    return s;
  }
  std::vector<WorkerSpec> workers() override {
    return {{"layout", 0x2000, [this](std::atomic<bool>& stop) { run_change(stop); }, /*watched=*/true},
            {"refault", 0x8000, [this](std::atomic<bool>& stop) { run_sequence(stop); }}};
  }
  LayoutWatch* layout_watch() override { return &watch_; }
  void unmap() override { mapping_->unmap(); }
  WorkloadProgress progress() const override { return {"steps", steps_done_.load(), watch_.ends()}; }
  void final_check(bool layout_returned) override {
    if (layout_returned) (void)VerifyDmaTarget(ctx_.target.victim(), oracle_, errors_);
  }
  nlohmann::json counts() const override EXCLUDES(steps_mu_) {
    MutexLock lock(&steps_mu_);
    return {{"steps", steps_}};
  }
  Exercise exercised(const ExerciseFacts&) const override {
    if (slept_.load()) return {true, ""};
    return {false, fmt::format("the {} did not sleep on the page reference", op_name())};
  }
  Status first_error() const override { return errors_.get(); }

 private:
  const char* op_name() const { return punch_ ? "punch" : "truncate"; }
  Status change() {
    TargetFile& v = ctx_.target.victim();
    return punch_ ? v.fallocate(kFallocPunchHole | kFallocKeepSize, 0, uint64_t{ctx_.config.victim_pages} * kPageSize)
                  : v.truncate(0);
  }
  // The watched worker: the change once the reference is held, then again
  // whenever the stall watchdog asks (check/stall.h, step 4).
  void run_change(const std::atomic<bool>& stop) {
    while (!go_.load() && !stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    for (bool first = true; !stop.load(); first = false) {
      if (first || watch_.take_retry()) {
        watch_.begin(op_name());
        watch_.end(change().err());
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
  }
  void step(std::string line) EXCLUDES(steps_mu_) {
    MutexLock lock(&steps_mu_);
    steps_.push_back(std::move(line));
    steps_done_.fetch_add(1);
  }
  // Steps 1 to 4, then waits for the change to return (or for the run to
  // stop: the watchdog's stall steps end it).
  void run_sequence(std::atomic<bool>& stop) {
    Status s = mapping_->take_reference(0);
    if (!s.ok()) {
      errors_.note("refault", s);
      stop.store(true);
      return;
    }
    step("page 0 referenced (vmsplice into a pipe)");
    go_.store(true);
    while (watch_.ends() == 0 && watch_.done() && !stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    slept_.store(!WaitDone(watch_, stop, kSettle));
    const Worker* layout = ctx_.worker("layout");
    step(slept_.load() ? fmt::format("{} asleep on it ({})", op_name(), layout ? ctx_.target.where(*layout) : "?")
                       : fmt::format("{} returned without waiting for the reference", op_name()));
    if (slept_.load()) {
      s = mapping_->touch(0, /*write=*/false);  // Faulted back in while the break sleeps.
      step(s.ok() ? "page 0 faulted back in" : "page 0 could not be faulted back in: " + s.ToString());
    }
    mapping_->drop_reference();
    step("reference dropped (pipe drained)");
    // The change returns, or the stall watchdog takes it over (held) and
    // ends the run once it has classified the stall.
    while (!stop.load() && (!watch_.done() || watch_.held())) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (stop.load()) return;
    if (slept_.load()) step("the change returned");
    stop.store(true);
  }

  StressContext& ctx_;
  DataOracle oracle_;
  FirstError errors_;
  const bool punch_;
  std::unique_ptr<TargetMapping> mapping_;
  LayoutWatch watch_;
  std::atomic<bool> go_{false};     // The reference is held: the change may start.
  std::atomic<bool> slept_{false};  // The change slept on the reference.
  mutable Mutex steps_mu_{"refault_steps"};
  std::vector<std::string> steps_ GUARDED_BY(steps_mu_);
  std::atomic<uint64_t> steps_done_{0};
};

}  // namespace

std::unique_ptr<StressWorkload> BuildRefault(StressContext& ctx) { return std::make_unique<Refault>(ctx); }

}  // namespace daxbreak
