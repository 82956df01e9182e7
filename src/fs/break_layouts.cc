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

// How the scan of `protocol` treats locked entries.
LockedEntryScan locked_entry_scan(Protocol protocol) {
  switch (protocol) {
    case Protocol::kSkipLocked: return LockedEntryScan::kSkip;
    case Protocol::kPauseSkip: return LockedEntryScan::kWaitAndPause;
    default: return LockedEntryScan::kWaitAndReset;
  }
}

// The condition the break sleeps on. The kernel's is dax_page_is_idle(): the
// count back at idle. From 6.15 a mapping holds a reference, so a page faulted
// back in while the breaker sleeps (the fault lock is dropped) never gets
// there and no wake comes: `modern` stalls until that mapping goes, as
// tools/kernel_probe shows on Linux 6.17. modern-mapcount-wake, daxbreak's
// candidate fix, waits only until no pin is left (put_page() wakes then too)
// and goes back to the scan, which unmaps the page again.
bool break_wait_done(DaxFs& fs, uint64_t pfn) {
  if (fs.protocol() == Protocol::kModernMapcountWake) return fs.pages()->page_is_unpinned(pfn);
  return fs.pages()->page_is_idle(pfn);
}

}  // namespace

uint64_t dax_layout_busy_page_range(DaxFs& fs, Inode* inode, uint64_t first, uint64_t last) {
  // mapped-only: before "fs/dax: Return unmapped busy pages from
  // dax_layout_busy_page_range()" (6.15) the function returned at once when
  // no VMA mapped the file, missing pins taken while it was still mapped.
  if (fs.protocol() == Protocol::kMappedOnly && !inode->i_mapping_.mapping_mapped()) return 0;
  // Unmap first: a racing GUP-fast either already holds its reference (the
  // scan below sees it) or re-reads a zapped PTE and falls back to the fault
  // path, which blocks on invalidate_lock. no-unmap: the scan without it, as
  // before dax_layout_busy_page() learned to unmap (5fac7408d828).
  if (fs.protocol() != Protocol::kNoUnmap) inode->i_mapping_.unmap_mapping_pages(first, last - first + 1);
  const uint64_t pfn =
      inode->i_pages_.scan_busy_page(first, last, *fs.pages(), locked_entry_scan(fs.protocol()));
  DAXBREAK_SYNC_POINT("dax_layout_busy_page_range:return");
  return pfn;
}

Status break_layouts(DaxFs& fs, Inode* inode, uint64_t first, uint64_t last) {
  fs.stats().breaks.fetch_add(1, std::memory_order_relaxed);
  // no-break: ext4 before 430657b6be89 ("ext4: handle layout changes to pinned
  // DAX pages") changed layouts without looking for busy pages at all.
  if (fs.protocol() == Protocol::kNoBreak) return Status::Ok();

  PageArray* pages = fs.pages();
  for (;;) {
    bool retry = false;
    const uint64_t pfn = dax_layout_busy_page_range(fs, inode, first, last);
    if (pfn == 0) return Status::Ok();
    fs.stats().break_waits.fetch_add(1, std::memory_order_relaxed);
    DAXBREAK_SYNC_POINT("break_layouts:before_wait");
    Status s = wait_var_event(
        pages->refcount_key(pfn), [&] { return break_wait_done(fs, pfn); },
        /*interruptible=*/true,
        [&](const WaitSleeper& sleeper) { ext4_wait_dax_page(inode, sleeper, &retry); });
    if (!s.ok()) {
      fs.stats().break_interrupted.fetch_add(1, std::memory_order_relaxed);
      return s;
    }
    // retry-flag: before b1f382178d15 ("ext4: close race between direct IO and
    // ext4_break_layouts()") the loop ran again only if the sleep callback had
    // set `retry`; ___wait_var_event() tests the condition first, so a pin that
    // dropped between the scan and that test ended the loop after one page.
    if (fs.protocol() == Protocol::kRetryFlag && !retry) return Status::Ok();
  }
}

void dax_break_layout_final(DaxFs& fs, Inode* inode) {
  // no-final-break: before dax_break_layout_final() (6.15) eviction freed the
  // blocks with no wait at all.
  if (fs.protocol() == Protocol::kNoFinalBreak) return;
  PageArray* pages = fs.pages();
  for (;;) {
    const uint64_t pfn = dax_layout_busy_page_range(fs, inode, 0, kMaxPageIndex);
    if (pfn == 0) return;
    fs.stats().break_waits.fetch_add(1, std::memory_order_relaxed);
    (void)wait_var_event(pages->refcount_key(pfn), [&] { return break_wait_done(fs, pfn); },
                         /*interruptible=*/false);
  }
}

}  // namespace daxbreak
