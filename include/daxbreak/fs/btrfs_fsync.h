// BtrfsFile: one btrfs file with a preallocated extent, as far as the race of
// fast fsync against a lockless direct I/O write needs (docs/models/crash.md,
// 'What daxbreak models'). The DIO write (btrfs_direct_IO into a prealloc extent
// inside i_size, without i_mutex) creates an extent map that is no longer
// "prealloc" and an ordered extent, then does the I/O, which makes the data
// durable, and finishes the ordered extent. The fast fsync
// (btrfs_sync_file() -> btrfs_log_inode()) collects the ordered extents,
// then the modified extent maps; logging an extent map it looks up the
// ordered extent over its range once more and waits for it; then it syncs
// the log, which makes "the extent is written" durable.
//
// That last look-up is our reading of how a new extent map "also collects
// the corresponding ordered extent" in Filipe Manana's description; the btrfs
// code of 2016 was not read.
//
// The crash model: power_cut() returns the durable image at that instant,
// what a log replay after a power cut shows: whether the log says the extent
// is written, and the block's bytes on the media. It reads without
// scheduling points, so under the explorer the image is that of the step at
// which the power thread runs.
//
// The file is one 4 KiB block on the pmem device; its bytes are durable once
// the I/O drained them (libpmem2 drain).
//
// Thread-safety: dio_write(), fsync() and power_cut() may run concurrently;
// dio_write() at most once.

#ifndef DAXBREAK_FS_BTRFS_FSYNC_H_
#define DAXBREAK_FS_BTRFS_FSYNC_H_

#include <cstdint>
#include <string>

#include "daxbreak/fs/protocol.h"
#include "daxbreak/pmem/pmem_device.h"
#include "daxbreak/sync/mutex.h"
#include "daxbreak/sync/rwsem.h"
#include "daxbreak/sync/sync_atomic.h"
#include "daxbreak/sync/thread_annotations.h"

namespace daxbreak {

// What survives a power cut (after log replay and remount).
struct CrashImage {
  bool taken = false;            // The power was cut.
  bool logged_written = false;   // The log says the extent is written (not prealloc).
  std::string block;             // The block's bytes on the media (kPageSize).
  bool fsync_returned = false;   // An fsync had returned before the cut...
  bool write_before_fsync = false;  // ...that started after the DIO write returned.
};

class BtrfsFile {
 public:
  // The file's one preallocated block is device page `pfn` of `device`.
  BtrfsFile(PmemDevice* device, uint64_t pfn, const FsyncTraits& traits);
  BtrfsFile(const BtrfsFile&) = delete;
  BtrfsFile& operator=(const BtrfsFile&) = delete;

  // The lockless DIO write of `data` (kPageSize bytes) over the block.
  void dio_write(const std::string& data);
  // The fast fsync.
  void fsync();
  // The durable image now (see the file comment).
  CrashImage power_cut() const;

 private:
  // The fast fsync's collection: whether it found the ordered extent and the
  // new extent map.
  void collect(bool* oe_seen, bool* em_seen) EXCLUDES(tree_lock_);

  PmemDevice* const device_;
  const uint64_t pfn_;
  const FsyncTraits traits_;
  RwSem dio_sem_{"dio_sem"};               // dio-fsync-rwsem only.
  Mutex tree_lock_{"extent_tree"};          // The extent map tree and the ordered tree.
  bool em_modified_ GUARDED_BY(tree_lock_) = false;  // The new extent map, on the modified list.
  bool oe_exists_ GUARDED_BY(tree_lock_) = false;    // The ordered extent.
  SyncAtomic<uint32_t> oe_finished_{0};
  SyncAtomic<uint32_t> log_written_{0};      // The synced log's extent item.
  SyncAtomic<uint32_t> write_returned_{0};
  SyncAtomic<uint32_t> fsync_started_after_write_{0};
  SyncAtomic<uint32_t> fsync_returned_{0};
};

}  // namespace daxbreak

#endif  // DAXBREAK_FS_BTRFS_FSYNC_H_
