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
// A `pinned_block_freed` finding names what the reference read. The race was
// exercised when the change slept on the reference, or returned and the
// freed block was seen reused; a change that returned while no reuse was
// seen tested nothing that could be checked (exit 3).

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/check/data_oracle.h"
#include "daxbreak/check/stamp.h"
#include "daxbreak/fs/dax_fs.h"
#include "stress/scenarios/scenarios.h"

namespace daxbreak {
namespace {

// Fill files, each closed once written (so that its preallocation goes
// back): first one-page files, whose one-block requests ext4 also serves
// from a lone free block, then 1 MiB ones until the file system is full;
// 4 GiB at most.
constexpr uint64_t kSmallFillFiles = 4096;
constexpr uint64_t kFillPages = 256;
constexpr uint64_t kMaxFillBytes = 4ULL << 30;

class UnmappedPin final : public StressWorkload {
 public:
  explicit UnmappedPin(StressContext& ctx) : ctx_(ctx), change_(ctx.config, ctx.target.victim()) {}

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
  Exercise exercised(const ExerciseFacts&) const override {
    if (slept_.load() || reused_.load()) return {true, ""};
    return {false, fmt::format("the {} returned while page 0 was referenced, but {} KiB of other files never "
                               "reused its block, so nothing could be read through the reference",
                               change_.name(), fill_bytes_.load() >> 10)};
  }
  Status first_error() const override { return errors_.get(); }

 private:
  // What the reference reads now; false (and noted) when it cannot be read.
  bool peek(BlockReading* out) {
    std::vector<char> page(kPageSize);
    const Status s = mapping_->peek_reference(page.data());
    if (!s.ok()) errors_.note("unmapped-pin", s);
    *out = ReadStampedBlock(page.data());
    return s.ok();
  }
  // Whether `r` is still the victim's page 0 as written.
  bool IsVictimPage0(const BlockReading& r) const {
    return r.state == BlockState::kStamped && r.stamp.kind == static_cast<uint16_t>(StampKind::kFile) &&
           r.stamp.ino == ctx_.target.victim().ino() && r.stamp.index == 0 && r.stamp.generation == ctx_.config.seed;
  }
  // Commits the change (a freed block is reusable once its transaction has
  // committed), then writes other files until the reference reads something
  // else than the victim's page 0 (the block was reused), the file system is
  // full, or the cap; then removes them.
  void fill_until_reused() {
    const Status synced = ctx_.target.victim().fsync();
    if (!synced.ok()) errors_.note("unmapped-pin", synced);
    std::vector<std::unique_ptr<TargetFile>> files;
    BlockReading r;
    for (uint64_t n = 0; fill_bytes_.load() < kMaxFillBytes && peek(&r) && IsVictimPage0(r); ++n) {
      const uint64_t pages = n < kSmallFillFiles ? 1 : kFillPages;
      std::unique_ptr<TargetFile> f;
      Status s = ctx_.target.create(fmt::format("fill{}", n), &f);
      if (s.ok()) s = StampPages(*f, pages, n + 1, /*oracle=*/nullptr);
      if (f != nullptr) f->close(), files.push_back(std::move(f));
      fill_bytes_.fetch_add(pages * kPageSize);
      if (s.code() == StatusCode::kNoSpace) break;
      if (!s.ok()) {
        errors_.note("unmapped-pin", s);
        break;
      }
    }
    if (peek(&r) && !IsVictimPage0(r)) {
      reused_.store(true);
      ctx_.target.checker().report(Violation{
          ViolationKind::kPinnedBlockFreed, 0, ctx_.target.victim().ino(), 0, "unmapped-pin",
          fmt::format("the {} freed page 0's block while it was referenced (through a pipe, after munmap); "
                      "the reference now reads {}, not the victim's page 0",
                      change_.name(), DescribeReading(r))});
    }
    steps_.add(fmt::format("{} other files ({} KiB) written; the reference reads {}", files.size(),
                           fill_bytes_.load() >> 10, DescribeReading(r)));
    for (auto& f : files) (void)ctx_.target.remove(std::move(f));
  }
  void run_sequence(std::atomic<bool>& stop) {
    steps_.add("page 0 referenced (vmsplice into a pipe), then munmapped");
    slept_.store(change_.start_and_settle(kChangeSettle, stop));
    if (slept_.load()) {
      steps_.add(fmt::format("{} asleep on the reference ({})", change_.name(), WhereIs(ctx_, "layout")));
      BlockReading r;
      if (peek(&r)) steps_.add("the reference reads " + DescribeReading(r));
    } else {
      steps_.add(fmt::format("{} returned at once (error {}) while page 0 was referenced", change_.name(),
                             change_.watch().last_result()));
      fill_until_reused();
    }
    DropReferenceAndAwait(*mapping_, change_, slept_.load(), steps_, stop);
  }

  StressContext& ctx_;
  FirstError errors_;
  VictimChange change_;
  StepLog steps_;
  std::unique_ptr<TargetMapping> mapping_;
  std::atomic<bool> slept_{false};   // The change slept on the reference.
  std::atomic<bool> reused_{false};  // The freed block was seen reused through the reference.
  std::atomic<uint64_t> fill_bytes_{0};  // Bytes of other files written after the change.
};

}  // namespace

std::unique_ptr<StressWorkload> BuildUnmappedPin(StressContext& ctx) { return std::make_unique<UnmappedPin>(ctx); }

}  // namespace daxbreak
