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

#include <memory>

#include "stress/scenarios/scenarios.h"

namespace daxbreak {
namespace {

class UnmappedPin final : public ReferenceOutlivesMapping {
 public:
  explicit UnmappedPin(StressContext& ctx)
      : ReferenceOutlivesMapping(ctx, "unmapped-pin", "layout", VictimTruncate(ctx.config, ctx.target.victim())) {}

 private:
  Status file(TargetFile** out) override {
    *out = &ctx_.target.victim();
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<StressWorkload> BuildUnmappedPin(StressContext& ctx) { return std::make_unique<UnmappedPin>(ctx); }

}  // namespace daxbreak
