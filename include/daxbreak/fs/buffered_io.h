// BufferedIo: buffered I/O of a file that is not DAX, through the page cache
// (page_cache.h) and the iomap layer (iomap.h), as far as the stale-mapping
// races of docs/models/iomap.md need:
//
//   - write() maps a page once (iomap_begin), then finds or creates the folio,
//     locks it and, in the correct form, checks the mapping (iomap_valid)
//     and maps again if it went stale; a folio that is not uptodate is filled
//     from the mapping (zeros for a hole or an unwritten extent, the block's
//     bytes for a written one) before the new bytes are copied in;
//   - writeback_submit() writes dirty folios to their blocks (allocating an
//     unwritten block for a hole) and leaves them under writeback;
//     writeback_end_io() converts the unwritten extent at I/O completion,
//     advances the extent sequence and ends writeback;
//   - reclaim() drops clean folios that are neither locked nor under
//     writeback.
//
// The blocks live on the pmem device, written by plain copies: this models
// the page cache's view of a disk, not DAX.
//
// Source: fs/iomap/buffered-io.c (iomap_write_iter(), iomap_write_begin(),
// iomap_writepages()), xfs_end_ioend() / ext4_end_io_end() for the
// conversion, mm/vmscan.c for reclaim (shrink_folio_list()).
//
// Thread-safety: thread-safe; every method takes the locks it needs, in the
// order i_rwsem -> folio lock -> i_data_sem -> xa_lock.

#ifndef DAXBREAK_FS_BUFFERED_IO_H_
#define DAXBREAK_FS_BUFFERED_IO_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "daxbreak/base/status.h"
#include "daxbreak/base/violation.h"
#include "daxbreak/fs/block_allocator.h"
#include "daxbreak/fs/inode.h"
#include "daxbreak/fs/iomap.h"
#include "daxbreak/fs/journal.h"
#include "daxbreak/pmem/pmem_device.h"
#include "daxbreak/sync/work_queue.h"

namespace daxbreak {

class BufferedIo {
 public:
  // A folio whose data was written to its block and whose I/O completion is
  // pending (a bio in flight).
  struct PendingIo {
    std::shared_ptr<Folio> folio;
    Iomap map;              // The mapping the data went through.
    Inode* inode = nullptr;  // Whose folio it is.
  };

  // Blocks are read and written on `device`; holes get blocks from
  // `allocator`; `traits` are the protocol's; violations go to `sink` (may be
  // null). With a `journal`, the unwritten conversion at I/O completion runs
  // under a handle (ext4_convert_unwritten_extents()). All must outlive the
  // object.
  BufferedIo(PmemDevice* device, BlockAllocator* allocator, const IomapTraits& traits, ViolationSink* sink,
             Journal* journal = nullptr);

  // iomap_file_buffered_write() under i_rwsem exclusive: copies `len` bytes
  // from `buf` to byte `offset` of `inode` (not DAX), one page at a time, and
  // grows i_size to the end of the write. Reports stale_mapping_used when a
  // folio is filled through a mapping that no longer says what the extent map
  // says. Errors: kTooBig past the largest file.
  Status write(Inode* inode, uint64_t offset, const void* buf, uint64_t len);

  // The first half of iomap_writepages(): for every dirty folio of `inode`
  // in file pages [first, last], in index order, locks it, maps its page (a
  // hole gets an unwritten block), copies its bytes to the block, clears
  // dirty, sets writeback and unlocks it. Errors: kNoSpace (what was
  // submitted before is in `*pending`).
  Status writeback_submit(Inode* inode, std::vector<PendingIo>* pending, uint64_t first = 0,
                          uint64_t last = kMaxPageIndex);
  // The I/O completion of one folio: converts an unwritten extent that still
  // holds the block (advancing the extent sequence unless the protocol is
  // `seq-misses-change`), then ends writeback.
  void writeback_end_io(Inode* inode, const PendingIo& io);
  // writeback_submit() and every completion: the writeback of the whole file.
  Status writeback(Inode* inode);

  // iomap_zero_range() over bytes [offset, offset + len) of one page of
  // `inode`, as ext4 calls it to zero a partial block (the caller may hold a
  // journal handle). A dirty folio over an unwritten or hole mapping is
  // zeroed in the page cache, or first flushed (written back, waiting for
  // the I/O to complete), as traits.zero_flush says.
  void zero_range(Inode* inode, uint64_t offset, uint64_t len);

  // From now on a flush queues its I/O completions for run_end_io_worker()
  // instead of completing them itself. Call before the threads start.
  void use_end_io_worker() { end_io_worker_ = true; }
  // The end_io worker (ext4's rsv conversion work): completes queued I/O
  // until close_end_io_worker() was called and the queue is empty.
  void run_end_io_worker();
  // No more I/O will be queued.
  void close_end_io_worker();

  // Memory reclaim of `inode`'s clean folios in file pages [first, last]:
  // drops each folio that is uptodate, not dirty, not under writeback and
  // not locked.
  void reclaim(Inode* inode, uint64_t first = 0, uint64_t last = kMaxPageIndex);

  // What a read(2) of `len` bytes at `offset` returns, ignoring i_size: the
  // cached folio where there is one, else the block (zeros for a hole or an
  // unwritten extent). For the data oracle.
  void read(Inode* inode, uint64_t offset, void* buf, uint64_t len);

 private:
  // iomap_write_iter() for one page: maps `pgoff`, locks its folio (created
  // if absent), checks the mapping, fills the folio if it is not uptodate,
  // and copies `len` bytes from `src` to byte `in_page` of it. Caller holds
  // i_rwsem exclusive.
  void write_page(Inode* inode, uint64_t pgoff, uint64_t in_page, const char* src, uint64_t len);
  // Fills a locked folio that is not uptodate from `map`.
  void fill_folio(Inode* inode, Folio& folio, const Iomap& map) REQUIRES(folio.lock_);
  // filemap_write_and_wait_range() of one page: writes back its dirty folio
  // and waits until the I/O completed (on the end_io worker, if used).
  void flush_page(Inode* inode, uint64_t pgoff);

  PmemDevice* const device_;
  BlockAllocator* const allocator_;
  const IomapTraits traits_;
  ViolationSink* const sink_;
  Journal* const journal_;

  bool end_io_worker_ = false;  // Set before the threads start.
  WorkQueue<PendingIo> end_io_{{"end_io_list", "end_io_queue", "end_io_take", "end_io_close"}};
};

}  // namespace daxbreak

#endif  // DAXBREAK_FS_BUFFERED_IO_H_
