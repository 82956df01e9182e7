// The unmapped-pin scenario, written once for both targets: a page reference
// that outlives its mapping must still hold off the layout change.
//
//   1. page 0 of the stamped, mapped victim is referenced (vmsplice(2) into a
//      pipe), then the mapping is munmapped;
//   2. the victim is truncated to 0 (a punch of the whole file when --ops has
//      no truncate);
//   3. a correct kernel sleeps in the break until the reference goes: the
//      reference still reads the victim's own page 0, and once it is dropped
//      the change returns. A kernel whose scan returns early when nothing is
//      mapped (Linux up to 6.14, the `mapped-only` row; fixed by cee91fa13a8e
//      "fs/dax: return unmapped busy pages from dax_layout_busy_page_range()")
//      frees the block at once: other files are then written until the
//      block is reused, and the reference reads another file's bytes.
//
// A change that returns while the page is referenced is a
// `pinned_block_freed` finding, which says what the reference read once other
// files were written (ReportFreedUnderReference, scenarios.h).

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/check/stamp.h"
#include "daxbreak/fs/dax_fs.h"
#include "stress/scenarios/scenarios.h"

namespace daxbreak {
namespace {

class UnmappedPin final : public StressWorkload {
 public:
  explicit UnmappedPin(StressContext& ctx) : ctx_(ctx), change_(VictimTruncate(ctx.config, ctx.target.victim())) {}

  Status setup() override {
    TargetFile& victim = ctx_.target.victim();
    Status s = StampPages(victim, ctx_.config.victim_pages, ctx_.config.seed, /*oracle=*/nullptr);
    if (s.ok()) s = victim.mmap(ctx_.config.victim_pages, &mapping_);
    if (s.ok()) s = mapping_->touch(0, /*write=*/true);
    if (s.ok()) s = mapping_->take_reference(0);
    if (s.ok()) mapping_->unmap();  // The reference outlives its mapping.
    return s;
  }
  std::vector<WorkerSpec> workers() override {
    return {{"layout", 0x2000, [this](std::atomic<bool>& stop) { change_.run(stop); }, /*watched=*/true},
            {"unmapped-pin", 0x9000, [this](std::atomic<bool>& stop) { run_sequence(stop); }}};
  }
  LayoutWatch* layout_watch() override { return &change_.watch(); }
  WorkloadProgress progress() const override { return {"fill-KiB", fill_bytes_.load() >> 10, change_.watch().ends()}; }
  void final_check(bool) override {}
  nlohmann::json counts() const override {
    nlohmann::json j = steps_.to_json();
    j["fill_bytes"] = fill_bytes_.load();
    return j;
  }
  // Either way the reference met the change: it slept on it, or it
  // returned and the finding says so.
  Exercise exercised(const ExerciseFacts&) const override {
    if (slept_.load() || returned_.load()) return {true, ""};
    return {false, "the change never ran (the run stopped first)"};
  }
  Status first_error() const override { return errors_.get(); }

 private:
  void run_sequence(std::atomic<bool>& stop) {
    steps_.add("page 0 referenced (vmsplice into a pipe), then munmapped");
    slept_.store(change_.start_and_settle(kChangeSettle, stop));
    Stamp page0;
    page0.kind = static_cast<uint16_t>(StampKind::kFile);
    page0.ino = ctx_.target.victim().ino();
    page0.index = 0;
    page0.generation = ctx_.config.seed;
    if (slept_.load()) {
      steps_.add(fmt::format("{} asleep on the reference ({})", change_.name(), WhereIs(ctx_, "layout")));
    } else {
      returned_.store(!stop.load());
      steps_.add(fmt::format("{} returned at once (error {}) while page 0 was referenced", change_.name(),
                             change_.watch().last_result()));
      const ReuseCheck c = ReportFreedUnderReference(ctx_, change_.name(), ctx_.target.victim(), *mapping_, page0, "unmapped-pin",
                                           fill_bytes_, errors_);
      steps_.add(fmt::format("{} KiB of other files written; the reference reads {}", c.fill_bytes >> 10,
                             DescribeReading(c.reading)));
    }
    DropReferenceAndAwait(*mapping_, change_, slept_.load(), steps_, stop);
  }

  StressContext& ctx_;
  FirstError errors_;
  WatchedChange change_;
  StepLog steps_;
  std::unique_ptr<TargetMapping> mapping_;
  std::atomic<bool> slept_{false};   // The change slept on the reference.
  std::atomic<bool> returned_{false};  // The change returned while the page was referenced.
  std::atomic<uint64_t> fill_bytes_{0};  // Bytes of other files written after the change.
};

}  // namespace

std::unique_ptr<StressWorkload> BuildUnmappedPin(StressContext& ctx) { return std::make_unique<UnmappedPin>(ctx); }

}  // namespace daxbreak
