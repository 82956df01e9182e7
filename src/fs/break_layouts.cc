#include "daxbreak/fs/break_layouts.h"

#include "daxbreak/sync/sync_point.h"
#include "daxbreak/sync/wait_var.h"

namespace daxbreak {
namespace {

// ext4_wait_dax_page(): the sleep command of the wait. It records that it
// slept (the `retry` flag of the 2018 code), then drops the fault lock so that
// the DIO's pages can be faulted and its completion can run, sleeps, and
// retakes the lock. The analysis cannot follow a lock released and retaken
// inside a callback of the caller's critical section, hence the opt-out; the
// caller's REQUIRES(invalidate_lock) holds again when this returns.
void ext4_wait_dax_page(Inode* inode, const WaitSleeper& sleeper, bool* retry)
    NO_THREAD_SAFETY_ANALYSIS {
  *retry = true;
  inode->invalidate_lock_.up_write();
  DAXBREAK_SYNC_POINT("ext4_wait_dax_page:schedule");
  sleeper.schedule();
  inode->invalidate_lock_.down_write();
}

// The condition the break sleeps on. The kernel's is dax_page_is_idle(): the
// count back at idle. From 6.15 a mapping holds a reference, so a page faulted
// back in while the breaker sleeps (the fault lock is dropped) never gets
// there and no wake comes: `modern` stalls until that mapping goes, as Linux
// 6.17 does. modern-mapcount-wake waits only until no pin is left (its wake
// rule wakes then too) and goes back to the scan, which unmaps the page again.
// modern-refault-wake (daxbreak's kernel patch, patches/refault-stall) waits
// until the page is idle or mapped again (the fault that maps it wakes the
// breaker, DaxFs::fault()) and goes back to the scan as well: the scan runs
// with invalidate_lock held, so no fault can map the page between its unmap
// and the next sleep, and the count reaches idle while the page is unmapped.
bool break_wait_done(const BreakContext& ctx, uint64_t pfn) {
  switch (ctx.traits.wait_condition) {
    case BreakWaitCondition::kUnpinned: return ctx.pages.page_is_unpinned(pfn);
    case BreakWaitCondition::kIdleOrMapped:
      return ctx.pages.page_is_idle(pfn) || ctx.pages.page_mapcount(pfn) > 0;
    case BreakWaitCondition::kIdle: break;
  }
  return ctx.pages.page_is_idle(pfn);
}

}  // namespace

void dax_break_delete_entries(const BreakContext& ctx, Inode* inode, uint64_t first, uint64_t last) {
  if (!ctx.traits.break_deletes_entries) return;
  inode->i_pages_.dax_delete_mapping_range(first, last, ctx.pages, inode->ino(), ctx.sink);
}

uint64_t dax_layout_busy_page_range(const BreakContext& ctx, Inode* inode, uint64_t first,
                                    uint64_t last) {
  // mapped-only: before cee91fa13a8e the function returned at once when no
  // VMA mapped the file, missing pins taken while it was still mapped.
  if (ctx.traits.stop_when_unmapped && !inode->i_mapping_.mapping_mapped()) return 0;
  // Unmap first: a racing GUP-fast either already holds its reference (the
  // scan below sees it) or re-reads a zapped PTE and falls back to the fault
  // path, which blocks on invalidate_lock; the TLB flush of the unmap orders
  // the two (MmStruct). no-unmap: the ablation that scans without it.
  if (ctx.traits.unmap_first) inode->i_mapping_.unmap_mapping_pages(first, last - first + 1);
  const uint64_t pfn =
      inode->i_pages_.scan_busy_page(first, last, ctx.pages, ctx.traits.locked_entry_scan,
                                     ctx.traits.pmd_busy_check);
  DAXBREAK_SYNC_POINT("dax_layout_busy_page_range:return");
  return pfn;
}

Status break_layouts(const BreakContext& ctx, Inode* inode, uint64_t first, uint64_t last) {
  ctx.stats.breaks.fetch_add(1, std::memory_order_relaxed);
  // no-break: ext4 before 430657b6be89 changed layouts without looking for
  // busy pages at all.
  if (!ctx.traits.breaks_layouts) return Status::Ok();
  for (;;) {
    bool retry = false;
    const uint64_t pfn = dax_layout_busy_page_range(ctx, inode, first, last);
    if (pfn == 0) {
      dax_break_delete_entries(ctx, inode, first, last);
      return Status::Ok();
    }
    ctx.stats.break_waits.fetch_add(1, std::memory_order_relaxed);
    DAXBREAK_SYNC_POINT("break_layouts:before_wait");
    Status s = wait_var_event(
        ctx.pages.refcount_key(pfn), [&] { return break_wait_done(ctx, pfn); },
        /*interruptible=*/true,
        [&](const WaitSleeper& sleeper) { ext4_wait_dax_page(inode, sleeper, &retry); });
    if (!s.ok()) {
      ctx.stats.break_interrupted.fetch_add(1, std::memory_order_relaxed);
      return s;
    }
    // retry-flag: in xfs from d6dc57e251a4 (releases not confirmed here), and
    // in ext4's queued patches before b1f382178d15, the loop ran again only if
    // the sleep callback had set `retry`; ___wait_var_event() tests the
    // condition first, so a pin that dropped between the scan and that test
    // ended the loop after one page.
    if (ctx.traits.loop_needs_sleep_callback && !retry) return Status::Ok();
  }
}

void dax_break_layout_final(const BreakContext& ctx, Inode* inode) {
  // no-final-break: before 0e2f80afcfa6 eviction freed the blocks with no
  // wait at all.
  if (!ctx.traits.final_break_on_evict) return;
  for (;;) {
    const uint64_t pfn = dax_layout_busy_page_range(ctx, inode, 0, kMaxPageIndex);
    if (pfn == 0) {
      dax_break_delete_entries(ctx, inode, 0, kMaxPageIndex);
      return;
    }
    ctx.stats.break_waits.fetch_add(1, std::memory_order_relaxed);
    (void)wait_var_event(ctx.pages.refcount_key(pfn), [&] { return break_wait_done(ctx, pfn); },
                         /*interruptible=*/false);
  }
}

}  // namespace daxbreak
