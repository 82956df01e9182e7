#include "daxbreak/fs/dax_fs.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "daxbreak/fs/break_layouts.h"
#include "daxbreak/sync/sync_point.h"

namespace daxbreak {
namespace {

uint64_t pages_for(uint64_t bytes) { return (bytes + kPageSize - 1) / kPageSize; }

}  // namespace

DaxFs::DaxFs(PmemDevice* device, PageArray* pages, ViolationSink* sink, DaxFsOptions options)
    : device_(device),
      pages_(pages),
      sink_(sink),
      options_(options),
      allocator_(pages, device->first_data_pfn(), device->nr_pages() - device->first_data_pfn(),
                 sink) {
  // wake-key: in the 6.15 series the waiter slept on one address while the
  // page-free path woke another; put_page() then wakes a neighbouring key.
  if (options_.protocol == Protocol::kWakeKey) pages_->set_wake_key_skew(sizeof(uint32_t));
  // modern-mapcount-wake: see break_wait_done() in break_layouts.cc.
  if (options_.protocol == Protocol::kModernMapcountWake) pages_->set_wake_when_only_mapped(true);
}

DaxFs::~DaxFs() = default;

Status DaxFs::create(const std::string& name, std::shared_ptr<Inode>* out) {
  if (name.empty()) return Status::InvalidArgument("empty file name");
  MutexLock lock(&namespace_lock_);
  if (names_.count(name) != 0) return Status::Exists(fmt::format("file '{}' exists", name));
  auto inode = std::make_shared<Inode>(next_ino_++, name);
  names_[name] = inode;
  *out = std::move(inode);
  return Status::Ok();
}

Status DaxFs::lookup(const std::string& name, std::shared_ptr<Inode>* out) {
  MutexLock lock(&namespace_lock_);
  auto it = names_.find(name);
  if (it == names_.end()) return Status::NotFound(fmt::format("no file '{}'", name));
  *out = it->second;
  return Status::Ok();
}

Status DaxFs::unlink(const std::string& name) {
  std::shared_ptr<Inode> inode;
  {
    MutexLock lock(&namespace_lock_);
    auto it = names_.find(name);
    if (it == names_.end()) return Status::NotFound(fmt::format("no file '{}'", name));
    inode = std::move(it->second);
    names_.erase(it);
    if (inode->i_mapping_.mapping_mapped()) {
      orphans_.push_back(std::move(inode));
      return Status::Ok();
    }
  }
  evict(inode.get());
  return Status::Ok();
}

void DaxFs::unmount() {
  std::vector<std::shared_ptr<Inode>> orphans;
  {
    MutexLock lock(&namespace_lock_);
    orphans.swap(orphans_);
  }
  for (auto& inode : orphans) evict(inode.get());
}

std::vector<std::shared_ptr<Inode>> DaxFs::inodes() {
  MutexLock lock(&namespace_lock_);
  std::vector<std::shared_ptr<Inode>> out;
  for (const auto& [name, inode] : names_) out.push_back(inode);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a->ino() < b->ino(); });
  return out;
}

Status DaxFs::get_block(Inode* inode, uint64_t pgoff, uint64_t* pfn, bool* allocated) {
  *allocated = false;
  if (inode->lookup_block(pgoff, pfn)) return Status::Ok();
  WriteLock lock(&inode->i_data_sem_);
  auto it = inode->extents_.find(pgoff);
  if (it != inode->extents_.end()) {
    *pfn = it->second;
    return Status::Ok();
  }
  Status s = allocator_.alloc_block(pfn);
  if (!s.ok()) return s;
  // New DAX blocks are zeroed before they are exposed (EXT4_GET_BLOCKS_ZERO).
  device_->memset_nodrain(device_->page_address(*pfn), 0, kPageSize);
  inode->extents_[pgoff] = *pfn;
  inode->i_es_seq_.fetch_add(1, "i_es_seq++");
  stats_.blocks_allocated.fetch_add(1, std::memory_order_relaxed);
  *allocated = true;
  return Status::Ok();
}

Status DaxFs::read(Inode* inode, uint64_t offset, void* buf, uint64_t len, uint64_t* done) {
  ReadLock io(&inode->i_rwsem_);
  *done = 0;
  const uint64_t size = inode->size();
  if (offset >= size) return Status::Ok();
  len = std::min(len, size - offset);
  char* out = static_cast<char*>(buf);
  while (*done < len) {
    const uint64_t pos = offset + *done;
    const uint64_t in_page = pos % kPageSize;
    const uint64_t chunk = std::min(len - *done, kPageSize - in_page);
    uint64_t pfn = 0;
    if (inode->lookup_block(pos / kPageSize, &pfn)) {
      std::memcpy(out + *done, device_->page_address(pfn) + in_page, chunk);
    } else {
      std::memset(out + *done, 0, chunk);
    }
    *done += chunk;
  }
  return Status::Ok();
}

Status DaxFs::write(Inode* inode, uint64_t offset, const void* buf, uint64_t len) {
  if (len > (kMaxPageIndex * kPageSize) - offset || offset > kMaxPageIndex * kPageSize) {
    return Status::InvalidArgument(fmt::format("write of {} bytes at {} is past the largest file", len, offset));
  }
  WriteLock io(&inode->i_rwsem_);
  const char* in = static_cast<const char*>(buf);
  uint64_t done = 0;
  Status s;
  while (done < len && s.ok()) {
    const uint64_t pos = offset + done;
    const uint64_t in_page = pos % kPageSize;
    const uint64_t chunk = std::min(len - done, kPageSize - in_page);
    uint64_t pfn = 0;
    bool allocated = false;
    s = get_block(inode, pos / kPageSize, &pfn, &allocated);
    if (!s.ok()) break;
    device_->memcpy_nodrain(device_->page_address(pfn) + in_page, in + done, chunk);
    done += chunk;
  }
  device_->drain();
  if (offset + done > inode->size()) inode->i_size_.store(offset + done, "i_size_write");
  return s;
}

