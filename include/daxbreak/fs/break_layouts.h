// Breaking layouts: what a layout change (truncate, punch hole, zero range,
// collapse range, insert range) does before it changes the file's blocks, so
// that no block under DMA is freed or moved (fs/dax.c dax_break_layout(),
// dax_layout_busy_page_range(); fs/ext4/inode.c ext4_break_layouts(),
// ext4_wait_dax_page(); fs/xfs/xfs_file.c xfs_break_dax_layouts()).
//
// These functions take what they need, not the file system: the protocol's
// LayoutBreakTraits, the page records and the counters (BreakContext).
//
// Thread-safety: thread-safe; the lock requirements are annotated.

#ifndef DAXBREAK_FS_BREAK_LAYOUTS_H_
#define DAXBREAK_FS_BREAK_LAYOUTS_H_

#include <cstdint>

#include "daxbreak/base/status.h"
#include "daxbreak/fs/fs_stats.h"
#include "daxbreak/fs/inode.h"
#include "daxbreak/fs/protocol.h"
#include "daxbreak/mm/page_array.h"

namespace daxbreak {

// What breaking layouts reads and counts.
struct BreakContext {
  const LayoutBreakTraits& traits;
  PageArray& pages;
  FsStats& stats;
  ViolationSink* sink = nullptr;  // For the entries a 6.15 break deletes (may be null).
};

// dax_layout_busy_page_range(): unmaps file pages [first, last] from every
// user mapping (so GUP-fast on them backs off and GUP falls to the locked
// fault path), then returns the pfn of the first page in the range that is
// busy, or 0 if none. Locked entries are waited out, not skipped.
uint64_t dax_layout_busy_page_range(const BreakContext& ctx, Inode* inode, uint64_t first,
                                    uint64_t last);

// break_layouts(): loops dax_layout_busy_page_range() over [first, last] and
// waits for each busy page to go idle, dropping invalidate_lock (but not
// i_rwsem) while asleep (ext4_wait_dax_page()), until a full scan finds no busy
// page. The caller holds i_rwsem and invalidate_lock exclusive; they are held
// again on return. The wait is interruptible. With break_deletes_entries
// (6.15+: dax_break_layout(), bde708f1a65d "fs/dax: always remove DAX
// page-cache entries when breaking layouts") a break that found no busy page
// then deletes the DAX entries of [first, last] itself. Errors: kInterrupted
// (a signal; the caller must then change nothing).
Status break_layouts(const BreakContext& ctx, Inode* inode, uint64_t first, uint64_t last)
    REQUIRES(inode->invalidate_lock_);

// The end of a 6.15+ break that found no busy page (bde708f1a65d "fs/dax:
// always remove DAX page-cache entries when breaking layouts"):
// dax_break_layout() and dax_break_layout_final() delete the DAX entries of
// [first, last] (pages) with dax_delete_mapping_range(), so that none is left
// for truncate_inode_pages_range(), which from then on WARNs if it finds one
// (DaxFs::truncate_dax_entries()). Does nothing for rows without
// break_deletes_entries (up to 6.14 truncate deletes them). Caller holds
// `inode`'s invalidate_lock exclusive.
void dax_break_delete_entries(const BreakContext& ctx, Inode* inode, uint64_t first, uint64_t last);

// dax_break_layout_final() (6.15, 0e2f80afcfa6): for inode eviction; waits,
// uninterruptibly and without dropping any lock, until no page of the file is
// busy; with break_deletes_entries it then deletes every DAX entry of the
// file.
void dax_break_layout_final(const BreakContext& ctx, Inode* inode);

}  // namespace daxbreak

#endif  // DAXBREAK_FS_BREAK_LAYOUTS_H_
