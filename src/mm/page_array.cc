#include "daxbreak/mm/page_array.h"

#include "daxbreak/sync/wait_var.h"

namespace daxbreak {

PageArray::PageArray(uint64_t nr_pages, uint32_t idle_refcount)
    : nr_pages_(nr_pages), idle_(idle_refcount), pages_(new PageRecord[nr_pages]) {
  for (uint64_t pfn = 0; pfn < nr_pages_; ++pfn) pages_[pfn].refcount.store(idle_, "init");
}

void PageArray::get_page(uint64_t pfn) { pages_[pfn].refcount.fetch_add(1, "page_ref_inc"); }

void PageArray::put_page(uint64_t pfn) {
  const uint32_t before = pages_[pfn].refcount.fetch_sub(1, "page_ref_dec");
  if (before - 1 == idle_) {
    const auto key = reinterpret_cast<uintptr_t>(refcount_key(pfn)) + wake_key_skew_;
    wake_up_var(reinterpret_cast<const void*>(key));
  }
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
