// Vma: a user mapping of a file (vm_area_struct) with its page-table entries,
// and the user accesses that go through it. Addresses are modeled user virtual
// addresses: each Vma owns [vm_start(), vm_end()), unique in the process.
//
// PTE model: one SyncAtomic<uint64_t> per page; 0 is "not present", else
// (pfn << 2) | present | writable. The zero page (read fault on a hole) is the
// pfn kZeroPfn. The page-table lock ptl_ stands for the PTE lock plus the TLB
// entries of CPU loads and stores: a user load or store holds it shared while
// it reads its PTE and copies, and a zap holds it exclusive, so no access
// through a zapped PTE can still be running when the zap returns. GUP-fast
// reads PTEs without it, as the real one does; what orders GUP-fast against a
// zap is the TLB flush that follows it (MmStruct::flush_tlb()).
//
// PMD model (`--page-size 2m`): a VMA made `pmd_capable` also has one
// SyncAtomic<uint64_t> per 2 MiB (kPmdPages file pages) of its range, the
// pmd_t: 0 is pmd_none, kPmdTable says PTEs map that range (a page table is
// installed), else (head pfn << 2) | present | writable is a huge mapping
// of the whole 2 MiB (vmf_insert_pfn_pmd()). Every lookup reads the PMD
// slot first and, unless it is a huge mapping, the PTE; a VMA that is not
// pmd_capable has no slots and reads only the PTE (the 4 KiB model, with
// the same scheduling points as before).
//
// Thread-safety: thread-safe. The Vma must outlive every access through it;
// munmap (destroying it) happens when no thread uses it.

#ifndef DAXBREAK_MM_VMA_H_
#define DAXBREAK_MM_VMA_H_

#include <cstdint>
#include <memory>

#include "daxbreak/base/status.h"
#include "daxbreak/mm/mm_struct.h"
#include "daxbreak/mm/page_array.h"
#include "daxbreak/pmem/pmem_device.h"
#include "daxbreak/sync/rwsem.h"
#include "daxbreak/sync/sync_atomic.h"

namespace daxbreak {

class AddressSpace;
class Vma;

// The pfn of the shared zero page (mapped read-only on a read fault in a hole).
inline constexpr uint64_t kZeroPfn = (1ULL << 40) - 1;
// PG_PMD_NR: 4 KiB pages per PMD (2 MiB) on x86-64; PMD_ORDER.
inline constexpr uint64_t kPmdPages = 512;
inline constexpr uint32_t kPmdOrder = 9;

// The file system's side of a mapping (vm_operations_struct).
class VmOperations {
 public:
  virtual ~VmOperations() = default;
  // Handles a fault at file page `pgoff` of `vma` (vm_ops->fault, here
  // dax_iomap_pte_fault()) and installs its PTE. Errors: kFault (SIGBUS:
  // beyond EOF), kNoSpace (write fault, allocator empty).
  virtual Status fault(Vma& vma, uint64_t pgoff, bool write) = 0;
};

class Vma {
 public:
  // A mapping in the process `mm` of `nr_pages` pages of `mapping` starting
  // at file page 0; faults go to `vm_ops`. `fsdax`: an fs-dax VMA (vma_is_fsdax()), where
  // FOLL_LONGTERM pins are refused. `private_data` is the file system's
  // (vm_private_data; daxbreak's fs keeps its inode there). Registers itself in
  // mapping's i_mmap. `pte_holds_ref`: each present PTE holds a page
  // reference (the 6.15 model), taken at install and dropped at zap (one
  // folio reference per huge mapping). `pmd_capable`: the VMA has PMD slots
  // and takes huge mappings (install_pmd()).
  Vma(MmStruct* mm, AddressSpace* mapping, VmOperations* vm_ops, PmemDevice* device,
      PageArray* pages, uint64_t nr_pages, bool writable, bool fsdax, void* private_data,
      bool pte_holds_ref = false, bool pmd_capable = false);
  // Zaps every PTE and unregisters from i_mmap (munmap). Pins taken through
  // the VMA stay: they hold pages, not the mapping.
  ~Vma();
  Vma(const Vma&) = delete;
  Vma& operator=(const Vma&) = delete;

  uint64_t vm_start() const { return vm_start_; }
  uint64_t vm_end() const { return vm_start_ + nr_pages_ * kPageSize; }
  uint64_t nr_pages() const { return nr_pages_; }
  bool writable() const { return writable_; }
  bool fsdax() const { return fsdax_; }
  AddressSpace* mapping() const { return mapping_; }
  MmStruct* mm() const { return mm_; }
  void* vm_private_data() const { return private_data_; }
  PageArray* pages() const { return pages_; }
  PmemDevice* device() const { return device_; }
  // The user address of file page `pgoff`.
  uint64_t address_of(uint64_t pgoff) const { return vm_start_ + pgoff * kPageSize; }
  // The file page of user address `addr` (which must lie in the VMA).
  uint64_t pgoff_of(uint64_t addr) const { return (addr - vm_start_) / kPageSize; }
  bool contains(uint64_t addr, uint64_t len) const {
    return addr >= vm_start_ && len <= vm_end() - addr && addr <= vm_end();
  }

