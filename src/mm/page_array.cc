#include "daxbreak/mm/page_array.h"

#include "daxbreak/sync/wait_var.h"

namespace daxbreak {

PageArray::PageArray(uint64_t nr_pages, uint32_t idle_refcount)
    : nr_pages_(nr_pages), idle_(idle_refcount), pages_(new PageRecord[nr_pages]) {
  for (uint64_t pfn = 0; pfn < nr_pages_; ++pfn) pages_[pfn].refcount.store(idle_, "init");
}

void PageArray::get_page(uint64_t pfn) { pages_[pfn].refcount.fetch_add(1, "page_ref_inc"); }

void PageArray::wake_refcount_waiters(uint64_t pfn) {
  const auto key = reinterpret_cast<uintptr_t>(refcount_key(pfn)) + wake_key_skew_;
  wake_up_var(reinterpret_cast<const void*>(key));
}

// modern-mapcount-wake (daxbreak's candidate fix, not in the kernel): wake the
// breaker once only mapping references are left. Both the unpin and the end
// of a map test it: each changes one of the two counts, so whichever finishes
// last sees them equal. (With the test in put_page() alone, an unpin that runs
// between a map's reference and its mapcount increment loses the wake; the
// `refault` scenario finds that in under 100 schedules.)
void PageArray::wake_if_only_mapped(uint64_t pfn) {
  if (wake_when_only_mapped_ && page_is_unpinned(pfn)) wake_refcount_waiters(pfn);
}

void PageArray::put_page(uint64_t pfn) {
  const uint32_t before = pages_[pfn].refcount.fetch_sub(1, "page_ref_dec");
  if (before - 1 == idle_) {
    wake_refcount_waiters(pfn);
  } else {
    wake_if_only_mapped(pfn);
  }
}

void PageArray::map_page(uint64_t pfn) {
  get_page(pfn);
  pages_[pfn].mapcount.fetch_add(1, "mapcount_inc");
  wake_if_only_mapped(pfn);
}

void PageArray::unmap_page(uint64_t pfn) {
  pages_[pfn].mapcount.fetch_sub(1, "mapcount_dec");
  put_page(pfn);
}

uint32_t PageArray::page_mapcount(uint64_t pfn) const {
  return pages_[pfn].mapcount.load("folio_mapcount");
}

uint32_t PageArray::page_ref_count(uint64_t pfn) const {
  return pages_[pfn].refcount.load("page_ref_count");
}

void PageArray::associate(uint64_t pfn, uint32_t ino, uint32_t index) {
  pages_[pfn].generation.fetch_add(1, "associate");
  pages_[pfn].owner.store((static_cast<uint64_t>(ino) << 32) | index, "associate");
}

void PageArray::disassociate(uint64_t pfn) { pages_[pfn].owner.store(0, "disassociate"); }

PageOwner PageArray::owner(uint64_t pfn) const {
  const uint64_t o = pages_[pfn].owner.load("page_owner");
  PageOwner out;
  out.ino = static_cast<uint32_t>(o >> 32);
  out.index = static_cast<uint32_t>(o);
  out.generation = pages_[pfn].generation.load("page_owner");
  return out;
}

}  // namespace daxbreak
