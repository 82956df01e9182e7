// The evict-pinned scenario, written once for both targets: eviction must
// wait for a page reference too.
//
//   1. a file beside the victim is stamped and mapped, its page 0 referenced
//      (vmsplice(2) into a pipe), and the mapping munmapped;
//   2. the file is unlinked and its last descriptor closed: eviction
//      (ext4_evict_inode(), xfs_inactive()) must wait in
//      dax_break_layout_final() until the reference goes (0e2f80afcfa6
//      "fs/dax: ensure all pages are idle prior to filesystem unmount",
//      6.15), in an uninterruptible sleep;
//   3. kernels before 6.15 (the `no-final-break` row) free the blocks at
//      once: other files are then written until the reference reads one of
//      them (ReportFreedUnderReference, scenarios.h: `pinned_block_freed`).
//
// Unmount, the other caller of the final break, is not run: the run does not
// own the mount.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/check/stamp.h"
#include "stress/scenarios/scenarios.h"

namespace daxbreak {
namespace {

class EvictPinned final : public StressWorkload {
 public:
  explicit EvictPinned(StressContext& ctx)
      : ctx_(ctx), change_("unlink+close", [this] { return file_ ? ctx_.target.remove(std::move(file_)) : Status::Ok(); }) {}

  Status setup() override {
    Status s = ctx_.target.create("evict", &file_);
    if (s.ok()) s = StampPages(*file_, ctx_.config.victim_pages, ctx_.config.seed, /*oracle=*/nullptr);
    if (s.ok()) s = file_->mmap(ctx_.config.victim_pages, &mapping_);
    if (s.ok()) s = mapping_->touch(0, /*write=*/true);
    if (s.ok()) s = mapping_->take_reference(0);
    if (s.ok()) mapping_->unmap();  // The reference outlives its mapping.
    if (s.ok()) {
      page0_.kind = static_cast<uint16_t>(StampKind::kFile);
      page0_.ino = file_->ino();
      page0_.generation = ctx_.config.seed;
    }
    return s;
  }
  std::vector<WorkerSpec> workers() override {
    return {{"evict", 0x2000, [this](std::atomic<bool>& stop) { change_.run(stop); }, /*watched=*/true},
            {"evict-pinned", 0xa000, [this](std::atomic<bool>& stop) { run_sequence(stop); }}};
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
    steps_.add("page 0 of a file referenced (vmsplice into a pipe), then munmapped");
    slept_.store(change_.start_and_settle(kChangeSettle, stop));
    if (slept_.load()) {
      steps_.add(fmt::format("unlink and last close asleep on the reference ({})", WhereIs(ctx_, "evict")));
    } else {
      returned_.store(!stop.load());
      steps_.add(fmt::format("unlink and last close returned at once (error {}) while page 0 was referenced",
                             change_.watch().last_result()));
      const ReuseCheck c = ReportFreedUnderReference(ctx_, "unlink and close", ctx_.target.victim(), *mapping_, page0_, "evict-pinned",
                                           fill_bytes_, errors_);
      steps_.add(fmt::format("{} KiB of other files written; the reference reads {}", c.fill_bytes >> 10,
                             DescribeReading(c.reading)));
    }
    DropReferenceAndAwait(*mapping_, change_, slept_.load(), steps_, stop);
  }

  StressContext& ctx_;
  FirstError errors_;
  std::unique_ptr<TargetFile> file_;  // Until the change removes it.
  Stamp page0_;                       // What its page 0 holds.
  WatchedChange change_;
  StepLog steps_;
  std::unique_ptr<TargetMapping> mapping_;
  std::atomic<bool> slept_{false};
  std::atomic<bool> returned_{false};  // The change returned while the page was referenced.
  std::atomic<uint64_t> fill_bytes_{0};
};

}  // namespace

std::unique_ptr<StressWorkload> BuildEvictPinned(StressContext& ctx) { return std::make_unique<EvictPinned>(ctx); }

}  // namespace daxbreak
