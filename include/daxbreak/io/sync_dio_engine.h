// SyncDioEngine: the DioEngine of explore mode. There is no kernel and no
// ring: the disk is an in-memory buffer, dio_read()/dio_write() pin the pages
// and queue the request, and the transfer and its completion (the copy, the
// dma_after_free check, the unpin of each page in turn, as bio_release_pages()
// does) run on whichever modeled thread calls run_completions() or reap(). So
// "the device finishes the I/O" is a modeled thread of its own, and the
// explorer can put it anywhere between the other threads' steps.
//
// Thread-safety: thread-safe; all synchronization goes through the sync layer.

#ifndef DAXBREAK_IO_SYNC_DIO_ENGINE_H_
#define DAXBREAK_IO_SYNC_DIO_ENGINE_H_

#include <vector>

#include "daxbreak/io/dio_engine.h"
#include "daxbreak/mm/dio_traits.h"
#include "daxbreak/pmem/pmem_device.h"
#include "daxbreak/sync/sync_atomic.h"
#include "daxbreak/sync/work_queue.h"

namespace daxbreak {

// How the engine models the bio around a request. The defaults are the
// all-or-nothing pin and the release at completion that the scenarios before
// these had; the dio-partial and dio-dirty-defer scenarios turn them on.
struct BioModel {
  // A GUP that fails part way submits the pages it pinned as a short bio
  // (bio_iov_iter_get_pages() keeps them) and the request returns the error;
  // `error_path` says what becomes of those pages.
  bool partial_submission = false;
  DioErrorPath error_path = DioErrorPath::kReleaseWithBio;
};

class SyncDioEngine final : public DioEngine {
 public:
  // A disk of `disk_bytes` (4 KiB multiple) held in memory.
  SyncDioEngine(PmemDevice* device, PageArray* pages, ViolationSink* sink, uint64_t disk_bytes);

  Status dio_read(uint64_t disk_offset, Vma& vma, uint64_t addr, uint64_t len) override;
  Status dio_write(uint64_t disk_offset, Vma& vma, uint64_t addr, uint64_t len) override;
  // Completes every queued request on the calling thread.
  Status reap(uint32_t min_complete) override;
  uint32_t in_flight() const override;

  // Set before any request (not thread-safe against them).
  void set_bio_model(const BioModel& model) { bio_model_ = model; }

  // Submits a request whose pages the caller pinned already (a DIO that was
  // in flight before the model started). Takes ownership of the pins.
  // `all_dirty` false (a read only): a page the DIO dirtied at submission
  // (bio_set_pages_dirty()) was found clean at completion, so
  // bio_check_pages_dirty() defers the release to bio_dirty_work, which
  // run_dirty_work() models, if enable_dirty_work() was called (else the
  // release is at completion, as for `all_dirty`).
  void submit_pinned(bool is_read, uint64_t disk_offset, std::vector<PinnedPage> pinned,
                     bool all_dirty = true);
  // The device's completion loop: completes requests as they arrive until
  // close() was called and nothing is queued; then, if enable_dirty_work()
  // was called, closes the bio_dirty_work list (so a model without the
  // worker runs the same synchronization steps as before it existed).
  void run_completions();
  // A run_dirty_work() thread will run; call before the threads start.
  void enable_dirty_work() { dirty_work_ = true; }
  // The bio_dirty_work worker (bio_dirty_fn(), block/bio.c; a kworker, in
  // process context): releases each deferred bio's pages on the bio release
  // path (bio_release_pages(bio, true)) as they arrive, until
  // run_completions() has ended and nothing is deferred.
  void run_dirty_work();
  // No more submissions will come.
  void close();

 private:
  struct Request {
    bool is_read = false;
    uint64_t disk_offset = 0;
    std::vector<PinnedPage> pinned;
    bool all_dirty = true;  // bio_check_pages_dirty() would find every page dirty.
  };
  Status start(bool is_read, uint64_t disk_offset, Vma& vma, uint64_t addr, uint64_t len);
  // Queues a pinned request (counted outstanding) and wakes the completion
  // thread.
  void enqueue(Request req);
  void complete(Request& req);
  // The release at the end of complete(), or in bio_dirty_fn().
  void release(Request& req) { complete_pages(req.pinned, req.is_read, req.disk_offset); }

  PmemDevice* const device_;
  std::vector<char> disk_;
  WorkQueue<Request> queue_{{"dio_queue", "dio_submit", "dio_take", "dio_close"}};
  // bio_dirty_list, under bio_dirty_lock: completed reads whose release waits
  // for bio_dirty_fn().
  WorkQueue<Request> dirty_list_{{"bio_dirty_lock", "bio_dirty_defer", "bio_dirty_take", "bio_dirty_close"}};
  SyncAtomic<uint32_t> outstanding_{0}; // Submitted and not completed.
  BioModel bio_model_;
  bool dirty_work_ = false;  // A bio_dirty_work worker runs (enable_dirty_work()).
};

}  // namespace daxbreak

#endif  // DAXBREAK_IO_SYNC_DIO_ENGINE_H_
