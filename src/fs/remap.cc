// The two-inode remap of xfs (reflink, dedupe, exchange-range):
// xfs_ilock2_io_mmap() and xfs_mmaplock_two_inodes_and_break_dax_layout()
// (fs/xfs/xfs_inode.c), then the remap itself; and replace_blocks(), which
// the remap and virtiofs's window reclaim (dax_window.cc) share.

#include <cstring>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/fs/dax_fs.h"
#include "daxbreak/fs/iomap.h"
#include "daxbreak/sync/sync_point.h"
#include "daxbreak/sync/wait_var.h"

namespace daxbreak {

Status DaxFs::replace_blocks(Inode* inode, uint64_t first, uint64_t nr, Inode* from, uint64_t from_first) {
  for (uint64_t i = 0; i < nr; ++i) {
    const Iomap map = iomap_begin(*from, from_first + i);
    uint64_t old_pfn = 0, new_pfn = 0;
    bool had_block = false;
    if (map.type == IomapType::kMapped) {
      Status s = allocator_.alloc_block(&new_pfn);
      if (!s.ok()) return s;
      device_->memcpy_nodrain(device_->page_address(new_pfn), device_->page_address(map.pfn), kPageSize);
      stats_.blocks_allocated.fetch_add(1, std::memory_order_relaxed);
    }
    {
      WriteLock lock(&inode->i_data_sem_);
      auto it = inode->extents_.find(first + i);
      if (it != inode->extents_.end()) old_pfn = it->second.pfn, had_block = true, inode->extents_.erase(it);
      if (map.type == IomapType::kMapped) inode->extents_[first + i] = Extent{new_pfn, false};
      es_inc_seq(*inode, protocol().iomap.seq_update);
    }
    if (had_block) {
      allocator_.free_block(old_pfn, inode->ino(), (first + i) * kPageSize);
      stats_.blocks_freed.fetch_add(1, std::memory_order_relaxed);
    }
  }
  device_->drain();
  return Status::Ok();
}

// The lower-numbered inode first: its MMAPLOCK and xfs_break_dax_layouts(),
// which sleeps with that MMAPLOCK dropped. Then the other's MMAPLOCK, nested,
// and a break that may not sleep (it would have to drop a nested lock): from
// 6.15 dax_break_layout(ip2, 0, -1, NULL), which returns -ERESTARTSYS for a
// busy page; in 6.1 and 6.12 dax_layout_busy_page() and page_ref_count() != 1.
// Either way both MMAPLOCKs go and it starts again. The kernel spins there;
// the model sleeps on the busy page until it is idle before it starts again,
// which reaches the same states (the iterations in between change nothing)
// except where the wake that ends a wait is lost (bio-release-no-wake,
// wake-key), where the kernel's spin would still see the page go idle.
Status DaxFs::mmaplock_two_inodes_and_break(Inode* ip1, Inode* ip2) NO_THREAD_SAFETY_ANALYSIS {
  if (ip1->ino() > ip2->ino()) std::swap(ip1, ip2);
  const BreakContext ctx = break_context();
  for (;;) {
    ip1->invalidate_lock_.down_write();
    Status s = ip1->dax_ ? break_layouts(ctx, ip1, 0, kMaxPageIndex) : Status::Ok();
    if (!s.ok()) {
      ip1->invalidate_lock_.up_write();
      return s;
    }
    ip2->invalidate_lock_.down_write();
    // no-break: no break at all, for either inode.
    if (!ip2->dax_ || !ctx.traits.breaks_layouts || !fs_model().traits.remap_nowait_second_break) return Status::Ok();
    ctx.stats.breaks.fetch_add(1, std::memory_order_relaxed);
    const uint64_t pfn = dax_layout_busy_page_range(ctx, ip2, 0, kMaxPageIndex);
    if (pfn == 0) {
      // 6.15+: the no-wait dax_break_layout() deletes ip2's entries too.
      dax_break_delete_entries(ctx, ip2, 0, kMaxPageIndex);
      return Status::Ok();
    }
    ctx.stats.break_waits.fetch_add(1, std::memory_order_relaxed);
    ip2->invalidate_lock_.up_write();
    ip1->invalidate_lock_.up_write();
    DAXBREAK_SYNC_POINT("xfs_mmaplock_two_inodes_and_break_dax_layout:again");
    (void)wait_var_event(ctx.pages.refcount_key(pfn), [&] { return ctx.pages.page_is_idle(pfn); },
                         /*interruptible=*/false);
  }
}

Status DaxFs::remap_range(Inode* src, uint64_t src_off, Inode* dst, uint64_t dst_off, uint64_t len)
    NO_THREAD_SAFETY_ANALYSIS {
  if (!fs_model().traits.remap_two_inodes) {
    return Status::NotSupported(fmt::format("{} has no reflink, dedupe or exchange-range", fs_model().name));
  }
  if (src == dst) return Status::InvalidArgument("remap within one file is not modeled");
  if (len == 0 || src_off % kPageSize != 0 || dst_off % kPageSize != 0 || len % kPageSize != 0) {
    return Status::InvalidArgument(
        fmt::format("remap [{}, +{}) -> [{}, +{}) is empty or not block-aligned", src_off, len, dst_off, len));
  }
  // lock_two_nondirectories(): both i_rwsems, in inode order.
  Inode* first = src->ino() < dst->ino() ? src : dst;
  Inode* second = first == src ? dst : src;
  WriteLock io1(&first->i_rwsem_);
  WriteLock io2(&second->i_rwsem_);
  if (src_off + len > src->size() || dst_off + len > dst->size()) {
    return Status::InvalidArgument(fmt::format("remap of {} bytes from {} to {} passes EOF ({} and {} bytes)", len,
                                               src_off, dst_off, src->size(), dst->size()));
  }
  Status s = mmaplock_two_inodes_and_break(src, dst);
  if (!s.ok()) return s;
  DAXBREAK_SYNC_POINT("xfs_reflink_remap_prep:locked");
  // inode_dio_wait() of both: nothing in flight through i_dio_count here.
  const uint64_t first_page = dst_off / kPageSize, nr = len / kPageSize;
  truncate_dax_entries(dst, first_page, first_page + nr - 1);
  s = replace_blocks(dst, first_page, nr, src, src_off / kPageSize);
  dst->invalidate_lock_.up_write();
  src->invalidate_lock_.up_write();
  stats_.remaps.fetch_add(1, std::memory_order_relaxed);
  return s;
}

}  // namespace daxbreak
