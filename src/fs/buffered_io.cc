#include "daxbreak/fs/buffered_io.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "daxbreak/sync/lockdep.h"
#include "daxbreak/sync/task.h"
#include "daxbreak/sync/wait_var.h"

namespace daxbreak {

BufferedIo::BufferedIo(PmemDevice* device, BlockAllocator* allocator, const IomapTraits& traits,
                       ViolationSink* sink, Journal* journal)
    : device_(device), allocator_(allocator), traits_(traits), sink_(sink), journal_(journal) {}

void BufferedIo::fill_folio(Inode* inode, Folio& folio, const Iomap& map) {
  // The oracle: a fill decides the bytes of the whole page, so a mapping
  // that is no longer the extent map's puts wrong bytes in the page cache
  // (zeros over written data, in the seeds' race).
  if (!iomap_matches_extent_map(*inode, map)) {
    if (sink_ != nullptr) {
      sink_->report(Violation{ViolationKind::kStaleMappingUsed, map.pfn, inode->ino(), map.pgoff * kPageSize,
                              Task::current().name(),
                              fmt::format("folio {} filled through a stale {} mapping (cookie {}, i_es_seq now {})",
                                          map.pgoff, IomapTypeName(map.type), map.validity_cookie,
                                          inode->i_es_seq_.peek())});
    }
  }
  folio.data_.assign(kPageSize, '\0');
  if (map.type == IomapType::kMapped) std::memcpy(folio.data_.data(), device_->page_address(map.pfn), kPageSize);
  folio.uptodate_ = true;
}

void BufferedIo::write_page(Inode* inode, uint64_t pgoff, uint64_t in_page, const char* src, uint64_t len) {
  Iomap map = iomap_begin(*inode, pgoff);
  for (;;) {
    {
      const std::shared_ptr<Folio> folio = inode->i_folios_.get_or_create(pgoff);
      MutexLock lock(&folio->lock_);
      // Reclaim or truncate may have taken it out while we waited for the lock.
      if (folio->removed_) continue;
      // iomap_write_begin(): with the folio locked, nothing can write it back
      // or drop it, so a mapping that is still valid stays valid for this
      // folio; a stale one (IOMAP_F_STALE) is dropped and the page mapped
      // again. no-iomap-valid: no such check.
      if (!traits_.write_begin_checks_valid || iomap_valid(*inode, map)) {
        if (!folio->uptodate_) fill_folio(inode, *folio, map);
        std::memcpy(folio->data_.data() + in_page, src, len);
        folio->dirty_ = true;
        return;
      }
    }
    map = iomap_begin(*inode, pgoff);
  }
}

Status BufferedIo::write(Inode* inode, uint64_t offset, const void* buf, uint64_t len) {
  if (offset > kMaxFileBytes || len > kMaxFileBytes - offset) {
    return Status::TooBig(fmt::format("write of {} bytes at {} is past the largest file", len, offset));
  }
  WriteLock io(&inode->i_rwsem_);
  const char* in = static_cast<const char*>(buf);
  for (uint64_t done = 0; done < len;) {
    const uint64_t pos = offset + done;
    const uint64_t chunk = std::min(len - done, kPageSize - pos % kPageSize);
    write_page(inode, pos / kPageSize, pos % kPageSize, in + done, chunk);
    done += chunk;
  }
  if (offset + len > inode->size()) inode->i_size_.store(offset + len, "i_size_write");
  return Status::Ok();
}

Status BufferedIo::writeback_submit(Inode* inode, std::vector<PendingIo>* pending, uint64_t first, uint64_t last) {
  for (const std::shared_ptr<Folio>& folio : inode->i_folios_.range(first, last)) {
    MutexLock lock(&folio->lock_);
    if (folio->removed_ || !folio->dirty_) continue;
    folio->wait_writeback();
    Iomap map = iomap_begin(*inode, folio->index_);
    if (map.type == IomapType::kHole) {
      // ext4's dioread_nolock writeback: an unwritten block now, converted
      // when the I/O completes.
      uint64_t pfn = 0;
      Status s = allocator_->alloc_block(&pfn);
      if (!s.ok()) return s;
      {
        WriteLock extents(&inode->i_data_sem_);
        inode->extents_[folio->index_] = Extent{pfn, true};
        es_inc_seq(*inode, traits_.seq_update);
      }
      map = iomap_begin(*inode, folio->index_);
    }
    device_->memcpy_nodrain(device_->page_address(map.pfn), folio->data_.data(), kPageSize);
    device_->drain();
    folio->dirty_ = false;
    folio->writeback_.store(true, "folio_start_writeback");
    pending->push_back(PendingIo{folio, map, inode});
  }
  return Status::Ok();
}

void BufferedIo::writeback_end_io(Inode* inode, const PendingIo& io) {
  // An I/O completion is inside "writeback" until it ends the folio's
  // writeback: what it takes here is taken "inside" every wait for it.
  LockdepScope completing("writeback");
  if (io.map.type == IomapType::kUnwritten) {
    bool converted = false;
    if (journal_ != nullptr) journal_->start();
    {
      WriteLock extents(&inode->i_data_sem_);
      auto it = inode->extents_.find(io.map.pgoff);
      if (it != inode->extents_.end() && it->second.pfn == io.map.pfn && it->second.unwritten) {
        it->second.unwritten = false;
        converted = true;
      }
    }
    // The sequence advances after i_data_sem is dropped (as ext4's extent
    // status insert does it) but before writeback ends, so a folio that
    // reclaim drops after this completion can only be refilled through a
    // mapping whose cookie is older. seq-misses-change: no advance.
    if (converted && traits_.conversion_bumps_seq) es_inc_seq(*inode, traits_.seq_update);
    if (journal_ != nullptr) journal_->stop();
  }
  io.folio->end_writeback();
}

void BufferedIo::flush_page(Inode* inode, uint64_t pgoff) {
  std::vector<PendingIo> pending;
  Status s = writeback_submit(inode, &pending, pgoff, pgoff);
  (void)s;  // A failed allocation leaves the folio dirty; the zeroing goes on in the cache.
  for (const PendingIo& io : pending) {
    if (!end_io_worker_) {
      writeback_end_io(inode, io);
      continue;
    }
    end_io_.push(io);
  }
  for (const PendingIo& io : pending) io.folio->wait_writeback();
}

void BufferedIo::run_end_io_worker() {
  end_io_.run([this](const PendingIo& io) { writeback_end_io(io.inode, io); });
}

void BufferedIo::close_end_io_worker() { end_io_.close(); }

void BufferedIo::zero_range(Inode* inode, uint64_t offset, uint64_t len) {
  const uint64_t pgoff = offset / kPageSize;
  const Iomap map = iomap_begin(*inode, pgoff);
  bool dirty = false;
  if (const std::shared_ptr<Folio> folio = inode->i_folios_.get(pgoff)) {
    MutexLock lock(&folio->lock_);
    dirty = !folio->removed_ && folio->dirty_;
  }
  // Which dirty folios are written back before zeroing. flush-under-handle:
  // every one over an unwritten or hole mapping, with the caller's journal
  // handle open. zero-hole-flush: the folio batch takes those over
  // unwritten mappings, a hole's is still flushed. The fixes flush none.
  bool flush = false;
  switch (traits_.zero_flush) {
    case ZeroFlush::kFlushDirty: flush = dirty && map.type != IomapType::kMapped; break;
    case ZeroFlush::kBatchFlushOnHole: flush = dirty && map.type == IomapType::kHole; break;
    case ZeroFlush::kBatchAll:
    case ZeroFlush::kBatchNoFlushOnHole: break;
  }
  if (flush) flush_page(inode, pgoff);
  // The zeroing itself: in the cached folio (written back later), else on a
  // written block; a hole or an unwritten block reads as zeros already.
  if (const std::shared_ptr<Folio> folio = inode->i_folios_.get(pgoff)) {
    MutexLock lock(&folio->lock_);
    if (!folio->removed_ && folio->uptodate_) {
      std::memset(folio->data_.data() + offset % kPageSize, 0, len);
      folio->dirty_ = true;
      return;
    }
  }
  const Iomap now = iomap_begin(*inode, pgoff);
  if (now.type == IomapType::kMapped) {
    device_->memset_nodrain(device_->page_address(now.pfn) + offset % kPageSize, 0, len);
    device_->drain();
  }
}

Status BufferedIo::writeback(Inode* inode) {
  std::vector<PendingIo> pending;
  Status s = writeback_submit(inode, &pending);
  for (const PendingIo& io : pending) writeback_end_io(inode, io);
  return s;
}

void BufferedIo::reclaim(Inode* inode, uint64_t first, uint64_t last) {
  for (const std::shared_ptr<Folio>& folio : inode->i_folios_.range(first, last)) {
    if (!folio->lock_.try_lock()) continue;
    if (!folio->removed_ && folio->uptodate_ && !folio->dirty_ && !folio->writeback_.load("folio_test_writeback")) {
      inode->i_folios_.remove(*folio);
    }
    folio->lock_.unlock();
  }
}

void BufferedIo::read(Inode* inode, uint64_t offset, void* buf, uint64_t len) {
  char* out = static_cast<char*>(buf);
  for (uint64_t done = 0; done < len;) {
    const uint64_t pos = offset + done;
    const uint64_t pgoff = pos / kPageSize;
    const uint64_t in_page = pos % kPageSize;
    const uint64_t chunk = std::min(len - done, kPageSize - in_page);
    bool copied = false;
    if (std::shared_ptr<Folio> folio = inode->i_folios_.get(pgoff)) {
      MutexLock lock(&folio->lock_);
      if (!folio->removed_ && folio->uptodate_) {
        std::memcpy(out + done, folio->data_.data() + in_page, chunk);
        copied = true;
      }
    }
    uint64_t pfn = 0;
    if (!copied && inode->lookup_block(pgoff, &pfn)) {
      std::memcpy(out + done, device_->page_address(pfn) + in_page, chunk);
    } else if (!copied) {
      std::memset(out + done, 0, chunk);
    }
    done += chunk;
  }
}

}  // namespace daxbreak