  // PTE access (pte_t). `pte(pgoff)` is the raw entry for GUP-fast.
  SyncAtomic<uint64_t>& pte(uint64_t pgoff) { return ptes_[pgoff]; }
  static bool pte_present(uint64_t pte) { return (pte & 1) != 0; }
  static bool pte_write(uint64_t pte) { return (pte & 2) != 0; }
  static uint64_t pte_pfn(uint64_t pte) { return pte >> 2; }
  static uint64_t make_pte(uint64_t pfn, bool write) { return (pfn << 2) | 1 | (write ? 2 : 0); }

  // What maps `pgoff` now, as a PTE value (0: nothing): the PTE, or for a
  // huge mapping a PTE value for its subpage (pfn head + offset). One
  // SyncAtomic load named `what` (two for a pmd_capable VMA); GUP-fast
  // compares two reads to see a zap.
  uint64_t load_pte(uint64_t pgoff, const char* what);
  // Installs the PTE of `pgoff` (vmf_insert_mixed()), under the page-table lock.
  void install_pte(uint64_t pgoff, uint64_t pfn, bool write);
  bool pmd_capable() const { return pmd_capable_; }
  // Whether the 2 MiB range of `pgoff` lies inside the VMA and has no page
  // table of PTEs (pmd_none, or already a huge mapping): where a PMD fault
  // may map (dax_fault_check_fallback()'s VMA test, and
  // dax_iomap_pmd_fault()'s pmd_none check). Always false if not pmd_capable.
  bool pmd_mappable(uint64_t pgoff);
  // vmf_insert_pfn_pmd(): maps the 2 MiB at file page `head_pgoff`
  // (kPmdPages-aligned) to pfns [head_pfn, head_pfn + kPmdPages), under the
  // page-table lock; the 6.15 model takes one folio reference.
  void install_pmd(uint64_t head_pgoff, uint64_t head_pfn, bool write);
  static constexpr uint64_t kPmdTable = 2;
  // Zaps PTEs of file pages [first, first + nr) that lie in this VMA
  // (zap_page_range_single()), and every huge mapping that overlaps them in
  // whole (a file PMD is split by zapping it: __split_huge_pmd_locked() for
  // a VMA that is not anonymous): clears them under the page-table lock held
  // exclusive and removes their rmap, flushes the TLB if it cleared any
  // (MmStruct::flush_tlb(), which may wait for GUP-fast), then drops the
  // mappings' page references (tlb_finish_mmu()). Returns how many present
  // entries it cleared.
  uint64_t zap_range(uint64_t first, uint64_t nr);

  // The page-table lock, for GUP's slow path (follow_page under the PTL).
  RwSem& ptl() { return ptl_; }

 private:
  MmStruct* const mm_;
  AddressSpace* const mapping_;
  VmOperations* const vm_ops_;
  PmemDevice* const device_;
  PageArray* const pages_;
  const uint64_t nr_pages_;
  const bool writable_;
  const bool fsdax_;
  void* const private_data_;
  const bool pte_holds_ref_;
  const bool pmd_capable_;
  const uint64_t vm_start_;
  RwSem ptl_{"ptl"};
  std::unique_ptr<SyncAtomic<uint64_t>[]> ptes_;
  std::unique_ptr<SyncAtomic<uint64_t>[]> pmds_;  // Only if pmd_capable_.

  friend Status handle_mm_fault(Vma& vma, uint64_t addr, bool write);
};

// handle_mm_fault(): resolves a fault at user address `addr` through the
// VMA's vm_ops. Errors: those of VmOperations::fault.
Status handle_mm_fault(Vma& vma, uint64_t addr, bool write);

// A user load: copies `len` bytes at user address `addr` into `buf`, faulting
// pages in on the way (copy_from_user semantics of a CPU load through the
// mapping). Errors: kFault (outside the VMA, or SIGBUS beyond EOF).
Status user_load(Vma& vma, uint64_t addr, void* buf, uint64_t len);
// A user store: copies `len` bytes from `buf` to user address `addr`, taking
// write faults as needed. Errors: kFault (outside the VMA, read-only, SIGBUS),
// kNoSpace.
Status user_store(Vma& vma, uint64_t addr, const void* buf, uint64_t len);

}  // namespace daxbreak

#endif  // DAXBREAK_MM_VMA_H_
