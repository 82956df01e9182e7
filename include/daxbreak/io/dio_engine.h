// DioEngine: direct I/O between the disk file and user memory that is a DAX
// mapping, the way a DIO read(2)/write(2) into an mmap'ed DAX buffer runs in
// the kernel: pin the user pages (pin_user_pages, FOLL_PIN), let the device
// transfer straight into or out of the pinned pmem pages, unpin at completion
// (iomap_dio_bio_end_io -> bio_release_pages). The pin holds the page, not its
// association with the file, so the engine checks at completion whether the
// page changed owner while it was pinned (dma_after_free).
//
// Thread-safety: depends on the engine: a UringDioEngine belongs to one
// thread (its ring must be owned by one thread), a SyncDioEngine may be used
// from any.

#ifndef DAXBREAK_IO_DIO_ENGINE_H_
#define DAXBREAK_IO_DIO_ENGINE_H_

#include <atomic>
#include <cstdint>
#include <vector>

#include "daxbreak/base/status.h"
#include "daxbreak/base/violation.h"
#include "daxbreak/mm/gup.h"
#include "daxbreak/mm/vma.h"

namespace daxbreak {

// Counters of one engine; relaxed atomics, read by the status line.
struct DioStats {
  std::atomic<uint64_t> reads{0};           // dio_read requests submitted.
  std::atomic<uint64_t> writes{0};          // dio_write requests submitted.
  std::atomic<uint64_t> completions{0};
  std::atomic<uint64_t> bytes{0};           // Bytes transferred.
  std::atomic<uint64_t> pin_failures{0};    // Requests refused at pin time (EFAULT...).
  std::atomic<uint64_t> io_errors{0};       // Completions with res < 0.
  std::atomic<uint64_t> pages_pinned{0};    // Pages pinned in all.
};

class DioEngine {
 public:
  virtual ~DioEngine() = default;

  // Starts a read of `len` bytes (a multiple of 4 KiB) from byte `disk_offset`
  // of the disk (4 KiB aligned, past the header page) into user address `addr`
  // (page-aligned) of `vma`. Pins the pages first (faulting them in for write
  // through the slow path if needed); reaps a completion first if the queue is
  // full. Errors: kInvalidArgument (alignment, range), the errors of
  // pin_user_pages() (kFault: beyond EOF; nothing submitted), kIoError.
  virtual Status dio_read(uint64_t disk_offset, Vma& vma, uint64_t addr, uint64_t len) = 0;
  // The same in the other direction: the disk is written from the pages.
  virtual Status dio_write(uint64_t disk_offset, Vma& vma, uint64_t addr, uint64_t len) = 0;
  // Reaps at least `min_complete` completions (waiting for them) and any
  // others already there; each completed request is checked and unpinned.
  // Errors: kIoError from the ring.
  virtual Status reap(uint32_t min_complete) = 0;
  // Requests submitted and not yet reaped.
  virtual uint32_t in_flight() const = 0;
  // Reaps until nothing is in flight.
  Status drain() { return in_flight() == 0 ? Status::Ok() : reap(in_flight()); }

  DioStats& stats() { return stats_; }
  GupStats& gup_stats() { return gup_stats_; }

 protected:
  // `disk_bytes`: size of the disk the engine reads and writes.
  DioEngine(uint64_t disk_bytes, PageArray* pages, ViolationSink* sink)
      : disk_bytes_(disk_bytes), pages_(pages), sink_(sink) {}

  // Checks the arguments common to both directions.
  Status check_request(uint64_t disk_offset, Vma& vma, uint64_t addr, uint64_t len) const;
  // The submission side of one request: pins the pages under [addr, addr +
  // len) of `vma` (FOLL_WRITE for a read into them) into `pinned` and counts
  // the pins or the failure. Errors: those of pin_user_pages().
  // `keep_partial`: on a failure part way the pages pinned stay in `pinned`
  // (pin_user_pages_partial(); a partial submission), else none do.
  Status pin_request(bool is_read, Vma& vma, uint64_t addr, uint64_t len,
                     std::vector<PinnedPage>* pinned, bool keep_partial = false);
  // The completion side of one request: reports a page whose owner changed
  // since it was pinned (dma_after_free), then drops every page's reference
  // on the bio release path (PutPath::kBioRelease).
  void complete_pages(const std::vector<PinnedPage>& pinned, bool is_read, uint64_t disk_offset);

  // 4 KiB of zeros, 4 KiB aligned: what a DIO write from a read pin of the
  // zero page (kZeroPfn) sends to the disk.
  static const char* zero_page();

  const uint64_t disk_bytes_;
  PageArray* const pages_;
  ViolationSink* const sink_;
  DioStats stats_;
  GupStats gup_stats_;
};

}  // namespace daxbreak

#endif  // DAXBREAK_IO_DIO_ENGINE_H_
