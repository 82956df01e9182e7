#include "daxbreak/mm/gup.h"

#include <fmt/format.h>

#include "daxbreak/sync/sync_point.h"

namespace daxbreak {
namespace {

bool pte_allows(uint64_t pte, bool write) {
  return Vma::pte_present(pte) && (!write || Vma::pte_write(pte)) && Vma::pte_pfn(pte) != kZeroPfn;
}

// gup_fast_pte_range() for one page: reference first, then re-check the PTE.
bool gup_fast_one(Vma& vma, uint64_t pgoff, bool write, PinnedPage* out, GupStats* stats) {
  SyncAtomic<uint64_t>& ptep = vma.pte(pgoff);
  const uint64_t pte = ptep.load("gup_fast:pte");
  if (!pte_allows(pte, write)) return false;
  const uint64_t pfn = Vma::pte_pfn(pte);
  vma.pages()->get_page(pfn);
  DAXBREAK_SYNC_POINT("gup_fast:after_ref");
  if (ptep.load("gup_fast:recheck") != pte) {
    vma.pages()->put_page(pfn);
    if (stats) stats->fast_backoffs.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  out->pfn = pfn;
  out->owner_at_pin = vma.pages()->owner(pfn);
  if (stats) stats->fast_pins.fetch_add(1, std::memory_order_relaxed);
  return true;
}

// __get_user_pages() for one page: fault, then reference under the PTL.
Status gup_slow_one(Vma& vma, uint64_t pgoff, bool write, PinnedPage* out, GupStats* stats) {
  for (;;) {
    {
      ReadLock ptl(&vma.ptl());
      const uint64_t pte = vma.pte(pgoff).load("gup_slow:pte");
      if (pte_allows(pte, write)) {
        const uint64_t pfn = Vma::pte_pfn(pte);
        vma.pages()->get_page(pfn);
        out->pfn = pfn;
        out->owner_at_pin = vma.pages()->owner(pfn);
        if (stats) stats->slow_pins.fetch_add(1, std::memory_order_relaxed);
        return Status::Ok();
      }
    }
    // A write pin needs a writable PTE; a read fault on a hole maps the zero
    // page, which DIO cannot pin, so always fault for write here.
    Status s = handle_mm_fault(vma, vma.address_of(pgoff), /*write=*/true);
    if (!s.ok()) return s;
  }
}

}  // namespace

Status pin_user_pages(Vma& vma, uint64_t addr, uint64_t nr_pages, uint32_t gup_flags,
                      std::vector<PinnedPage>* pinned, GupStats* stats) {
  if ((gup_flags & FOLL_LONGTERM) && vma.fsdax()) {
    return Status::NotSupported("FOLL_LONGTERM pin of an fs-dax VMA (check_vma_flags)");
  }
  if (addr % kPageSize != 0) {
    return Status::InvalidArgument(fmt::format("pin address {:#x} is not page-aligned", addr));
  }
  if (!vma.contains(addr, nr_pages * kPageSize)) {
    return Status::Fault(fmt::format("pin of {} pages at {:#x} leaves the VMA", nr_pages, addr));
  }
  const bool write = (gup_flags & FOLL_WRITE) != 0;
  const size_t first = pinned->size();
  for (uint64_t i = 0; i < nr_pages; ++i) {
    const uint64_t pgoff = vma.pgoff_of(addr) + i;
    PinnedPage page;
    if (!gup_fast_one(vma, pgoff, write, &page, stats)) {
      Status s = (gup_flags & FOLL_FAST_ONLY)
                     ? Status::Fault("FOLL_FAST_ONLY and the PTE is not usable")
                     : gup_slow_one(vma, pgoff, write, &page, stats);
      if (!s.ok()) {
        std::vector<PinnedPage> undo(pinned->begin() + static_cast<std::ptrdiff_t>(first), pinned->end());
        pinned->resize(first);
        unpin_user_pages(*vma.pages(), undo);
        return s;
      }
    }
    pinned->push_back(page);
  }
  return Status::Ok();
}

void unpin_user_pages(PageArray& pages, const std::vector<PinnedPage>& pinned) {
  for (const PinnedPage& p : pinned) pages.put_page(p.pfn);
}

}  // namespace daxbreak

