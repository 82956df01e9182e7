// The PMD explore scenarios (pmd_scenarios.h): a 2 MiB file, written, mapped
// and touched (one PMD fault with --page-size 2m, 512 PTE faults with 4k),
// and a DIO in flight that pinned file page 1, a subpage that is not the head.

#include "explore/scenarios/pmd_scenarios.h"

#include "daxbreak/explore/explore_model_base.h"

namespace daxbreak {
namespace {

constexpr uint64_t kPinnedPage = 1;

class PmdPinned : public ExploreModelBase {
 protected:
  explicit PmdPinned(const ModelEnv& env) : ExploreModelBase(env) {
    make_file(kPmdPages * kPageSize, kPmdPages);
    dio_in_flight(kPinnedPage, 1);
  }
};

// Truncate to one page: the new EOF is inside the 2 MiB, so the PMD is zapped
// and its entry deleted whole, and the blocks past page 0 are freed.
class PmdTruncate final : public PmdPinned {
 public:
  explicit PmdTruncate(const ModelEnv& env) : PmdPinned(env) {}
  void add_threads(ControlledScheduler& s) override {
    add_truncate_thread(s, kPageSize);
    add_completion_thread(s);
  }
};

// Punch of the pinned page alone; the touch of page 2 maps it again, at PTE
// size, once the PMD entry is gone (the extent has a hole now).
class PmdPunch final : public PmdPinned {
 public:
  explicit PmdPunch(const ModelEnv& env) : PmdPinned(env) {}
  void add_threads(ControlledScheduler& s) override {
    s.add_thread("punch", [this] { (void)fs_.punch_hole(file_.get(), kPinnedPage * kPageSize, kPageSize); });
    s.add_thread("touch", [this] {
      char byte = 0;
      (void)user_load(*vma_, vma_->address_of(2), &byte, 1);
    });
    add_completion_thread(s);
  }
};

}  // namespace

std::unique_ptr<ExploreModel> BuildPmdTruncate(const ModelEnv& env) { return std::make_unique<PmdTruncate>(env); }
std::unique_ptr<ExploreModel> BuildPmdPunch(const ModelEnv& env) { return std::make_unique<PmdPunch>(env); }

}  // namespace daxbreak
