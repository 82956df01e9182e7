// The DAX page fault: dax_iomap_pte_fault() (fs/dax.c) under ext4_dax_fault()'s
// locking, as PROTOCOL.md section 3 gives it.

#include <fmt/format.h>

#include "daxbreak/fs/dax_fs.h"
#include "daxbreak/sync/sync_point.h"

namespace daxbreak {

// Takes invalidate_lock shared (so it waits behind a layout change), checks
// i_size (SIGBUS beyond EOF), locks the DAX entry, maps the block (allocating
// a zeroed one on a write fault into a hole; a read fault into a hole maps the
// zero page), associates the page with (inode, index), installs the PTE and
// unlocks the entry.
Status DaxFs::fault(Vma& vma, uint64_t pgoff, bool write) {
  Inode* inode = static_cast<Inode*>(vma.vm_private_data());
  stats_.faults.fetch_add(1, std::memory_order_relaxed);
  ReadLock mm(&inode->invalidate_lock_);
  DAXBREAK_SYNC_POINT("dax_iomap_pte_fault:locked");
  const uint64_t size = inode->size();
  if (pgoff >= (size + kPageSize - 1) / kPageSize) {
    return Status::Fault(fmt::format("SIGBUS: page {} of inode {} is beyond EOF ({} bytes)", pgoff,
                                     inode->ino(), size));
  }
  DaxEntry entry = inode->i_pages_.grab_mapping_entry(pgoff);
  Status s;
  if (entry.has_pfn) {
    vma.install_pte(pgoff, entry.pfn, write);
  } else if (!write) {
    uint64_t pfn = 0;
    if (inode->lookup_block(pgoff, &pfn)) {
      pages_->associate(pfn, inode->ino(), static_cast<uint32_t>(pgoff));
      entry.pfn = pfn;
      entry.has_pfn = true;
      vma.install_pte(pgoff, pfn, false);
    } else {
      entry.zero = true;  // dax_load_hole()
      vma.install_pte(pgoff, kZeroPfn, false);
    }
  } else {
    uint64_t pfn = 0;
    bool allocated = false;
    s = get_block(inode, pgoff, &pfn, &allocated);
    if (s.ok()) {
      // A zero-page entry is replaced: every mapping of the zero page goes.
      if (entry.zero) inode->i_mapping_.unmap_mapping_pages(pgoff, 1);
      // dax_insert_entry() + dax_associate_entry().
      pages_->associate(pfn, inode->ino(), static_cast<uint32_t>(pgoff));
      entry.pfn = pfn;
      entry.has_pfn = true;
      entry.zero = false;
      vma.install_pte(pgoff, pfn, true);
    }
  }
  inode->i_pages_.dax_unlock_entry(pgoff, entry);
  return s;
}

}  // namespace daxbreak
