// Layout changes: truncate (ext4_setattr) and the fallocate modes
// (ext4_fallocate), each in ext4's lock order: i_rwsem, inode_dio_wait(),
// invalidate_lock, break_layouts() of the whole file, then the change.
//
// inode_dio_wait() has nothing to wait for in this model: DAX reads and
// writes (dax_iomap_rw()) complete under i_rwsem and never raise i_dio_count,
// as on ext4 -o dax.

#include <fmt/format.h>

#include "daxbreak/fs/dax_fs.h"
#include "daxbreak/fs/iomap.h"

namespace daxbreak {
namespace {

uint64_t pages_for(uint64_t bytes) { return (bytes + kPageSize - 1) / kPageSize; }

// The byte range [offset, end) zeroed in place at the edges of a punch or a
// zero range: the parts of the first and last page the range covers only in
// part (ext4_zero_partial_blocks()).
struct PartialEdges {
  uint64_t head_from, head_to, tail_from, tail_to;
};
PartialEdges partial_edges(uint64_t offset, uint64_t end) {
  const uint64_t first_full = pages_for(offset);
  const uint64_t end_full = end / kPageSize;  // Exclusive.
  if (first_full > end_full) return {offset, end, 0, 0};  // Inside one page.
  return {offset, first_full * kPageSize, end_full * kPageSize, end};
}

}  // namespace

Status DaxFs::break_for_change(Inode* inode, uint64_t first, uint64_t end) {
  // ext4_break_layouts(): nothing to break for a file that is not DAX.
  if (!inode->dax_) return Status::Ok();
  // short-range: a ranged break, never in a release (ext4 and xfs break the
  // whole file for every layout change); an empty range (truncate up) breaks
  // nothing.
  if (protocol().layout.break_range == BreakRange::kAffectedRange) {
    if (end <= first) return Status::Ok();
    return break_layouts(break_context(), inode, first, end - 1);
  }
  // virtiofs-page0: fuse_dax_break_layouts(inode, 0, 0) scans [0, 0].
  if (protocol().layout.break_range == BreakRange::kFirstPageOnly) {
    return break_layouts(break_context(), inode, 0, 0);
  }
  return break_layouts(break_context(), inode, 0, kMaxPageIndex);
}

Status DaxFs::truncate(Inode* inode, uint64_t new_size) {
  if (new_size > kMaxFileBytes) {
    return Status::TooBig(fmt::format("size {} is past the largest file", new_size));
  }
  WriteLock io(&inode->i_rwsem_);
  WriteLock mm(&inode->invalidate_lock_);
  const uint64_t old_size = inode->size();
  // eintr-partial: before b9c1c26739ec the new size was applied before the
  // break, so an interrupted break left the truncate half done.
  if (protocol().layout.size_before_break) inode->i_size_.store(new_size, "i_size_write");
  // For the ranged form, the pages a shrink cuts: from the new last page up
  // to the old EOF rounded down (so a pinned partial last page is missed);
  // none for a grow.
  const uint64_t first = new_size / kPageSize;
  Status s = break_for_change(inode, first, new_size < old_size ? old_size / kPageSize : first);
  if (!s.ok()) return s;
  inode->i_size_.store(new_size, "i_size_write");
  if (new_size < old_size) {
    if (new_size % kPageSize != 0) zero_partial_page(inode, new_size, pages_for(new_size) * kPageSize);
    truncate_dax_entries(inode, pages_for(new_size), kMaxPageIndex);
    free_blocks(inode, pages_for(new_size), kMaxPageIndex);
  }
  stats_.truncates.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

Status DaxFs::fallocate(Inode* inode, uint32_t mode, uint64_t offset, uint64_t len) {
  // vfs_fallocate()'s checks, then ext4_fallocate()'s dispatch.
  constexpr uint32_t kKnown = kFallocKeepSize | kFallocPunchHole | kFallocCollapseRange |
                              kFallocZeroRange | kFallocInsertRange;
  if (len == 0) return Status::InvalidArgument("fallocate of 0 bytes");
  if ((mode & ~kKnown) != 0) {
    return Status::NotSupported(fmt::format("fallocate mode {:#x} has unknown bits", mode));
  }
  if ((mode & kFallocPunchHole) && (mode & kFallocZeroRange)) {
    return Status::InvalidArgument("fallocate: PUNCH_HOLE and ZERO_RANGE together");
  }
  if ((mode & kFallocPunchHole) && !(mode & kFallocKeepSize)) {
    return Status::NotSupported("fallocate: PUNCH_HOLE needs KEEP_SIZE");
  }
  for (uint32_t alone : {uint32_t{kFallocCollapseRange}, uint32_t{kFallocInsertRange}}) {
    if ((mode & alone) && mode != alone) {
      return Status::InvalidArgument(fmt::format("fallocate mode {:#x}: {:#x} takes no other bit", mode, alone));
    }
  }
  if (offset > kMaxFileBytes || len > kMaxFileBytes - offset) {
    return Status::TooBig(fmt::format("fallocate [{}, +{}) is past the largest file", offset, len));
  }
  // virtiofs: fuse_file_fallocate() knows KEEP_SIZE, PUNCH_HOLE and
  // ZERO_RANGE only.
  if ((mode & (kFallocCollapseRange | kFallocInsertRange)) && !fs_model().traits.collapse_insert) {
    return Status::NotSupported(fmt::format("fallocate mode {:#x}: {} has no collapse or insert range", mode,
                                            fs_model().name));
  }
  const bool keep_size = (mode & kFallocKeepSize) != 0;
  if (mode & kFallocPunchHole) return do_punch_hole(inode, offset, len);
  if (mode & kFallocCollapseRange) return do_collapse_range(inode, offset, len);
  if (mode & kFallocInsertRange) return do_insert_range(inode, offset, len);
  if (mode & kFallocZeroRange) return do_zero_range(inode, offset, len, keep_size);
  return do_preallocate(inode, offset, len, keep_size);
}

// ext4_punch_hole(): nothing past EOF; a range reaching past EOF ends after
// the page that holds EOF. Whole pages lose their entries and blocks, the
// edges of partial pages are zeroed.
Status DaxFs::do_punch_hole(Inode* inode, uint64_t offset, uint64_t len) {
  WriteLock io(&inode->i_rwsem_);
  const uint64_t size = inode->size();
  if (offset >= size) return Status::Ok();
  uint64_t end = offset + len;
  if (end > size) end = size + kPageSize - size % kPageSize;
  WriteLock mm(&inode->invalidate_lock_);
  Status s = break_for_change(inode, offset / kPageSize, pages_for(end));
  if (!s.ok()) return s;
  const uint64_t first_full = pages_for(offset);
  const uint64_t end_full = end / kPageSize;
  if (first_full < end_full) {
    truncate_dax_entries(inode, first_full, end_full - 1);
    free_blocks(inode, first_full, end_full - 1);
  }
  const PartialEdges edges = partial_edges(offset, end);
  zero_partial_page(inode, edges.head_from, edges.head_to);
  zero_partial_page(inode, edges.tail_from, edges.tail_to);
  stats_.punch_holes.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

// ext4_zero_range(): the pages at unaligned edges get blocks (unwritten where
// there were none) and have their covered bytes zeroed; whole pages are
// broken, lose their entries and become unwritten extents (allocated where
// they were holes), so they read as zeros until written. Without KEEP_SIZE a
// range past EOF grows the file.
Status DaxFs::do_zero_range(Inode* inode, uint64_t offset, uint64_t len, bool keep_size) {
  WriteLock io(&inode->i_rwsem_);
  const uint64_t end = offset + len;
  const uint64_t first_full = pages_for(offset);
  const uint64_t end_full = end / kPageSize;
  Status s;
  if (offset % kPageSize != 0 || end % kPageSize != 0) {
    s = make_unwritten(inode, offset / kPageSize, pages_for(end) - 1, /*convert_written=*/false);
    if (!s.ok()) return s;
  }
  if (first_full < end_full) {
    WriteLock mm(&inode->invalidate_lock_);
    s = break_for_change(inode, first_full, end_full);
    if (!s.ok()) return s;
    truncate_dax_entries(inode, first_full, end_full - 1);
    s = make_unwritten(inode, first_full, end_full - 1, /*convert_written=*/true);
    if (!s.ok()) return s;
  }
  const PartialEdges edges = partial_edges(offset, end);
  zero_partial_page(inode, edges.head_from, edges.head_to);
  zero_partial_page(inode, edges.tail_from, edges.tail_to);
  if (!keep_size && end > inode->size()) inode->i_size_.store(end, "i_size_write");
  stats_.zero_ranges.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

// Moves every extent at or past file page `from` by `delta` pages
// (ext4_ext_shift_extents()); the caller removed or made room for the range
// they move over.
static void shift_extents(Inode* inode, uint64_t from, int64_t delta, SeqUpdate how)
    REQUIRES(inode->i_data_sem_) {
  std::map<uint64_t, Extent> moved;
  auto it = inode->extents_.lower_bound(from);
  while (it != inode->extents_.end()) {
    moved.emplace(static_cast<uint64_t>(static_cast<int64_t>(it->first) + delta), it->second);
    it = inode->extents_.erase(it);
  }
  inode->extents_.merge(moved);
  es_inc_seq(*inode, how);
}

// ext4_collapse_range(): block-aligned, and the range must end before EOF.
// The DAX entries from `offset` on go (truncate_pagecache()), the range's
// blocks are freed, every later extent moves down by `len`, and the file
// shrinks by `len`.
Status DaxFs::do_collapse_range(Inode* inode, uint64_t offset, uint64_t len) {
  if (offset % kPageSize != 0 || len % kPageSize != 0) {
    return Status::InvalidArgument(fmt::format("collapse range [{}, +{}) is not block-aligned", offset, len));
  }
  WriteLock io(&inode->i_rwsem_);
  const uint64_t size = inode->size();
  if (offset + len >= size) {
    return Status::InvalidArgument(
        fmt::format("collapse range [{}, +{}) reaches EOF ({} bytes)", offset, len, size));
  }
  WriteLock mm(&inode->invalidate_lock_);
  const uint64_t first = offset / kPageSize;
  const uint64_t nr = len / kPageSize;
  Status s = break_for_change(inode, first, kMaxPageIndex + 1);
  if (!s.ok()) return s;
  truncate_dax_entries(inode, first, kMaxPageIndex);
  free_blocks(inode, first, first + nr - 1);
  {
    WriteLock lock(&inode->i_data_sem_);
    shift_extents(inode, first + nr, -static_cast<int64_t>(nr), protocol().iomap.seq_update);
  }
  inode->i_size_.store(size - len, "i_size_write");
  stats_.collapse_ranges.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

// ext4_insert_range(): block-aligned, inside the file, and the grown file
// must fit. The DAX entries from `offset` on go, the file grows by `len` and
// every extent from `offset` on moves up by `len`, leaving a hole.
Status DaxFs::do_insert_range(Inode* inode, uint64_t offset, uint64_t len) {
  if (offset % kPageSize != 0 || len % kPageSize != 0) {
    return Status::InvalidArgument(fmt::format("insert range [{}, +{}) is not block-aligned", offset, len));
  }
  WriteLock io(&inode->i_rwsem_);
  const uint64_t size = inode->size();
  if (len > kMaxFileBytes - size) {
    return Status::TooBig(fmt::format("insert of {} bytes grows a {}-byte file past the largest", len, size));
  }
  if (offset >= size) {
    return Status::InvalidArgument(fmt::format("insert range at {} is at or past EOF ({} bytes)", offset, size));
  }
  WriteLock mm(&inode->invalidate_lock_);
  const uint64_t first = offset / kPageSize;
  Status s = break_for_change(inode, first, kMaxPageIndex + 1);
  if (!s.ok()) return s;
  truncate_dax_entries(inode, first, kMaxPageIndex);
  inode->i_size_.store(size + len, "i_size_write");
  {
    WriteLock lock(&inode->i_data_sem_);
    shift_extents(inode, first, static_cast<int64_t>(len / kPageSize), protocol().iomap.seq_update);
  }
  stats_.insert_ranges.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

// ext4_do_fallocate(): unwritten blocks for the holes of the range (past EOF
// too), and without KEEP_SIZE a larger i_size. Nothing is removed, so ext4
// does not break; xfs breaks for every mode (__xfs_file_fallocate()), and
// virtiofs without KEEP_SIZE (fuse_file_fallocate()'s block_faults).
Status DaxFs::do_preallocate(Inode* inode, uint64_t offset, uint64_t len, bool keep_size) {
  WriteLock io(&inode->i_rwsem_);
  const FsModelTraits& fs = fs_model().traits;
  if (fs.break_on_preallocate || (fs.break_on_size_change_preallocate && !keep_size)) {
    WriteLock mm(&inode->invalidate_lock_);
    Status s = break_for_change(inode, offset / kPageSize, pages_for(offset + len));
    if (!s.ok()) return s;
  }
  Status s = make_unwritten(inode, offset / kPageSize, pages_for(offset + len) - 1,
                            /*convert_written=*/false);
  if (!s.ok()) return s;
  if (!keep_size && offset + len > inode->size()) inode->i_size_.store(offset + len, "i_size_write");
  stats_.preallocs.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

}  // namespace daxbreak
