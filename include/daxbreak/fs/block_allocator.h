// BlockAllocator: hands out device pages (pfns) as file blocks. Freed blocks
// are reused first, last in first out, so that a block freed while a DMA
// still targets it goes to the next allocation at once and a use-after-free
// shows in the data immediately (a real allocator only makes that likely).
//
// Freeing a block whose page is still referenced above idle is the hazard of
// docs/protocol.md, 'Hazard'; free_block() reports it as pinned_block_freed.
//
// Memory: 8 bytes per freed block waiting for reuse; blocks never used cost
// nothing (they are handed out from a bump pointer, lowest pfn first). The
// bump pointer asks the device to back the pages it is about to hand out
// (BlockReservation), so a sparse device file gets its blocks as the run
// needs them and a full file system shows as ENOSPC, never as SIGBUS.
//
// Thread-safety: thread-safe.

#ifndef DAXBREAK_FS_BLOCK_ALLOCATOR_H_
#define DAXBREAK_FS_BLOCK_ALLOCATOR_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "daxbreak/base/status.h"
#include "daxbreak/base/violation.h"
#include "daxbreak/mm/page_array.h"
#include "daxbreak/sync/mutex.h"
#include "daxbreak/sync/thread_annotations.h"

namespace daxbreak {

// How the allocator makes sure the device pages it hands out are backed:
// before the bump pointer reaches `reserved_end_pfn` it calls `reserve` for
// the next `chunk_pages` pages (PmemDevice::reserve). An empty `reserve`
// means every page is backed.
struct BlockReservation {
  std::function<Status(uint64_t first_pfn, uint64_t end_pfn)> reserve;
  uint64_t reserved_end_pfn = 0;
  uint64_t chunk_pages = 512;
};

class BlockAllocator {
 public:
  // Manages pfns [first_pfn, first_pfn + nr_blocks); reports to `sink` (may be
  // null).
  BlockAllocator(PageArray* pages, uint64_t first_pfn, uint64_t nr_blocks, ViolationSink* sink,
                 BlockReservation reservation = {});

  // Takes a free block. Errors: kNoSpace when none is left, or when the
  // device cannot back the next pages (the reserve's message).
  Status alloc_block(uint64_t* pfn) EXCLUDES(mu_);
  // Takes `nr` contiguous never-used blocks whose first pfn is a multiple of
  // `align` (pages): the 2 MiB extent a PMD mapping needs (on a 2 MiB-aligned
  // namespace, mballoc's aligned allocation; not modeled in detail). The
  // unused pfns it skips go to the free list. Errors: kNoSpace, or the
  // reserve's message.
  Status alloc_aligned(uint64_t nr, uint64_t align, uint64_t* first) EXCLUDES(mu_);
  // Returns `pfn` to the free list. `ino` and `file_offset` (bytes) say whose
  // block it was, for the report if its page is busy.
  void free_block(uint64_t pfn, uint32_t ino, uint64_t file_offset) EXCLUDES(mu_);
  // Free blocks now.
  uint64_t free_blocks() EXCLUDES(mu_);
  uint64_t total_blocks() const { return nr_blocks_; }

 private:
  PageArray* const pages_;
  const uint64_t nr_blocks_;
  const uint64_t end_pfn_;
  ViolationSink* const sink_;
  Mutex mu_{"allocator"};
  std::vector<uint64_t> freed_ GUARDED_BY(mu_);  // A stack: back() is next.
  uint64_t next_unused_ GUARDED_BY(mu_);         // Lowest pfn never handed out.
  BlockReservation reservation_ GUARDED_BY(mu_);  // reserved_end_pfn moves up.
};

}  // namespace daxbreak

#endif  // DAXBREAK_FS_BLOCK_ALLOCATOR_H_
