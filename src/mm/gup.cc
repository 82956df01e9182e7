#include "daxbreak/mm/gup.h"

#include <fmt/format.h>

#include "daxbreak/mm/address_space.h"
#include "daxbreak/sync/sync_point.h"

namespace daxbreak {
namespace {

// What GUP-fast may take: a present PTE that allows the access and is not
// special (the zero page is mapped with a special PTE, so GUP-fast leaves it
// to the slow path).
bool gup_fast_pte_ok(uint64_t pte, bool write) {
  return Vma::pte_present(pte) && (!write || Vma::pte_write(pte)) && Vma::pte_pfn(pte) != kZeroPfn;
}

// gup_fast() over file pages [pgoff, pgoff + nr) of `vma`: with interrupts
// off (so that an IPI TLB flush waits for the whole walk), for each page read
// the PTE, take a reference unless the count is 0 (try_grab_folio_fast()),
// re-read the PTE, and drop the reference if it changed (an unmap zapped it).
// Stops at the first page it cannot take; returns how many it pinned.
uint64_t gup_fast(Vma& vma, uint64_t pgoff, uint64_t nr, bool write, bool pin,
                  std::vector<PinnedPage>* pinned, GupStats* stats) {
  PageArray* pages = vma.pages();
  IrqsOffSection irqs_off(vma.mm());
  uint64_t done = 0;
  for (; done < nr; ++done) {
    const uint64_t pte = vma.load_pte(pgoff + done, "gup_fast:pte");
    if (!gup_fast_pte_ok(pte, write)) break;
    const uint64_t pfn = Vma::pte_pfn(pte);
    const uint32_t refs = pin ? pages->pin_refs(pfn) : 1;
    if (!pages->try_get_page(pfn, refs)) break;
    DAXBREAK_SYNC_POINT("gup_fast:after_ref");
    if (vma.load_pte(pgoff + done, "gup_fast:recheck") != pte) {
      pages->put_page(pfn, PutPath::kPut, refs);
      if (stats) stats->fast_backoffs.fetch_add(1, std::memory_order_relaxed);
      break;
    }
    pinned->push_back(PinnedPage{pfn, vma.mapping()->host_ino(), static_cast<uint32_t>(pgoff + done),
                                 pages->generation(pfn), refs});
    if (stats) stats->fast_pins.fetch_add(1, std::memory_order_relaxed);
  }
  return done;
}

// __get_user_pages() for one page: look under the PTL, fault if the PTE does
// not allow the access (a write fault only for FOLL_WRITE), and look again. A
// read pin of the zero page (a hole or an unwritten extent, mapped by a read
// fault) takes no reference: the zero page is not pinned (is_zero_folio()
// checks in try_grab_folio() and gup_put_folio()).
Status gup_slow_one(Vma& vma, uint64_t pgoff, bool write, bool pin, PinnedPage* out, GupStats* stats) {
  for (;;) {
    {
      ReadLock ptl(&vma.ptl());
      const uint64_t pte = vma.load_pte(pgoff, "gup_slow:pte");
      if (Vma::pte_present(pte) && (!write || Vma::pte_write(pte))) {
        const uint64_t pfn = Vma::pte_pfn(pte);
        if (pfn == kZeroPfn) {
          *out = PinnedPage{kZeroPfn, vma.mapping()->host_ino(), static_cast<uint32_t>(pgoff), 0};
          if (stats) stats->zero_page_pins.fetch_add(1, std::memory_order_relaxed);
          return Status::Ok();
        }
        const uint32_t refs = pin ? vma.pages()->pin_refs(pfn) : 1;
        vma.pages()->get_page(pfn, refs);
        *out = PinnedPage{pfn, vma.mapping()->host_ino(), static_cast<uint32_t>(pgoff), vma.pages()->generation(pfn),
                          refs};
        if (stats) stats->slow_pins.fetch_add(1, std::memory_order_relaxed);
        return Status::Ok();
      }
    }
    Status s = handle_mm_fault(vma, vma.address_of(pgoff), write);
    if (!s.ok()) return s;
  }
}

}  // namespace

Status pin_user_pages(Vma& vma, uint64_t addr, uint64_t nr_pages, uint32_t gup_flags,
                      std::vector<PinnedPage>* pinned, GupStats* stats) {
  const size_t first = pinned->size();
  Status s = pin_user_pages_partial(vma, addr, nr_pages, gup_flags, pinned, stats);
  if (!s.ok() && pinned->size() > first) {
    std::vector<PinnedPage> undo(pinned->begin() + static_cast<std::ptrdiff_t>(first), pinned->end());
    pinned->resize(first);
    unpin_user_pages(*vma.pages(), undo);
  }
  return s;
}

Status pin_user_pages_partial(Vma& vma, uint64_t addr, uint64_t nr_pages, uint32_t gup_flags,
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
  const bool pin = (gup_flags & FOLL_PIN) != 0;
  const uint64_t first_pgoff = vma.pgoff_of(addr);
  // gup_fast_fallback(): GUP-fast for as many pages as it can take, the slow
  // path for the rest.
  for (uint64_t i = gup_fast(vma, first_pgoff, nr_pages, write, pin, pinned, stats); i < nr_pages; ++i) {
    PinnedPage page;
    Status s = (gup_flags & FOLL_FAST_ONLY)
                   ? Status::Fault("FOLL_FAST_ONLY and the PTE is not usable")
                   : gup_slow_one(vma, first_pgoff + i, write, pin, &page, stats);
    if (!s.ok()) return s;
    pinned->push_back(page);
  }
  return Status::Ok();
}

void unpin_user_pages(PageArray& pages, const std::vector<PinnedPage>& pinned, PutPath path) {
  for (const PinnedPage& p : pinned) {
    if (p.pfn != kZeroPfn) pages.put_page(p.pfn, path, p.refs);
  }
}

}  // namespace daxbreak
