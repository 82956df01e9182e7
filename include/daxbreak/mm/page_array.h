// PageArray: one compact record per device page (the fields of struct page
// that the layout-breaking protocol reads): the reference count
// (page->_refcount), the mapcount, and the owner the page is associated with
// (page->mapping / page->index, set by dax_associate_entry()).
//
// Refcount model: a page is idle when its count equals idle_refcount(): 1 up
// to Linux 6.14 (ZONE_DEVICE pages rest at 1), 0 from 6.15 (38607c62b34b
// "fs/dax: properly refcount fs dax pages"). Pins add to it, and from 6.15 so
// does each page-table mapping, which also counts in the mapcount
// (folio_mapcount()). Who is woken when a count drops is the WakeRule, fixed
// at construction: the kernel wakes the waiters of the count (wake_up_var)
// only on the transition to idle (pre-6.15 put_devmap_managed_page_refs(),
// 6.15 free_zone_device_folio()); protocol variants change that one rule.
//
// Records are allocated lazily in chunks of kChunkPages, so a large sparse
// device costs memory only for the pages a run touches: 8 bytes per page of
// a touched chunk, plus 8 bytes per chunk of the whole device (1 TiB: 512
// KiB). The block allocator hands out the lowest pfns first, so the touched
// chunks are the first few.
//
// Compound folios (`--page-size 2m`, 6.15+ rows only): dax_folio_init()
// makes the 512 pages of a PMD entry one folio, whose reference count,
// mapcount and wait key are the head page's; a reference taken on any
// subpage counts on the head (folio_get() of page_folio()), so a pin on one
// subpage makes the whole 2 MiB busy. dax_folio_put() splits it back to
// order-0 pages. Before 6.15 fs-dax pages were never compound: every 4 KiB
// page keeps its own count under a PMD mapping too. The folio table costs 2
// bytes per device page, and only when compound folios are on.
//
// Thread-safety: thread-safe; every field of a record is a SyncAtomic. The
// folio table is a std::atomic, not a scheduling point: it changes only
// while nothing references the pages (dax_folio_init() before the PMD is
// installed, dax_folio_put() after the last reference is gone), so a thread
// that reaches a subpage through a PTE or a pin is ordered after the change
// by that PTE or pin.

#ifndef DAXBREAK_MM_PAGE_ARRAY_H_
#define DAXBREAK_MM_PAGE_ARRAY_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "daxbreak/sync/sync_atomic.h"

namespace daxbreak {

// 8 bytes per page.
struct PageRecord {
  SyncAtomic<uint32_t> refcount;     // page->_refcount.
  SyncAtomic<uint16_t> mapcount;     // Present PTEs that hold a reference (6.15 model).
  SyncAtomic<uint16_t> generation;   // Association generation (wraps): page->mapping/index changes.
};
static_assert(sizeof(PageRecord) <= 8, "a page record must stay within 8 bytes");

// When a dropped reference wakes the waiters of refcount_key().
enum class WakeRule {
  // At the transition to idle, on every path: the kernel's rule.
  kAtIdle,
  // At idle, but on a key next to refcount_key(): the waiter never hears it
  // (the `wake-key` variant).
  kAtIdleWrongKey,
  // At idle, and also when only mapping references are left (refcount ==
  // idle + mapcount), from a put and from the end of a map (daxbreak's
  // `modern-mapcount-wake` candidate fix).
  kAtIdleOrOnlyMapped,
  // At idle, except on the DIO completion path (PutPath::kBioRelease), which
  // drops its references without the fs-dax wake (`bio-release-no-wake`).
  kAtIdleExceptBioRelease,
};

// How a DIO references the pages of its buffer (block O_DIRECT), per kernel
// era: a plain reference (FOLL_GET: iov_iter_get_pages2() in the 6.1 source)
// before a7e689dd1c06 "block: Convert bio_iov_iter_get_pages to use
// iov_iter_extract_pages" (6.5), a pin (FOLL_PIN: iov_iter_extract_pages(),
// BIO_PAGE_PINNED in the 6.12 source) from it. A pin of an order-0 page adds
// GUP_PIN_COUNTING_BIAS (1024) to its count, a pin of a large folio 1 (and 1
// to _pincount, not modeled); the busy tests (count above idle) and the wake
// at idle read the same either way.
enum class DioRef { kFollGet, kFollPin };
// GUP_PIN_COUNTING_BIAS (include/linux/mm.h, 1U << 10 in 6.12).
inline constexpr uint32_t kGupPinCountingBias = 1024;

// Which path drops a reference.
enum class PutPath {
  kPut,         // put_page() / unpin_user_pages() / a zap.
  kBioRelease,  // __bio_release_pages() at DIO completion.
};

class PageArray {
 public:
  // Records per chunk (fewer, a power of two, for a device smaller than that).
  static constexpr uint64_t kChunkPages = 4096;

  // `nr_pages` records (pfn 0 .. nr_pages-1), every count at `idle_refcount`.
  // `compound_folios`: PMD entries make compound folios (dax_folio_init(),
  // the 6.15 model with --page-size 2m).
  PageArray(uint64_t nr_pages, uint32_t idle_refcount, WakeRule wake_rule = WakeRule::kAtIdle,
            bool compound_folios = false, DioRef dio_ref = DioRef::kFollPin);
  ~PageArray();
  PageArray(const PageArray&) = delete;
  PageArray& operator=(const PageArray&) = delete;

