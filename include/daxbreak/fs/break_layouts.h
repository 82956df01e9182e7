// Breaking layouts: what a layout change (truncate, punch hole) does before it
// frees blocks, so that no block under DMA is freed (fs/dax.c, fs/ext4/inode.c
// ext4_break_layouts(), fs/xfs/xfs_file.c xfs_break_dax_layouts()).
//
// Thread-safety: thread-safe; the lock requirements are annotated.

#ifndef DAXBREAK_FS_BREAK_LAYOUTS_H_
#define DAXBREAK_FS_BREAK_LAYOUTS_H_

#include <cstdint>

#include "daxbreak/base/status.h"
#include "daxbreak/fs/dax_fs.h"
#include "daxbreak/fs/inode.h"

namespace daxbreak {

// dax_layout_busy_page_range(): unmaps file pages [first, last] from every
// user mapping (so GUP-fast on them backs off and GUP falls to the locked
// fault path), then returns the pfn of the first page in the range whose
// refcount is above idle, or 0 if none. Locked entries are waited out, not
// skipped.
uint64_t dax_layout_busy_page_range(DaxFs& fs, Inode* inode, uint64_t first, uint64_t last);

// break_layouts(): loops dax_layout_busy_page_range() over [first, last] and
// waits for each busy page to go idle, dropping invalidate_lock (but not
// i_rwsem) while asleep (ext4_wait_dax_page()), until a full scan finds no busy
// page. The caller holds i_rwsem and invalidate_lock exclusive; they are held
// again on return. The wait is interruptible. Errors: kInterrupted (a signal;
// the caller must then change nothing). The fs's protocol variant changes the
// loop: kNoBreak returns at once, kRetryFlag leaves after a wait whose sleep
// callback never ran.
Status break_layouts(DaxFs& fs, Inode* inode, uint64_t first, uint64_t last)
    REQUIRES(inode->invalidate_lock_);

// dax_break_layout_final() (6.15): for inode eviction; waits, uninterruptibly
// and without dropping any lock, until no page of the file is busy.
void dax_break_layout_final(DaxFs& fs, Inode* inode);

}  // namespace daxbreak

#endif  // DAXBREAK_FS_BREAK_LAYOUTS_H_
