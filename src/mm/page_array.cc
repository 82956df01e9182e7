#include "daxbreak/mm/page_array.h"

#include <algorithm>
#include <bit>

#include "daxbreak/sync/wait_var.h"

namespace daxbreak {

PageArray::PageArray(uint64_t nr_pages, uint32_t idle_refcount, WakeRule wake_rule, bool compound_folios,
                     DioRef dio_ref)
    : nr_pages_(nr_pages),
      idle_(idle_refcount),
      wake_rule_(wake_rule),
      chunk_shift_(static_cast<uint32_t>(std::bit_width(std::bit_ceil(std::max<uint64_t>(1, std::min(kChunkPages, nr_pages)))) - 1)),
      chunk_pages_(uint64_t{1} << chunk_shift_),
      nr_chunks_((nr_pages + chunk_pages_ - 1) >> chunk_shift_),
      compound_(compound_folios),
      dio_ref_(dio_ref),
      chunks_(new std::atomic<PageRecord*>[nr_chunks_]) {
  for (uint64_t c = 0; c < nr_chunks_; ++c) chunks_[c].store(nullptr, std::memory_order_relaxed);
  if (compound_) {
    folio_offset_.reset(new std::atomic<uint16_t>[nr_pages_]);
    for (uint64_t p = 0; p < nr_pages_; ++p) folio_offset_[p].store(0, std::memory_order_relaxed);
  }
}

PageArray::~PageArray() {
  for (uint64_t c = 0; c < nr_chunks_; ++c) delete[] chunks_[c].load(std::memory_order_relaxed);
}

uint64_t PageArray::memory_bytes() const {
  return chunks_allocated_.load(std::memory_order_relaxed) * chunk_pages_ * sizeof(PageRecord) +
         nr_chunks_ * sizeof(std::atomic<PageRecord*>) + (compound_ ? nr_pages_ * sizeof(uint16_t) : 0);
}

PageRecord& PageArray::record(uint64_t pfn) const {
  std::atomic<PageRecord*>& slot = chunks_[pfn >> chunk_shift_];
  PageRecord* chunk = slot.load(std::memory_order_acquire);
  if (chunk == nullptr) {
    // A fresh chunk: every count at idle. The loser of a race frees its copy.
    auto fresh = std::make_unique<PageRecord[]>(chunk_pages_);
    for (uint64_t i = 0; i < chunk_pages_; ++i) fresh[i].refcount.init(idle_);
    if (slot.compare_exchange_strong(chunk, fresh.get(), std::memory_order_acq_rel)) {
      chunk = fresh.release();
      chunks_allocated_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  return chunk[pfn & (chunk_pages_ - 1)];
}

void PageArray::get_page(uint64_t pfn, uint32_t refs) { record(folio_pfn(pfn)).refcount.fetch_add(refs, "page_ref_inc"); }

bool PageArray::try_get_page(uint64_t pfn, uint32_t refs) {
  return record(folio_pfn(pfn)).refcount.add_unless(refs, 0, "folio_try_get");
}

void PageArray::wake_refcount_waiters(uint64_t pfn) {
  // wake-key: between e6fa3963a30d ("fs/dax: refactor wait for dax idle
  // page"), whose waiter sleeps on the page, and 38607c62b34b ("fs/dax:
  // properly refcount fs dax pages"), which moved the wake to
  // free_zone_device_folio() as wake_up_var(&folio->page), the waker still
  // woke &folio->_refcount: the two keys differ and the wake is lost.
  const uintptr_t skew = wake_rule_ == WakeRule::kAtIdleWrongKey ? sizeof(uint32_t) : 0;
  wake_up_var(reinterpret_cast<const void*>(reinterpret_cast<uintptr_t>(refcount_key(pfn)) + skew));
}

// modern-mapcount-wake (daxbreak's candidate fix, not in the kernel): wake the
// breaker once only mapping references are left. Both the unpin and the end
// of a map test it: each changes one of the two counts, so whichever finishes
// last sees them equal. (With the test in put_page() alone, an unpin that runs
// between a map's reference and its mapcount increment loses the wake; the
// `refault` scenario finds that in under 100 schedules.)
void PageArray::wake_if_only_mapped(uint64_t pfn) {
  if (wake_rule_ == WakeRule::kAtIdleOrOnlyMapped && page_is_unpinned(pfn)) {
    wake_refcount_waiters(pfn);
  }
}

void PageArray::put_page(uint64_t page, PutPath path, uint32_t refs) {
  const uint64_t pfn = folio_pfn(page);
  const uint32_t before = record(pfn).refcount.fetch_sub(refs, "page_ref_dec");
  // bio-release-no-wake: 6.1-stable's backport of 1b151e2435fc ("block: Remove
  // special-casing of compound pages", January 2024) drops the DIO's references
  // with folio_put(), which skips the fs-dax wake of
  // put_devmap_managed_page_refs(); the later backport of 38b43539d64b ("block:
  // Fix page refcounts for unaligned buffers in __bio_release_pages()") kept
  // that with folio_put_refs(). The breaker sleeps on with its condition
  // already true (docs/protocol.md, 'Linux 6.1 lost wake-up').
  if (wake_rule_ == WakeRule::kAtIdleExceptBioRelease && path == PutPath::kBioRelease) return;
  if (before - refs == idle_) {
    wake_refcount_waiters(pfn);
  } else {
    wake_if_only_mapped(pfn);
  }
}

void PageArray::map_page(uint64_t page) {
  const uint64_t pfn = folio_pfn(page);
  get_page(pfn);
  record(pfn).mapcount.fetch_add(1, "mapcount_inc");
  wake_if_only_mapped(pfn);
}

void PageArray::unmap_page_rmap(uint64_t pfn) { record(folio_pfn(pfn)).mapcount.fetch_sub(1, "mapcount_dec"); }

uint32_t PageArray::page_mapcount(uint64_t pfn) const {
  return record(folio_pfn(pfn)).mapcount.load("folio_mapcount");
}

uint32_t PageArray::page_ref_count(uint64_t pfn) const {
  return record(folio_pfn(pfn)).refcount.load("page_ref_count");
}

void PageArray::dax_folio_init(uint64_t head, uint32_t order) {
  if (!compound_) return;
  const uint64_t nr = uint64_t{1} << order;
  for (uint64_t i = 0; i < nr && head + i < nr_pages_; ++i) {
    folio_offset_[head + i].store(static_cast<uint16_t>(i), std::memory_order_release);
  }
}

uint32_t PageArray::pin_refs(uint64_t pfn) const {
  const bool large = compound_ && (folio_pfn(pfn) != pfn ||
                                   (pfn + 1 < nr_pages_ && folio_offset_[pfn + 1].load(std::memory_order_acquire) == 1));
  return large ? 1 : kGupPinCountingBias;
}

bool PageArray::dax_folio_put(uint64_t head) {
  if (!compound_ || head + 1 >= nr_pages_ || folio_offset_[head + 1].load(std::memory_order_acquire) != 1) {
    return true;  // Order 0: nothing to split.
  }
  if (page_ref_count(head) != idle_) return false;
  for (uint64_t p = head + 1; p < nr_pages_ && folio_offset_[p].load(std::memory_order_acquire) == p - head; ++p) {
    folio_offset_[p].store(0, std::memory_order_release);
  }
  return true;
}

void PageArray::associate(uint64_t pfn) { record(pfn).generation.fetch_add(1, "associate"); }

void PageArray::disassociate(uint64_t pfn) { record(pfn).generation.fetch_add(1, "disassociate"); }

uint16_t PageArray::generation(uint64_t pfn) const { return record(pfn).generation.load("page_generation"); }

}  // namespace daxbreak
