// The page cache of a file that is not DAX: folios of one 4 KiB page each,
// with the folio lock and the uptodate, dirty and writeback states that the
// buffered I/O model (buffered_io.h) needs, looked up by file page index
// under the mapping's xa_lock. A DAX inode never has folios.
//
// Source: include/linux/pagemap.h (filemap_get_folio(), FGP_CREAT),
// mm/filemap.c (filemap_add_folio(), folio_wait_writeback()) and
// mm/truncate.c (truncate_inode_pages_range()).
//
// Thread-safety: PageCache is thread-safe. A Folio's uptodate, dirty and
// data fields are guarded by its lock; its writeback flag is atomic: set
// under the folio lock, cleared at I/O completion without it (with a wake).

#ifndef DAXBREAK_FS_PAGE_CACHE_H_
#define DAXBREAK_FS_PAGE_CACHE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daxbreak/sync/mutex.h"
#include "daxbreak/sync/sync_atomic.h"
#include "daxbreak/sync/thread_annotations.h"

namespace daxbreak {

struct Folio {
  explicit Folio(uint64_t index) : index_(index) {}
  Folio(const Folio&) = delete;
  Folio& operator=(const Folio&) = delete;

  // folio_end_writeback(): clears PG_writeback and wakes its waiters.
  void end_writeback();
  // folio_wait_writeback(): sleeps until PG_writeback is clear.
  void wait_writeback();

  const uint64_t index_;         // File page.
  Mutex lock_{"folio_lock"};     // folio_lock() / folio_unlock().
  bool uptodate_ GUARDED_BY(lock_) = false;
  bool dirty_ GUARDED_BY(lock_) = false;
  bool removed_ GUARDED_BY(lock_) = false;  // Out of the cache (folio->mapping == NULL).
  std::string data_ GUARDED_BY(lock_);  // kPageSize bytes once uptodate.
  SyncAtomic<bool> writeback_{false};   // PG_writeback.
};

class PageCache {
 public:
  PageCache() = default;
  PageCache(const PageCache&) = delete;
  PageCache& operator=(const PageCache&) = delete;

  // filemap_get_folio(): the folio at `index`, or nullptr.
  std::shared_ptr<Folio> get(uint64_t index) EXCLUDES(xa_lock_);
  // __filemap_get_folio(FGP_CREAT): the folio at `index`, added (not
  // uptodate, unlocked) if there is none.
  std::shared_ptr<Folio> get_or_create(uint64_t index) EXCLUDES(xa_lock_);
  // The folios of file pages [first, last], in index order (a snapshot).
  std::vector<std::shared_ptr<Folio>> range(uint64_t first, uint64_t last) EXCLUDES(xa_lock_);
  // filemap_remove_folio(): takes `folio` out of the cache and marks it
  // removed. The caller holds the folio lock.
  void remove(Folio& folio) REQUIRES(folio.lock_) EXCLUDES(xa_lock_);
  // truncate_inode_pages_range(): locks each folio of file pages [first,
  // last], waits for its writeback and removes it; dirty data is dropped.
  void truncate_range(uint64_t first, uint64_t last) EXCLUDES(xa_lock_);
  // How many folios are cached (for reports and tests; not a scheduling
  // point).
  uint64_t nr_folios() const { return nr_folios_.peek(); }

 private:
  Mutex xa_lock_{"i_pages.xa_lock"};
  std::map<uint64_t, std::shared_ptr<Folio>> folios_ GUARDED_BY(xa_lock_);
  SyncAtomic<uint64_t> nr_folios_{0};
};

}  // namespace daxbreak

#endif  // DAXBREAK_FS_PAGE_CACHE_H_