void DaxFs::zero_partial_page(Inode* inode, uint64_t from, uint64_t to) {
  uint64_t pfn = 0;
  if (from >= to || !inode->lookup_block(from / kPageSize, &pfn)) return;
  device_->memset_nodrain(device_->page_address(pfn) + from % kPageSize, 0, to - from);
}

void DaxFs::remove_dax_range(Inode* inode, uint64_t first, uint64_t last) {
  inode->i_mapping_.unmap_mapping_pages(first, last - first + 1);
  inode->i_pages_.dax_delete_mapping_range(first, last, *pages_, inode->ino(), sink_);
  std::vector<std::pair<uint64_t, uint64_t>> freed;
  {
    WriteLock lock(&inode->i_data_sem_);
    auto it = inode->extents_.lower_bound(first);
    while (it != inode->extents_.end() && it->first <= last) {
      freed.emplace_back(it->first, it->second);
      it = inode->extents_.erase(it);
    }
    if (!freed.empty()) inode->i_es_seq_.fetch_add(1, "i_es_seq++");
  }
  for (const auto& [pgoff, pfn] : freed) {
    allocator_.free_block(pfn, inode->ino(), pgoff * kPageSize);
  }
  stats_.blocks_freed.fetch_add(freed.size(), std::memory_order_relaxed);
}

Status DaxFs::truncate(Inode* inode, uint64_t new_size) {
  if (new_size > kMaxPageIndex * kPageSize) {
    return Status::InvalidArgument(fmt::format("size {} is past the largest file", new_size));
  }
  WriteLock io(&inode->i_rwsem_);
  // DAX reads and writes complete under i_rwsem, so no direct I/O to the file
  // can be in flight here: inode_dio_wait() has nothing to wait for.
  if (new_size >= inode->size()) {
    inode->i_size_.store(new_size, "i_size_write");
    return Status::Ok();
  }
  WriteLock mm(&inode->invalidate_lock_);
  const uint64_t old_size = inode->size();
  const uint64_t first = pages_for(new_size);
  // The break covers everything from the new last page to the largest index.
  // short-range: a ranged break that stops at the old EOF rounded down to a
  // page misses a pinned partial page past the new EOF (Dave Chinner's
  // review of ranged breaks, 2019).
  const uint64_t break_first = new_size / kPageSize;
  const uint64_t break_last = options_.protocol == Protocol::kShortRange
                                  ? old_size / kPageSize
                                  : kMaxPageIndex + 1;
  // eintr-partial: the new size was applied before the break, so an
  // interrupted break left the truncate half done (fixed by b9c1c26739ec).
  if (options_.protocol == Protocol::kEintrPartial) inode->i_size_.store(new_size, "i_size_write");
  if (break_last > break_first) {
    Status s = break_layouts(*this, inode, break_first, break_last - 1);
    if (!s.ok()) return s;
  }
  inode->i_size_.store(new_size, "i_size_write");
  if (new_size % kPageSize != 0) zero_partial_page(inode, new_size, first * kPageSize);
  remove_dax_range(inode, first, kMaxPageIndex);
  stats_.truncates.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

Status DaxFs::punch_hole(Inode* inode, uint64_t offset, uint64_t len) {
  if (len == 0) return Status::InvalidArgument("punch hole of 0 bytes");
  WriteLock io(&inode->i_rwsem_);
  const uint64_t size = inode->size();
  if (offset >= size) return Status::Ok();
  const uint64_t end = std::min(size, len > size - offset ? size : offset + len);
  WriteLock mm(&inode->invalidate_lock_);
  Status s = break_layouts(*this, inode, offset / kPageSize, (end - 1) / kPageSize);
  if (!s.ok()) return s;
  const uint64_t first_full = pages_for(offset);
  const uint64_t end_full = end / kPageSize;  // Exclusive.
  if (first_full > end_full) {               // Inside one page.
    zero_partial_page(inode, offset, end);
  } else {
    zero_partial_page(inode, offset, first_full * kPageSize);
    zero_partial_page(inode, end_full * kPageSize, end);
    if (first_full < end_full) remove_dax_range(inode, first_full, end_full - 1);
  }
  stats_.punch_holes.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

Status DaxFs::fsync(Inode* inode) {
  for (uint64_t index : inode->i_pages_.indices(0, kMaxPageIndex)) {
    DaxEntry entry;
    if (!inode->i_pages_.lock_existing_entry(index, &entry)) continue;
    DAXBREAK_SYNC_POINT("dax_writeback_one:locked");
    Status s = entry.has_pfn ? device_->persist(device_->page_address(entry.pfn), kPageSize) : Status::Ok();
    inode->i_pages_.dax_unlock_entry(index, entry);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

std::unique_ptr<Vma> DaxFs::mmap(Inode* inode, uint64_t nr_pages, bool writable) {
  // From 6.15 (idle refcount 0) a mapped page holds a reference per PTE.
  return std::make_unique<Vma>(&inode->i_mapping_, this, device_, pages_, nr_pages, writable,
                               /*fsdax=*/true, inode, /*pte_holds_ref=*/pages_->idle_refcount() == 0);
}

void DaxFs::evict(Inode* inode) {
  dax_break_layout_final(*this, inode);
  WriteLock mm(&inode->invalidate_lock_);
  remove_dax_range(inode, 0, kMaxPageIndex);
}

}  // namespace daxbreak
