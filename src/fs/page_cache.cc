#include "daxbreak/fs/page_cache.h"

#include "daxbreak/sync/lockdep.h"
#include "daxbreak/sync/wait_var.h"

namespace daxbreak {

void Folio::end_writeback() {
  writeback_.store(false, "folio_end_writeback");
  wake_up_var(&writeback_);
}

void Folio::wait_writeback() {
  // For the lock-order checker, whoever completes the I/O is inside the
  // pseudo-class "writeback" (BufferedIo::writeback_end_io()); the wait is
  // named after it, so a deadlock report names who holds it.
  lockdep_wait("writeback");
  (void)wait_var_event(
      &writeback_, [this] { return !writeback_.load("folio_test_writeback"); }, /*interruptible=*/false,
      [](const WaitSleeper& s) { s.schedule("writeback"); });
}

std::shared_ptr<Folio> PageCache::get(uint64_t index) {
  MutexLock lock(&xa_lock_);
  auto it = folios_.find(index);
  return it == folios_.end() ? nullptr : it->second;
}

std::shared_ptr<Folio> PageCache::get_or_create(uint64_t index) {
  MutexLock lock(&xa_lock_);
  std::shared_ptr<Folio>& slot = folios_[index];
  if (!slot) {
    slot = std::make_shared<Folio>(index);
    nr_folios_.init(folios_.size());
  }
  return slot;
}

std::vector<std::shared_ptr<Folio>> PageCache::range(uint64_t first, uint64_t last) {
  MutexLock lock(&xa_lock_);
  std::vector<std::shared_ptr<Folio>> out;
  for (auto it = folios_.lower_bound(first); it != folios_.end() && it->first <= last; ++it) {
    out.push_back(it->second);
  }
  return out;
}

void PageCache::remove(Folio& folio) {
  folio.removed_ = true;
  MutexLock lock(&xa_lock_);
  auto it = folios_.find(folio.index_);
  if (it != folios_.end() && it->second.get() == &folio) folios_.erase(it);
  nr_folios_.init(folios_.size());
}

void PageCache::truncate_range(uint64_t first, uint64_t last) {
  for (const std::shared_ptr<Folio>& folio : range(first, last)) {
    MutexLock lock(&folio->lock_);
    folio->wait_writeback();
    if (!folio->removed_) remove(*folio);
  }
}

}  // namespace daxbreak
