// PageArray: one compact record per device page (the fields of struct page
// that the layout-breaking protocol reads): the reference count
// (page->_refcount) and the owner the page is associated with
// (page->mapping / page->index, set by dax_associate_entry()).
//
// Refcount model: a page is idle when its count equals idle_refcount(): 1 up
// to Linux 6.14 (ZONE_DEVICE pages rest at 1), 0 from 6.15. Pins add to it,
// and from 6.15 so does each page-table mapping, which also counts in the
// mapcount (folio_mapcount()). put_page() wakes waiters (wake_up_var on the
// count) only on the transition to idle, as the pre-6.15
// put_devmap_managed_page_refs() and the 6.15 free_zone_device_folio() do;
// set_wake_when_only_mapped() adds a second wake for the
// `modern-mapcount-wake` candidate fix.
//
// Thread-safety: thread-safe; every field is a SyncAtomic.

#ifndef DAXBREAK_MM_PAGE_ARRAY_H_
#define DAXBREAK_MM_PAGE_ARRAY_H_

#include <cstdint>
#include <memory>

#include "daxbreak/sync/sync_atomic.h"

namespace daxbreak {

// Who a page belongs to: (inode, file page) and the association generation,
// which changes at every dax_associate_entry(), so that a page freed and handed
// back to the same (inode, index) still reads as a new owner.
struct PageOwner {
  uint32_t ino = 0;     // 0: not associated.
  uint32_t index = 0;   // File page index.
  uint16_t generation = 0;
  bool operator==(const PageOwner&) const = default;
};

// 16 bytes per page.
struct PageRecord {
  SyncAtomic<uint32_t> refcount;     // page->_refcount.
  SyncAtomic<uint16_t> mapcount;     // Present PTEs that hold a reference (6.15 model).
  SyncAtomic<uint16_t> generation;   // Association generation (wraps).
  SyncAtomic<uint64_t> owner;        // (ino << 32) | index; 0: none.
};
static_assert(sizeof(PageRecord) <= 16, "a page record must stay within 16 bytes");

class PageArray {
 public:
  // `nr_pages` records (pfn 0 .. nr_pages-1), every count at `idle_refcount`.
  PageArray(uint64_t nr_pages, uint32_t idle_refcount);

  uint64_t nr_pages() const { return nr_pages_; }
  uint32_t idle_refcount() const { return idle_; }
  // Bytes of page records.
  uint64_t memory_bytes() const { return nr_pages_ * sizeof(PageRecord); }

  // page_ref_inc(): takes a reference (a pin, or the 6.15 mapping reference).
  void get_page(uint64_t pfn);
  // put_page() / unpin: drops a reference; if the count reaches idle, wakes the
  // waiters of refcount_key(pfn) (with set_wake_when_only_mapped(), also when
  // it reaches idle + mapcount).
  void put_page(uint64_t pfn);
  // A page-table mapping takes a reference (6.15: insert_page_into_pte_locked()
  // does folio_get() and adds to the mapcount). The reference comes first, so
  // refcount - mapcount never reads lower than the pins held.
  void map_page(uint64_t pfn);
  // The zap of that mapping: mapcount first, then put_page().
  void unmap_page(uint64_t pfn);
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
  // The key break_layouts waits on for this page: &page->_refcount.
  const void* refcount_key(uint64_t pfn) const { return &pages_[pfn].refcount; }

  // dax_associate_entry(): the page now belongs to (ino, index); bumps the
  // generation.
  void associate(uint64_t pfn, uint32_t ino, uint32_t index);
  // dax_disassociate_entry(): the page belongs to nobody.
  void disassociate(uint64_t pfn);
  // The page's current owner.
  PageOwner owner(uint64_t pfn) const;

  // Set by the `modern-mapcount-wake` candidate fix: put_page() and
  // map_page() also wake when they leave the count at idle + mapcount, i.e.
  // when the last pin is gone from a page that is still mapped. Off: the
  // kernel's rule.
  void set_wake_when_only_mapped(bool on) { wake_when_only_mapped_ = on; }

  // Set by the `wake-key` variant: put_page() wakes this offset from the
  // right key, so the waiter never hears it. 0: correct.
  void set_wake_key_skew(uintptr_t skew) { wake_key_skew_ = skew; }

 private:
  void wake_refcount_waiters(uint64_t pfn);
  void wake_if_only_mapped(uint64_t pfn);

  const uint64_t nr_pages_;
  const uint32_t idle_;
  std::unique_ptr<PageRecord[]> pages_;
  uintptr_t wake_key_skew_ = 0;
  bool wake_when_only_mapped_ = false;
};

}  // namespace daxbreak

#endif  // DAXBREAK_MM_PAGE_ARRAY_H_
