// get_user_pages as the DAX protocol sees it (mm/gup.c): pin_user_pages()
// with its lockless fast path and its faulting slow path, and
// unpin_user_pages().
//
// GUP-fast (gup_fast_pte_range()): with interrupts off, read the PTE without
// locks, take a page reference unless the count is 0, re-read the PTE; if it
// changed (an unmap zapped it), drop the reference and fall back. How that
// orders against the unmap's TLB flush is MmStruct's TlbFlushMode. The slow
// path faults the page in (for write only with FOLL_WRITE), which takes the
// fault lock (invalidate_lock) shared and therefore blocks behind a layout
// change, then takes its reference under the page-table lock.
//
// Thread-safety: thread-safe.

#ifndef DAXBREAK_MM_GUP_H_
#define DAXBREAK_MM_GUP_H_

#include <atomic>
#include <cstdint>
#include <vector>

#include "daxbreak/base/status.h"
#include "daxbreak/mm/page_array.h"
#include "daxbreak/mm/vma.h"

namespace daxbreak {

// gup_flags (a subset of FOLL_*).
enum GupFlags : uint32_t {
  FOLL_WRITE = 1u << 0,     // The caller will write the pages (DIO read).
  FOLL_PIN = 1u << 1,       // A pin (pin_user_pages), not a plain get.
  FOLL_LONGTERM = 1u << 2,  // A long-term pin (registered buffers, RDMA).
  FOLL_FAST_ONLY = 1u << 3, // Do not fall back to the slow path.
};

// One pinned page: its pfn, and its owner when it was pinned (to tell at
// completion whether the page changed hands under the pin). A read pin of
// the zero page has pfn kZeroPfn and holds no reference.
struct PinnedPage {
  uint64_t pfn = 0;
  uint32_t ino = 0;               // The file the VMA maps (what the DIO targets).
  uint32_t index = 0;             // The file page the pinned address maps.
  uint16_t generation_at_pin = 0; // PageArray::generation() when pinned.
  uint32_t refs = 1;              // References it holds: 1 (FOLL_GET, or a pin of a large
                                  // folio) or GUP_PIN_COUNTING_BIAS (a FOLL_PIN).
};

// Counters of GUP outcomes; relaxed atomics, for reports.
struct GupStats {
  std::atomic<uint64_t> fast_pins{0};      // Pages pinned by the fast path.
  std::atomic<uint64_t> fast_backoffs{0};  // Fast-path references dropped on a changed PTE.
  std::atomic<uint64_t> slow_pins{0};      // Pages pinned by the slow path.
  std::atomic<uint64_t> zero_page_pins{0}; // Read pins of the zero page (no reference).
};

// pin_user_pages_fast(): pins `nr_pages` pages from user address `addr`
// (page-aligned) of `vma` and appends them to `pinned`. On failure nothing
// stays pinned. Errors: kNotSupported (FOLL_LONGTERM on an fs-dax VMA,
// check_vma_flags()), kFault (outside the VMA, SIGBUS beyond EOF, or
// FOLL_FAST_ONLY and a PTE not present), kNoSpace, kInvalidArgument
// (unaligned address).
Status pin_user_pages(Vma& vma, uint64_t addr, uint64_t nr_pages, uint32_t gup_flags,
                      std::vector<PinnedPage>* pinned, GupStats* stats = nullptr);

// The same, but on a failure at page k the pages 0..k-1 it pinned stay in
// `pinned` (pin_user_pages_fast() returns the count it pinned; its callers
// see the error only when it pinned none, gup_fast_fallback()). What a DIO
// does with them is the caller's (DioErrorPath). Errors: as pin_user_pages().
Status pin_user_pages_partial(Vma& vma, uint64_t addr, uint64_t nr_pages, uint32_t gup_flags,
                              std::vector<PinnedPage>* pinned, GupStats* stats = nullptr);

// unpin_user_pages(): drops the references of each page (its `refs`; none
// for the zero page) on `path` (unpin_user_page() for a pin, put_page() for
// a FOLL_GET reference); whether a page reaching idle wakes its waiters is the
// PageArray's WakeRule.
void unpin_user_pages(PageArray& pages, const std::vector<PinnedPage>& pinned,
                      PutPath path = PutPath::kPut);

}  // namespace daxbreak

#endif  // DAXBREAK_MM_GUP_H_
