// virtiofs's DAX window reclaim (fs/fuse/dax.c lookup_and_reclaim_dmap(),
// called by try_to_free_dmap_chunks() from the reclaim worker, and
// inode_inline_reclaim_one_dmap() for a read or write short of windows): a
// window of the device that maps part of a file is taken back while the file
// stays mapped.

#include <fmt/format.h>

#include "daxbreak/fs/dax_fs.h"
#include "daxbreak/sync/sync_point.h"

namespace daxbreak {

Status DaxFs::reclaim_dax_window(Inode* inode, uint64_t window) {
  const uint64_t window_pages = fs_model().traits.dax_window_pages;
  if (window_pages == 0) return Status::NotSupported(fmt::format("{} has no DAX windows", fs_model().name));
  if (window > kMaxPageIndex / window_pages) {
    return Status::InvalidArgument(fmt::format("DAX window {} is past the largest file", window));
  }
  const uint64_t first = window * window_pages, last = first + window_pages - 1;
  // filemap_invalidate_lock(), then fuse_dax_break_layouts(inode, dmap_start,
  // dmap_end) over the window's bytes (the end inclusive).
  WriteLock mm(&inode->invalidate_lock_);
  Status s = inode->dax_ ? break_layouts(break_context(), inode, first, last) : Status::Ok();
  if (!s.ok()) return s;
  DAXBREAK_SYNC_POINT("lookup_and_reclaim_dmap:broken");
  // reclaim_one_dmap_locked(): dmap_writeback_invalidate() drops the
  // window's DAX entries, dmap_removemapping() gives the window back; the
  // data stays with the server, and the next access maps it anew.
  truncate_dax_entries(inode, first, last);
  uint64_t end = inode->size() == 0 ? 0 : (inode->size() - 1) / kPageSize + 1;
  if (end > last + 1) end = last + 1;
  if (end > first) s = replace_blocks(inode, first, end - first, inode, first);
  stats_.window_reclaims.fetch_add(1, std::memory_order_relaxed);
  return s;
}

}  // namespace daxbreak
