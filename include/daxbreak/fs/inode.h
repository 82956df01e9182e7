// Inode: one file of the modeled DAX file system (ext4's struct inode plus
// ext4_inode_info, as far as the protocol needs): size, the two locks a
// layout change takes (i_rwsem, invalidate_lock), the extent map under
// i_data_sem with its sequence number, the mm-side address space and the DAX
// entries.
//
// Lock order (fs/ext4/inode.c): i_rwsem -> invalidate_lock -> DAX entry lock ->
// i_data_sem -> xa_lock / allocator.
//
// Thread-safety: thread-safe as annotated; fields are public, like the kernel
// struct, so that the protocol code reads as fs/dax.c does.

#ifndef DAXBREAK_FS_INODE_H_
#define DAXBREAK_FS_INODE_H_

#include <cstdint>
#include <map>
#include <string>

#include "daxbreak/fs/dax_entries.h"
#include "daxbreak/fs/page_cache.h"
#include "daxbreak/mm/address_space.h"
#include "daxbreak/sync/rwsem.h"
#include "daxbreak/sync/sync_atomic.h"
#include "daxbreak/sync/thread_annotations.h"

namespace daxbreak {

// The largest file page index (a whole-file break goes up to here).
inline constexpr uint64_t kMaxPageIndex = (1ULL << 32) - 1;
// The largest file size in bytes (s_maxbytes of the model).
inline constexpr uint64_t kMaxFileBytes = kMaxPageIndex * 4096;

// One mapped file page (an ext4 extent of one block): its device page and
// whether it is unwritten (allocated by fallocate, reads as zeros until the
// first write converts it, EXT4_MAP_UNWRITTEN).
struct Extent {
  uint64_t pfn = 0;
  bool unwritten = false;
};

class Inode {
 public:
  // `dax`: S_DAX (the file's pages are device pages, no page cache); false:
  // a page-cache file for BufferedIo.
  Inode(uint32_t ino, std::string name, bool dax = true)
      : ino_(ino), name_(std::move(name)), dax_(dax), i_mapping_(ino) {}
  Inode(const Inode&) = delete;
  Inode& operator=(const Inode&) = delete;

  uint32_t ino() const { return ino_; }
  const std::string& name() const { return name_; }

  // File size in bytes (i_size_read / i_size_write). Written with i_rwsem held
  // exclusive, and by a layout change also with invalidate_lock exclusive.
  uint64_t size() const { return i_size_.load("i_size_read"); }

  // The extent of file page `pgoff`, if allocated (ext4_map_blocks lookup).
  bool lookup_extent(uint64_t pgoff, Extent* out) EXCLUDES(i_data_sem_);
  // The block of file page `pgoff` if it is allocated and written.
  bool lookup_block(uint64_t pgoff, uint64_t* pfn) EXCLUDES(i_data_sem_);
  // Allocated blocks now, written or not (for tests and reports).
  uint64_t nr_blocks() EXCLUDES(i_data_sem_);
  // A snapshot of the extent map (for tests and the data oracle).
  std::map<uint64_t, Extent> extents_snapshot() EXCLUDES(i_data_sem_);

  const uint32_t ino_;
  const std::string name_;
  const bool dax_;  // IS_DAX().
  // Stops syscall I/O to the file; exclusive across a whole layout change.
  RwSem i_rwsem_{"i_rwsem"};
  // The fault lock (mapping->invalidate_lock): faults shared, layout changes
  // exclusive.
  RwSem invalidate_lock_{"invalidate_lock"};
  // Guards the extent map (ext4's i_data_sem).
  RwSem i_data_sem_{"i_data_sem"};
  // Bytes.
  SyncAtomic<uint64_t> i_size_{0};
  // Advanced on every change of the extent map (ext4 i_es_seq, xfs if_seq)
  // by es_inc_seq(), so a cached mapping can tell it went stale (iomap.h).
  SyncAtomic<uint64_t> i_es_seq_{0};
  // i_mmap and unmap_mapping_pages().
  AddressSpace i_mapping_;
  // The DAX entries (i_pages of a DAX file).
  DaxEntries i_pages_;
  // The folios (i_pages of a file that is not DAX).
  PageCache i_folios_;
  // File page -> extent.
  std::map<uint64_t, Extent> extents_ GUARDED_BY(i_data_sem_);
};

}  // namespace daxbreak

#endif  // DAXBREAK_FS_INODE_H_
