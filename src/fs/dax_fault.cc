// The DAX page fault: dax_iomap_pmd_fault() (page size 2m) and
// dax_iomap_pte_fault() (fs/dax.c) under ext4_dax_fault()'s locking, as
// docs/protocol.md, 'Fault path', and docs/models/dax-pmd.md give them.

#include <fmt/format.h>

#include "daxbreak/fs/dax_fs.h"
#include "daxbreak/fs/iomap.h"
#include "daxbreak/sync/sync_point.h"
#include "daxbreak/sync/wait_var.h"

namespace daxbreak {
namespace {

// iomap_begin() over the 2 MiB at file page `head`: the first pfn if its
// kPmdPages blocks are written, contiguous and aligned on the device
// (iomap_length() >= PMD_SIZE, and a PMD-aligned pfn), else 0.
uint64_t pmd_extent(Inode* inode, uint64_t head) {
  ReadLock lock(&inode->i_data_sem_);
  auto it = inode->extents_.find(head);
  if (it == inode->extents_.end() || it->second.unwritten || it->second.pfn % kPmdPages != 0) return 0;
  const uint64_t first = it->second.pfn;
  for (uint64_t i = 1; i < kPmdPages; ++i) {
    if (++it == inode->extents_.end() || it->first != head + i || it->second.unwritten ||
        it->second.pfn != first + i) {
      return 0;
    }
  }
  return first;
}

}  // namespace

bool DaxFs::pmd_fault(Vma& vma, Inode* inode, uint64_t pgoff, bool write) {
  const uint64_t head = pgoff - pgoff % kPmdPages;
  // dax_fault_check_fallback(): the 2 MiB inside the VMA and below EOF; and
  // no page table of PTEs there (the pmd_none test).
  if (head + kPmdPages > (inode->size() + kPageSize - 1) / kPageSize || !vma.pmd_mappable(pgoff)) return false;
  DaxEntry entry;
  if (!inode->i_pages_.grab_pmd_entry(head, &entry)) return false;  // A PTE entry is there.
  if (!entry.has_pfn) {
    const uint64_t first = pmd_extent(inode, head);
    if (first == 0) {
      inode->i_pages_.dax_unlock_entry(head, entry);  // The empty entry goes.
      return false;
    }
    // dax_insert_entry(): dax_associate_entry() of every pfn, after 6.15's
    // dax_folio_init() made them one folio.
    pages_->dax_folio_init(first, kPmdOrder);
    for (uint64_t pfn = first; pfn < first + kPmdPages; ++pfn) pages_->associate(pfn);
    entry.pfn = first;
    entry.has_pfn = true;
  }
  vma.install_pmd(head, entry.pfn, write);
  // modern-refault-wake: as in fault() below.
  if (protocol().layout.fault_wakes_break) wake_up_var(pages_->refcount_key(entry.pfn));
  inode->i_pages_.dax_unlock_entry(head, entry);
  return true;
}

// Takes invalidate_lock shared (so it waits behind a layout change), checks
// i_size (SIGBUS beyond EOF), locks the DAX entry, maps the block, associates
// the page with (inode, index), installs the PTE and unlocks the entry (under
// `modern-refault-wake` it first wakes a break waiting on the page). A
// read fault on a hole or an unwritten extent maps the zero page
// (dax_load_hole()); a write fault allocates a zeroed block for a hole, and
// zeroes and converts an unwritten one (EXT4_GET_BLOCKS_CREATE_ZERO).
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
  if (pmd_enabled() && pmd_fault(vma, inode, pgoff, write)) return Status::Ok();
  DaxEntry entry = inode->i_pages_.grab_mapping_entry(pgoff);
  Status s;
  uint64_t pfn = 0;
  if (entry.has_pfn) {
    // A PMD entry that outlived its huge mapping: map the one subpage.
    vma.install_pte(pgoff, entry.pfn + (entry.pmd ? pgoff % kPmdPages : 0), write);
  } else if (!write) {
    const Iomap map = iomap_begin(*inode, pgoff);
    if (map.type == IomapType::kMapped) {
      pages_->associate(map.pfn);
      entry.pfn = map.pfn;
      entry.has_pfn = true;
      vma.install_pte(pgoff, map.pfn, false);
    } else {
      entry.zero = true;  // dax_load_hole()
      vma.install_pte(pgoff, kZeroPfn, false);
    }
  } else {
    bool is_new = false;
    s = get_block_for_write(inode, pgoff, &pfn, &is_new);
    if (s.ok()) {
      // A zero-page entry is replaced: every mapping of the zero page goes.
      if (entry.zero) inode->i_mapping_.unmap_mapping_pages(pgoff, 1);
      // dax_insert_entry() + dax_associate_entry().
      pages_->associate(pfn);
      entry.pfn = pfn;
      entry.has_pfn = true;
      entry.zero = false;
      vma.install_pte(pgoff, pfn, true);
    }
  }
  // modern-refault-wake (daxbreak's kernel patch, patches/refault-stall): a
  // page mapped again holds a reference that only an unmap drops, so a break
  // asleep on it until idle would sleep until munmap; wake it, and it scans
  // (and unmaps) again. dax_fault_iter() and dax_insert_pfn_mkwrite() do the
  // same after vmf_insert_*().
  if (protocol().layout.fault_wakes_break && s.ok() && entry.has_pfn && !entry.zero) {
    wake_up_var(pages_->refcount_key(entry.pfn));
  }
  inode->i_pages_.dax_unlock_entry(pgoff, entry);
  return s;
}

}  // namespace daxbreak
