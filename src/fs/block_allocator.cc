#include "daxbreak/fs/block_allocator.h"

#include <algorithm>

#include <fmt/format.h>

#include "daxbreak/sync/task.h"

namespace daxbreak {

BlockAllocator::BlockAllocator(PageArray* pages, uint64_t first_pfn, uint64_t nr_blocks,
                               ViolationSink* sink, BlockReservation reservation)
    : pages_(pages),
      nr_blocks_(nr_blocks),
      end_pfn_(first_pfn + nr_blocks),
      sink_(sink),
      next_unused_(first_pfn),
      reservation_(std::move(reservation)) {}

Status BlockAllocator::alloc_block(uint64_t* pfn) {
  MutexLock lock(&mu_);
  if (!freed_.empty()) {
    *pfn = freed_.back();
    freed_.pop_back();
    return Status::Ok();
  }
  if (next_unused_ == end_pfn_) return Status::NoSpace("no free blocks on the device");
  if (reservation_.reserve && next_unused_ >= reservation_.reserved_end_pfn) {
    const uint64_t end = std::min(end_pfn_, next_unused_ + reservation_.chunk_pages);
    Status s = reservation_.reserve(next_unused_, end);
    if (!s.ok()) return s;
    reservation_.reserved_end_pfn = end;
  }
  *pfn = next_unused_++;
  return Status::Ok();
}

Status BlockAllocator::alloc_aligned(uint64_t nr, uint64_t align, uint64_t* first) {
  MutexLock lock(&mu_);
  const uint64_t start = (next_unused_ + align - 1) / align * align;
  if (start + nr > end_pfn_ || start + nr < start) return Status::NoSpace("no aligned free extent on the device");
  if (reservation_.reserve && start + nr > reservation_.reserved_end_pfn) {
    Status s = reservation_.reserve(reservation_.reserved_end_pfn, start + nr);
    if (!s.ok()) return s;
    reservation_.reserved_end_pfn = start + nr;
  }
  for (uint64_t pfn = start; pfn-- > next_unused_;) freed_.push_back(pfn);
  next_unused_ = start + nr;
  *first = start;
  return Status::Ok();
}

void BlockAllocator::free_block(uint64_t pfn, uint32_t ino, uint64_t file_offset) {
  const uint32_t count = pages_->page_ref_count(pfn);
  if (count != pages_->idle_refcount() && sink_ != nullptr) {
    sink_->report(Violation{ViolationKind::kPinnedBlockFreed, pfn, ino, file_offset,
                            Task::current().name(),
                            fmt::format("block freed with page refcount {} (idle {})", count,
                                        pages_->idle_refcount())});
  }
  MutexLock lock(&mu_);
  freed_.push_back(pfn);
}

uint64_t BlockAllocator::free_blocks() {
  MutexLock lock(&mu_);
  return freed_.size() + (end_pfn_ - next_unused_);
}

}  // namespace daxbreak
