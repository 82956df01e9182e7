#include "daxbreak/fs/block_allocator.h"

#include <fmt/format.h>

#include "daxbreak/sync/task.h"

namespace daxbreak {

BlockAllocator::BlockAllocator(PageArray* pages, uint64_t first_pfn, uint64_t nr_blocks,
                               ViolationSink* sink)
    : pages_(pages), nr_blocks_(nr_blocks), sink_(sink) {
  MutexLock lock(&mu_);
  free_.reserve(nr_blocks);
  // Highest first, so that the first allocation gets first_pfn.
  for (uint64_t i = nr_blocks; i > 0; --i) free_.push_back(first_pfn + i - 1);
}

Status BlockAllocator::alloc_block(uint64_t* pfn) {
  MutexLock lock(&mu_);
  if (free_.empty()) return Status::NoSpace("no free blocks on the device");
  *pfn = free_.back();
  free_.pop_back();
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
  free_.push_back(pfn);
}

uint64_t BlockAllocator::free_blocks() {
  MutexLock lock(&mu_);
  return free_.size();
}

}  // namespace daxbreak
