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
#include <vector>

#include <fmt/format.h>

#include "daxbreak/check/data_oracle.h"
#include "daxbreak/fs/dax_fs.h"
#include "stress/scenarios/scenarios.h"

namespace daxbreak {
namespace {

class Refault final : public StressWorkload {
 public:
  explicit Refault(StressContext& ctx)
      : ctx_(ctx), oracle_(&ctx.target.checker()), change_(VictimTruncate(ctx.config, ctx.target.victim())) {}
  ~Refault() override { mapping_.reset(); }

  Status setup() override {
    TargetFile& victim = ctx_.target.victim();
    Status s = StampPages(victim, ctx_.config.victim_pages, ctx_.config.seed, /*oracle=*/nullptr);
    if (s.ok()) s = victim.mmap(ctx_.config.victim_pages, &mapping_);
    if (s.ok()) s = mapping_->touch(0, /*write=*/true);  // Page 0 faulted in, writable.
    return s;
  }
  std::vector<WorkerSpec> workers() override {
    return {{"layout", 0x2000, [this](std::atomic<bool>& stop) { change_.run(stop); }, /*watched=*/true},
            {"refault", 0x8000, [this](std::atomic<bool>& stop) { run_sequence(stop); }}};
  }
  LayoutWatch* layout_watch() override { return &change_.watch(); }
  void unmap() override { mapping_->unmap(); }
  WorkloadProgress progress() const override { return {"steps", steps_.size(), change_.watch().ends()}; }
  void final_check(bool layout_returned) override {
    if (layout_returned) (void)VerifyDmaTarget(ctx_.target.victim(), oracle_, errors_);
  }
  nlohmann::json counts() const override { return steps_.to_json(); }
  Exercise exercised(const ExerciseFacts&) const override {
    if (slept_.load()) return {true, ""};
    return {false, fmt::format("the {} did not sleep on the page reference", change_.name())};
  }
  Status first_error() const override { return errors_.get(); }

 private:
  // Steps 1 to 4, then waits for the change to return (or for the run to
  // stop: the watchdog's stall steps end it).
  void run_sequence(std::atomic<bool>& stop) {
    Status s = mapping_->take_reference(0);
    if (!s.ok()) {
      errors_.note("refault", s);
      stop.store(true);
      return;
    }
    steps_.add("page 0 referenced (vmsplice into a pipe)");
    slept_.store(change_.start_and_settle(kChangeSettle, stop));
    steps_.add(slept_.load() ? fmt::format("{} asleep on it ({})", change_.name(), WhereIs(ctx_, "layout"))
                             : fmt::format("{} returned without waiting for the reference", change_.name()));
    if (slept_.load()) {
      s = mapping_->touch(0, /*write=*/false);  // Faulted back in while the break sleeps.
      steps_.add(s.ok() ? "page 0 faulted back in" : "page 0 could not be faulted back in: " + s.ToString());
    }
    DropReferenceAndAwait(*mapping_, change_, slept_.load(), steps_, stop);
  }

  StressContext& ctx_;
  DataOracle oracle_;
  FirstError errors_;
  WatchedChange change_;
  StepLog steps_;
  std::unique_ptr<TargetMapping> mapping_;
  std::atomic<bool> slept_{false};  // The change slept on the reference.
};

}  // namespace

std::unique_ptr<StressWorkload> BuildRefault(StressContext& ctx) { return std::make_unique<Refault>(ctx); }

}  // namespace daxbreak
