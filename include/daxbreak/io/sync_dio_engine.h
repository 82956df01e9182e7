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
#include "daxbreak/pmem/pmem_device.h"
#include "daxbreak/sync/sync_atomic.h"
#include "daxbreak/sync/work_queue.h"

namespace daxbreak {

class SyncDioEngine final : public DioEngine {
 public:
  // A disk of `disk_bytes` (4 KiB multiple) held in memory.
  SyncDioEngine(PmemDevice* device, PageArray* pages, ViolationSink* sink, uint64_t disk_bytes);

  Status dio_read(uint64_t disk_offset, Vma& vma, uint64_t addr, uint64_t len) override;
  Status dio_write(uint64_t disk_offset, Vma& vma, uint64_t addr, uint64_t len) override;
  // Completes every queued request on the calling thread.
  Status reap(uint32_t min_complete) override;
  uint32_t in_flight() const override;

  // Submits a request whose pages the caller pinned already (a DIO that was
  // in flight before the model started). Takes ownership of the pins.
  void submit_pinned(bool is_read, uint64_t disk_offset, std::vector<PinnedPage> pinned);
  // The device's completion loop: completes requests as they arrive until
  // close() was called and nothing is queued.
  void run_completions();
  // No more submissions will come.
  void close();

 private:
  struct Request {
    bool is_read = false;
    uint64_t disk_offset = 0;
    std::vector<PinnedPage> pinned;
  };
  Status start(bool is_read, uint64_t disk_offset, Vma& vma, uint64_t addr, uint64_t len);
  // Queues a pinned request (counted outstanding) and wakes the completion
  // thread.
  void enqueue(bool is_read, uint64_t disk_offset, std::vector<PinnedPage> pinned);
  void complete(Request& req);

  PmemDevice* const device_;
  std::vector<char> disk_;
  WorkQueue<Request> queue_{{"dio_queue", "dio_submit", "dio_take", "dio_close"}};
  SyncAtomic<uint32_t> outstanding_{0}; // Submitted and not completed.
};

}  // namespace daxbreak

#endif  // DAXBREAK_IO_SYNC_DIO_ENGINE_H_
