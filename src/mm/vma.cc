#include "daxbreak/mm/vma.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/mm/address_space.h"

namespace daxbreak {
namespace {

// Each VMA gets its own 64 GiB slice of a modeled user address space.
constexpr uint64_t kUserBase = 0x100000000000ULL;
constexpr uint64_t kVmaSlice = 1ULL << 36;
std::atomic<uint64_t> g_next_vma{0};

}  // namespace

Vma::Vma(MmStruct* mm, AddressSpace* mapping, VmOperations* vm_ops, PmemDevice* device,
         PageArray* pages, uint64_t nr_pages, bool writable, bool fsdax, void* private_data,
         bool pte_holds_ref, bool pmd_capable)
    : mm_(mm),
      mapping_(mapping),
      vm_ops_(vm_ops),
      device_(device),
      pages_(pages),
      nr_pages_(std::min(nr_pages, kVmaSlice / kPageSize)),
      writable_(writable),
      fsdax_(fsdax),
      private_data_(private_data),
      pte_holds_ref_(pte_holds_ref),
      pmd_capable_(pmd_capable),
      vm_start_(kUserBase + g_next_vma.fetch_add(1, std::memory_order_relaxed) * kVmaSlice),
      ptes_(new SyncAtomic<uint64_t>[nr_pages_]) {
  if (pmd_capable_) pmds_.reset(new SyncAtomic<uint64_t>[(nr_pages_ + kPmdPages - 1) / kPmdPages]);
  mapping_->add_vma(this);
}

uint64_t Vma::load_pte(uint64_t pgoff, const char* what) {
  if (pmd_capable_) {
    const uint64_t pmd = pmds_[pgoff / kPmdPages].load(what);
    if (pte_present(pmd)) return make_pte(pte_pfn(pmd) + pgoff % kPmdPages, pte_write(pmd));
  }
  return ptes_[pgoff].load(what);
}

bool Vma::pmd_mappable(uint64_t pgoff) {
  const uint64_t head = pgoff - pgoff % kPmdPages;
  if (!pmd_capable_ || head + kPmdPages > nr_pages_) return false;
  return pmds_[head / kPmdPages].load("pmd_none") != kPmdTable;
}

void Vma::install_pmd(uint64_t head_pgoff, uint64_t head_pfn, bool write) {
  WriteLock lock(&ptl_);
  const uint64_t old = pmds_[head_pgoff / kPmdPages].exchange(make_pte(head_pfn, write), "set_pmd");
  if (!pte_holds_ref_) return;
  // 6.15: dax_insert_pfn_pmd() takes one folio reference and one entire
  // mapcount (folio_add_file_rmap_pmd()) per huge mapping.
  if (!(pte_present(old) && pte_pfn(old) == head_pfn)) pages_->map_page(head_pfn);
}

Vma::~Vma() {
  zap_range(0, nr_pages_);
  mapping_->remove_vma(this);
}

void Vma::install_pte(uint64_t pgoff, uint64_t pfn, bool write) {
  WriteLock lock(&ptl_);
  // pte_alloc(): the range now has a page table of PTEs.
  if (pmd_capable_) {
    uint64_t none = 0;
    (void)pmds_[pgoff / kPmdPages].compare_exchange(none, kPmdTable, "pmd_populate");
  }
  const uint64_t old = ptes_[pgoff].exchange(make_pte(pfn, write), "set_pte");
  if (!pte_holds_ref_ || pfn == kZeroPfn) return;
  // Only an upgrade of the same page (read-only to writable) can find a
  // present entry here: a zero-page entry is zapped before its block is
  // mapped (DaxFs::fault()).
  if (!(pte_present(old) && pte_pfn(old) == pfn)) pages_->map_page(pfn);
}

uint64_t Vma::zap_range(uint64_t first, uint64_t nr) {
  if (first >= nr_pages_) return 0;
  const uint64_t end = nr > nr_pages_ - first ? nr_pages_ : first + nr;
  uint64_t cleared = 0;
  std::vector<uint64_t> mapping_refs;  // Dropped after the flush, as tlb_finish_mmu() does.
  {
    WriteLock lock(&ptl_);
    for (uint64_t slot = first / kPmdPages; pmd_capable_ && slot * kPmdPages < end; ++slot) {
      const uint64_t old = pmds_[slot].load("pmd_read");
      if (!pte_present(old)) continue;
      pmds_[slot].store(0, "pmd_clear");
      ++cleared;
      if (pte_holds_ref_) {
        pages_->unmap_page_rmap(pte_pfn(old));
        mapping_refs.push_back(pte_pfn(old));
      }
    }
    for (uint64_t pgoff = first; pgoff < end; ++pgoff) {
      const uint64_t old = ptes_[pgoff].exchange(0, "pte_clear");
      if (!pte_present(old)) continue;
      ++cleared;
      if (pte_holds_ref_ && pte_pfn(old) != kZeroPfn) {
        pages_->unmap_page_rmap(pte_pfn(old));
        mapping_refs.push_back(pte_pfn(old));
      }
    }
  }
  if (cleared > 0) mm_->flush_tlb();
  for (uint64_t pfn : mapping_refs) pages_->put_page(pfn);
  return cleared;
}

Status handle_mm_fault(Vma& vma, uint64_t addr, bool write) {
  if (!vma.contains(addr, 1)) return Status::Fault(fmt::format("no VMA at {:#x}", addr));
  if (write && !vma.writable()) return Status::Fault(fmt::format("write to read-only VMA at {:#x}", addr));
  return vma.vm_ops_->fault(vma, vma.pgoff_of(addr), write);
}

namespace {

// Copies between user memory and `buf` one page at a time: with the PTL
// shared, use a present PTE that allows the access; otherwise drop the PTL,
// fault, and look again.
template <class Copy>
Status user_access(Vma& vma, uint64_t addr, uint64_t len, bool write, Copy&& copy) {
  if (!vma.contains(addr, len)) {
    return Status::Fault(fmt::format("user access [{:#x}, +{}) outside the VMA", addr, len));
  }
  uint64_t done = 0;
  while (done < len) {
    const uint64_t cur = addr + done;
    const uint64_t pgoff = vma.pgoff_of(cur);
    const uint64_t in_page = cur % kPageSize;
    const uint64_t chunk = std::min(len - done, kPageSize - in_page);
    bool copied = false;
    {
      ReadLock ptl(&vma.ptl());
      const uint64_t pte = vma.load_pte(pgoff, "user_access:pte");
      if (Vma::pte_present(pte) && (!write || Vma::pte_write(pte))) {
        const uint64_t pfn = Vma::pte_pfn(pte);
        char* page = pfn == kZeroPfn ? nullptr : vma.device()->page_address(pfn);
        copy(page, in_page, done, chunk);
        copied = true;
      }
    }
    if (copied) {
      done += chunk;
      continue;
    }
    Status s = handle_mm_fault(vma, cur, write);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

Status user_load(Vma& vma, uint64_t addr, void* buf, uint64_t len) {
  char* out = static_cast<char*>(buf);
  return user_access(vma, addr, len, /*write=*/false,
                     [&](const char* page, uint64_t in_page, uint64_t done, uint64_t chunk) {
                       if (page == nullptr) std::memset(out + done, 0, chunk);
                       else std::memcpy(out + done, page + in_page, chunk);
                     });
}

Status user_store(Vma& vma, uint64_t addr, const void* buf, uint64_t len) {
  if (!vma.writable()) return Status::Fault(fmt::format("store to read-only VMA at {:#x}", addr));
  const char* in = static_cast<const char*>(buf);
  return user_access(vma, addr, len, /*write=*/true,
                     [&](char* page, uint64_t in_page, uint64_t done, uint64_t chunk) {
                       std::memcpy(page + in_page, in + done, chunk);
                     });
}

}  // namespace daxbreak
