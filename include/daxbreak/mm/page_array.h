// PageArray: one compact record per device page (the fields of struct page
// that the layout-breaking protocol reads): the reference count
// (page->_refcount) and the owner the page is associated with
// (page->mapping / page->index, set by dax_associate_entry()).
//
// Refcount model: a page is idle when its count equals idle_refcount(): 1 up
// to Linux 6.14 (ZONE_DEVICE pages rest at 1), 0 from 6.15. Pins add to it.
// put_page() wakes waiters (wake_up_var on the count) only on the transition
// to idle, as the pre-6.15 fsdax_pagefree / the 6.15 dax_page_free path do.
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
  uint32_t generation = 0;
  bool operator==(const PageOwner&) const = default;
};

// 16 bytes per page.
struct PageRecord {
  SyncAtomic<uint32_t> refcount;     // page->_refcount.
  SyncAtomic<uint32_t> generation;   // Association generation.
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
  // waiters of refcount_key(pfn).
  void put_page(uint64_t pfn);
  // The current count (page_ref_count()).
  uint32_t page_ref_count(uint64_t pfn) const;
  // dax_page_is_idle(): count == idle.
  bool page_is_idle(uint64_t pfn) const { return page_ref_count(pfn) == idle_; }
  // The key break_layouts waits on for this page: &page->_refcount.
  const void* refcount_key(uint64_t pfn) const { return &pages_[pfn].refcount; }

  // dax_associate_entry(): the page now belongs to (ino, index); bumps the
  // generation.
  void associate(uint64_t pfn, uint32_t ino, uint32_t index);
  // dax_disassociate_entry(): the page belongs to nobody.
  void disassociate(uint64_t pfn);
  // The page's current owner.
  PageOwner owner(uint64_t pfn) const;

  // Set by the `wake-key` variant: put_page() wakes this offset from the
  // right key, so the waiter never hears it. 0: correct.
  void set_wake_key_skew(uintptr_t skew) { wake_key_skew_ = skew; }

 private:
  const uint64_t nr_pages_;
  const uint32_t idle_;
  std::unique_ptr<PageRecord[]> pages_;
  uintptr_t wake_key_skew_ = 0;
};

}  // namespace daxbreak

#endif  // DAXBREAK_MM_PAGE_ARRAY_H_
