// DaxFs: the namespace, the DAX read and write paths, fsync, mmap and
// eviction. Layout changes are in layout_change.cc, the fault in
// dax_fault.cc.

#include "daxbreak/fs/dax_fs.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "daxbreak/fs/iomap.h"
#include "daxbreak/sync/sync_point.h"
#include "daxbreak/sync/task.h"

namespace daxbreak {

std::unique_ptr<PageArray> MakePageArray(const ProtocolTraits& protocol, uint64_t nr_pages,
                                         DaxPageSize page_size) {
  // Compound folios came with 38607c62b34b (6.15): the rows with idle 0.
  const bool compound = page_size == DaxPageSize::k2M && protocol.layout.idle_refcount == 0;
  return std::make_unique<PageArray>(nr_pages, protocol.layout.idle_refcount, protocol.layout.wake_rule,
                                     compound, protocol.layout.dio_ref);
}

DaxFs::DaxFs(PmemDevice* device, PageArray* pages, ViolationSink* sink, DaxFsOptions options)
    : device_(device),
      pages_(pages),
      sink_(sink),
      options_(options),
      allocator_(pages, device->first_data_pfn(), device->nr_pages() - device->first_data_pfn(), sink,
                 BlockReservation{[device](uint64_t first, uint64_t end) { return device->reserve(first, end); },
                                  device->reserved_end_pfn(), PmemDevice::kReserveChunkPages}) {}

DaxFs::~DaxFs() = default;

Status DaxFs::create(const std::string& name, std::shared_ptr<Inode>* out, bool dax) {
  if (name.empty()) return Status::InvalidArgument("empty file name");
  MutexLock lock(&namespace_lock_);
  if (names_.count(name) != 0) return Status::Exists(fmt::format("file '{}' exists", name));
  auto inode = std::make_shared<Inode>(next_ino_++, name, dax);
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

Status DaxFs::get_block_for_write(Inode* inode, uint64_t pgoff, uint64_t* pfn, bool* is_new) {
  *is_new = false;
  const Iomap map = iomap_begin(*inode, pgoff);
  if (map.type == IomapType::kMapped) {
    *pfn = map.pfn;
    return Status::Ok();
  }
  WriteLock lock(&inode->i_data_sem_);
  auto it = inode->extents_.find(pgoff);
  if (it != inode->extents_.end() && !it->second.unwritten) {
    *pfn = it->second.pfn;
    return Status::Ok();
  }
  Status pmd_status;
  if (it == inode->extents_.end() && pmd_enabled() && alloc_pmd_extent(inode, pgoff, pfn, &pmd_status)) {
    // The block of pgoff came with its aligned 2 MiB.
  } else if (it == inode->extents_.end()) {
    Status s = allocator_.alloc_block(pfn);
    if (!s.ok()) return s;
    inode->extents_[pgoff] = Extent{*pfn, false};
    stats_.blocks_allocated.fetch_add(1, std::memory_order_relaxed);
  } else {
    *pfn = it->second.pfn;
    it->second.unwritten = false;
    stats_.unwritten_converted.fetch_add(1, std::memory_order_relaxed);
  }
  // New and unwritten blocks are zeroed before they are exposed
  // (EXT4_GET_BLOCKS_CREATE_ZERO for DAX).
  device_->memset_nodrain(device_->page_address(*pfn), 0, kPageSize);
  es_inc_seq(*inode, protocol().iomap.seq_update);
  *is_new = true;
  return Status::Ok();
}

bool DaxFs::alloc_pmd_extent(Inode* inode, uint64_t pgoff, uint64_t* pfn, Status* s) {
  const uint64_t head = pgoff - pgoff % kPmdPages;
  auto it = inode->extents_.lower_bound(head);
  if (it != inode->extents_.end() && it->first < head + kPmdPages) return false;
  uint64_t first = 0;
  *s = allocator_.alloc_aligned(kPmdPages, kPmdPages, &first);
  if (!s->ok()) return false;  // No aligned extent left: one block, as at 4 KiB.
  for (uint64_t i = 0; i < kPmdPages; ++i) inode->extents_[head + i] = Extent{first + i, head + i != pgoff};
  stats_.blocks_allocated.fetch_add(kPmdPages, std::memory_order_relaxed);
  *pfn = first + pgoff % kPmdPages;
  return true;
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
    const Iomap map = iomap_begin(*inode, pos / kPageSize);
    if (map.type == IomapType::kMapped) {
      std::memcpy(out + *done, device_->page_address(map.pfn) + in_page, chunk);
    } else {
      std::memset(out + *done, 0, chunk);  // A hole or an unwritten extent.
    }
    *done += chunk;
  }
  return Status::Ok();
}

Status DaxFs::write(Inode* inode, uint64_t offset, const void* buf, uint64_t len) {
  if (offset > kMaxFileBytes || len > kMaxFileBytes - offset) {
    return Status::TooBig(fmt::format("write of {} bytes at {} is past the largest file", len, offset));
  }
  WriteLock io(&inode->i_rwsem_);
  const char* in = static_cast<const char*>(buf);
  uint64_t done = 0;
  Status s;
  while (done < len) {
    const uint64_t pos = offset + done;
    const uint64_t pgoff = pos / kPageSize;
    const uint64_t in_page = pos % kPageSize;
    const uint64_t chunk = std::min(len - done, kPageSize - in_page);
    uint64_t pfn = 0;
    bool is_new = false;
    s = get_block_for_write(inode, pgoff, &pfn, &is_new);
    if (!s.ok()) break;
    // IOMAP_F_NEW: a read fault may have mapped the zero page here; its entry
    // and PTEs go, so that loads through a mapping see what is written now.
    if (is_new && inode->i_pages_.invalidate_zero_entry(pgoff)) {
      inode->i_mapping_.unmap_mapping_pages(pgoff, 1);
    }
    device_->memcpy_nodrain(device_->page_address(pfn) + in_page, in + done, chunk);
    done += chunk;
  }
  device_->drain();
  if (offset + done > inode->size()) inode->i_size_.store(offset + done, "i_size_write");
  return s;
}

void DaxFs::zero_partial_page(Inode* inode, uint64_t from, uint64_t to) {
  if (from >= to) return;
  const Iomap map = iomap_begin(*inode, from / kPageSize);
  if (map.type != IomapType::kMapped) return;
  device_->memset_nodrain(device_->page_address(map.pfn) + from % kPageSize, 0, to - from);
}

void DaxFs::truncate_dax_entries(Inode* inode, uint64_t first, uint64_t last) {
  if (!inode->dax_) {
    inode->i_folios_.truncate_range(first, last);
    return;
  }
  inode->i_mapping_.unmap_mapping_pages(first, last - first + 1);
  // 6.15+: the break deleted the entries (bde708f1a65d); one found here was
  // established behind it, and truncate_folio_batch_exceptionals() WARNs
  // (WARN_ON_ONCE(1), then deletes it so that truncate does not loop).
  if (protocol().layout.break_deletes_entries && sink_ != nullptr) {
    const std::vector<uint64_t> left = inode->i_pages_.indices(first, last);
    if (!left.empty()) {
      sink_->report(Violation{ViolationKind::kBusyPageDisassociated, 0, inode->ino(), left.front() * kPageSize,
                              Task::current().name(),
                              fmt::format("truncate_folio_batch_exceptionals WARN: {} DAX entr{} from index {} "
                                          "left after the layout break",
                                          left.size(), left.size() == 1 ? "y" : "ies", left.front())});
    }
  }
  inode->i_pages_.dax_delete_mapping_range(first, last, *pages_, inode->ino(), sink_);
}

void DaxFs::free_blocks(Inode* inode, uint64_t first, uint64_t last) {
  std::vector<std::pair<uint64_t, uint64_t>> freed;
  {
    WriteLock lock(&inode->i_data_sem_);
    auto it = inode->extents_.lower_bound(first);
    while (it != inode->extents_.end() && it->first <= last) {
      freed.emplace_back(it->first, it->second.pfn);
      it = inode->extents_.erase(it);
    }
    if (!freed.empty()) es_inc_seq(*inode, protocol().iomap.seq_update);
  }
  for (const auto& [pgoff, pfn] : freed) allocator_.free_block(pfn, inode->ino(), pgoff * kPageSize);
  stats_.blocks_freed.fetch_add(freed.size(), std::memory_order_relaxed);
}

Status DaxFs::make_unwritten(Inode* inode, uint64_t first, uint64_t last, bool convert_written) {
  WriteLock lock(&inode->i_data_sem_);
  Status s;
  bool changed = false;
  for (uint64_t pgoff = first; pgoff <= last; ++pgoff) {
    auto it = inode->extents_.find(pgoff);
    if (it == inode->extents_.end()) {
      uint64_t pfn = 0;
      s = allocator_.alloc_block(&pfn);
      if (!s.ok()) break;
      inode->extents_[pgoff] = Extent{pfn, true};
      stats_.blocks_allocated.fetch_add(1, std::memory_order_relaxed);
      changed = true;
    } else if (convert_written && !it->second.unwritten) {
      it->second.unwritten = true;
      changed = true;
    }
  }
  if (changed) es_inc_seq(*inode, protocol().iomap.seq_update);
  return s;
}

Status DaxFs::fsync(Inode* inode) {
  for (uint64_t index : inode->i_pages_.indices(0, kMaxPageIndex)) {
    DaxEntry entry;
    if (!inode->i_pages_.lock_existing_entry(index, &entry)) continue;
    DAXBREAK_SYNC_POINT("dax_writeback_one:locked");
    const uint64_t bytes = entry.pmd ? kPmdPages * kPageSize : kPageSize;
    Status s = entry.has_pfn ? device_->persist(device_->page_address(entry.pfn), bytes) : Status::Ok();
    inode->i_pages_.dax_unlock_entry(index, entry);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

std::unique_ptr<Vma> DaxFs::mmap(MmStruct* mm, Inode* inode, uint64_t nr_pages, bool writable) {
  // From 6.15 (idle refcount 0) a mapped page holds a reference per PTE.
  return std::make_unique<Vma>(mm, &inode->i_mapping_, this, device_, pages_, nr_pages, writable,
                               /*fsdax=*/true, inode, /*pte_holds_ref=*/pages_->idle_refcount() == 0,
                               /*pmd_capable=*/pmd_enabled());
}

void DaxFs::evict(Inode* inode) {
  dax_break_layout_final(break_context(), inode);
  WriteLock mm(&inode->invalidate_lock_);
  truncate_dax_entries(inode, 0, kMaxPageIndex);
  free_blocks(inode, 0, kMaxPageIndex);
}

}  // namespace daxbreak