  uint64_t nr_pages() const { return nr_pages_; }
  uint32_t idle_refcount() const { return idle_; }
  WakeRule wake_rule() const { return wake_rule_; }
  // The DIO reference of the era the records model (DioRef).
  DioRef dio_ref() const { return dio_ref_; }
  // What a FOLL_PIN of `pfn` adds to its folio's count: 1 for a large
  // folio, else GUP_PIN_COUNTING_BIAS (try_grab_folio()).
  uint32_t pin_refs(uint64_t pfn) const;
  // Bytes of page records allocated so far (touched chunks plus the chunk
  // table).
  uint64_t memory_bytes() const;

  // page_ref_add(): takes `refs` references (a get, a pin's bias, or the
  // 6.15 mapping reference).
  void get_page(uint64_t pfn, uint32_t refs = 1);
  // folio_try_get() / try_grab_folio_fast() as GUP-fast uses it: takes
  // `refs` references unless the count is 0 (a 6.15 page that nothing maps
  // or pins is free). Returns whether it did. With idle 1 the count is never
  // 0, so it always succeeds.
  bool try_get_page(uint64_t pfn, uint32_t refs = 1);
  // Drops `refs` references taken on `path` (folio_put_refs()); wakes the
  // waiters of refcount_key(pfn) as the WakeRule says.
  void put_page(uint64_t pfn, PutPath path = PutPath::kPut, uint32_t refs = 1);
  // A page-table mapping takes a reference (6.15: insert_page_into_pte_locked()
  // does folio_get() and adds to the mapcount). The reference comes first, so
  // refcount - mapcount never reads lower than the pins held.
  void map_page(uint64_t pfn);
  // The zap's rmap removal (folio_remove_rmap_pte()): the mapcount drops; the
  // mapping's reference is dropped later with put_page(), after the TLB flush
  // (tlb_finish_mmu()).
  void unmap_page_rmap(uint64_t pfn);
  // The current count (page_ref_count()).
  uint32_t page_ref_count(uint64_t pfn) const;
  // The current mapcount (folio_mapcount()): 0 whenever PTEs hold no reference.
  uint32_t page_mapcount(uint64_t pfn) const;
  // dax_page_is_idle(): count == idle.
  bool page_is_idle(uint64_t pfn) const { return page_ref_count(pfn) == idle_; }
  // !dax_busy_page() of 6.15: no reference beyond idle and the mappings'
  // (refcount - mapcount == idle). The mapcount is read first: a racing
  // unmap can then only make the page look busier than it is.
  bool page_is_unpinned(uint64_t pfn) const {
    const uint32_t mapped = page_mapcount(pfn);
    return page_ref_count(pfn) == idle_ + mapped;
  }
  // The key break_layouts waits on for this page: &folio->_refcount (the
  // page's own for an order-0 folio).
  const void* refcount_key(uint64_t pfn) const { return &record(folio_pfn(pfn)).refcount; }

  bool compound_folios() const { return compound_; }
  // dax_folio_init() (38607c62b34b, 6.15): makes pfns [head, head + 2^order)
  // one folio (prep_compound_page()). `head` must be 2^order-aligned and
  // every page free of references. Without compound folios it does nothing.
  void dax_folio_init(uint64_t head, uint32_t order);
  // dax_folio_put()'s split (6.15): the folio of `head` goes back to order-0
  // pages, if nothing references it; a folio still referenced (a buggy row
  // disassociated a busy folio) stays whole, so that the late put lands on
  // the count it raised (the kernel splits and WARNs; the model reports the
  // WARN at the disassociation). Returns whether it split.
  bool dax_folio_put(uint64_t head);
  // page_folio(): the pfn of the folio's head (`pfn` itself for an order-0
  // page, and always without compound folios).
  uint64_t folio_pfn(uint64_t pfn) const {
    return compound_ ? pfn - folio_offset_[pfn].load(std::memory_order_acquire) : pfn;
  }

  // dax_associate_entry() and dax_disassociate_entry(): the page's owner
  // (page->mapping, page->index) changes, which bumps its generation. Who the
  // owner is the DAX entries know; the page keeps only that it changed.
  void associate(uint64_t pfn);
  void disassociate(uint64_t pfn);
  // The association generation: a DIO that pinned the page at one value and
  // completes at another wrote into a page that changed owner in between.
  // It has 16 bits: a change goes unseen only if the page changed owner a
  // multiple of 65536 times during one DIO.
  uint16_t generation(uint64_t pfn) const;

 private:
  // The record of `pfn`, allocating its chunk on first use.
  PageRecord& record(uint64_t pfn) const;
  void wake_refcount_waiters(uint64_t pfn);
  void wake_if_only_mapped(uint64_t pfn);

  const uint64_t nr_pages_;
  const uint32_t idle_;
  const WakeRule wake_rule_;
  const uint32_t chunk_shift_;
  const uint64_t chunk_pages_;
  const uint64_t nr_chunks_;
  const bool compound_;
  const DioRef dio_ref_;
  std::unique_ptr<std::atomic<PageRecord*>[]> chunks_;
  // Per page: how far its folio's head lies below it (0: it is a head or
  // order 0). Allocated only with compound folios.
  std::unique_ptr<std::atomic<uint16_t>[]> folio_offset_;
  mutable std::atomic<uint64_t> chunks_allocated_{0};
};

}  // namespace daxbreak

#endif  // DAXBREAK_MM_PAGE_ARRAY_H_
