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

#include <memory>

#include "stress/scenarios/scenarios.h"

namespace daxbreak {
namespace {

class EvictPinned final : public ReferenceOutlivesMapping {
 public:
  explicit EvictPinned(StressContext& ctx)
      : ReferenceOutlivesMapping(ctx, "evict-pinned", "evict",
                                 {"unlink and close",
                                  [this] { return file_ ? ctx_.target.remove(std::move(file_)) : Status::Ok(); }}) {}

 private:
  Status file(TargetFile** out) override {
    Status s = ctx_.target.create("evict", &file_);
    if (s.ok()) *out = file_.get();
    return s;
  }

  std::unique_ptr<TargetFile> file_;  // Until the change removes it.
};

}  // namespace

std::unique_ptr<StressWorkload> BuildEvictPinned(StressContext& ctx) { return std::make_unique<EvictPinned>(ctx); }

}  // namespace daxbreak
