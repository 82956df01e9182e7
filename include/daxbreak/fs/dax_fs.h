// DaxFs: the modeled DAX file system (ext4 -o dax as far as the protocol
// goes) over a PmemDevice: a flat namespace of inodes, a block allocator over
// the device pages, read and write through the DAX path (dax_iomap_rw()),
// mmap with the DAX fault handler, and the layout changes truncate and punch
// hole, which break layouts first (PROTOCOL.md section 3).
//
// Thread-safety: thread-safe. Inodes are shared_ptr handles; a Vma from
// mmap() must be destroyed before the last handle of its inode.

#ifndef DAXBREAK_FS_DAX_FS_H_
#define DAXBREAK_FS_DAX_FS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daxbreak/base/status.h"
#include "daxbreak/base/violation.h"
#include "daxbreak/fs/block_allocator.h"
#include "daxbreak/fs/inode.h"
#include "daxbreak/fs/protocol.h"
#include "daxbreak/mm/page_array.h"
#include "daxbreak/mm/vma.h"
#include "daxbreak/pmem/pmem_device.h"
#include "daxbreak/sync/mutex.h"

namespace daxbreak {

struct DaxFsOptions {
  Protocol protocol = Protocol::kFixed;
};

// Counters of what the file system did; relaxed atomics, for reports.
struct FsStats {
  std::atomic<uint64_t> faults{0};          // dax_iomap_pte_fault calls.
  std::atomic<uint64_t> blocks_allocated{0};
  std::atomic<uint64_t> blocks_freed{0};
  std::atomic<uint64_t> truncates{0};       // Truncates that shrank a file.
  std::atomic<uint64_t> punch_holes{0};
  std::atomic<uint64_t> breaks{0};          // break_layouts calls.
  std::atomic<uint64_t> break_waits{0};     // Busy pages waited for.
  std::atomic<uint64_t> break_interrupted{0};
};

class DaxFs : public VmOperations {
 public:
  // The file system over `device`'s data pages, with page records `pages`
  // (which must cover the device); violations go to `sink` (may be null).
  DaxFs(PmemDevice* device, PageArray* pages, ViolationSink* sink, DaxFsOptions options);
  ~DaxFs() override;

  // Creates an empty file. Errors: kExists, kInvalidArgument (empty name).
  Status create(const std::string& name, std::shared_ptr<Inode>* out);
  // Finds a file by name. Errors: kNotFound.
  Status lookup(const std::string& name, std::shared_ptr<Inode>* out);
  // Removes the name. An unmapped file is evicted at once (its blocks freed
  // after dax_break_layout_final-style waiting); a mapped one when unmount()
  // runs. Errors: kNotFound.
  Status unlink(const std::string& name);
  // Evicts every unlinked file still waiting (as at unmount).
  void unmount();

  // dax_iomap_rw() read: copies up to `len` bytes at byte `offset` into `buf`
  // under i_rwsem shared; holes read as zeros; stops at EOF. `*done` gets the
  // bytes copied.
  Status read(Inode* inode, uint64_t offset, void* buf, uint64_t len, uint64_t* done);
  // dax_iomap_rw() write: copies `len` bytes from `buf` to byte `offset` under
  // i_rwsem exclusive, allocating (zeroed) blocks for holes and extending
  // i_size. Errors: kNoSpace (nothing is undone), kInvalidArgument.
  Status write(Inode* inode, uint64_t offset, const void* buf, uint64_t len);

  // ext4_setattr() size change. Shrinking is a layout change: i_rwsem and
  // invalidate_lock exclusive, break_layouts() from the new last page to the
  // largest index, then i_size, dax_zero_range of the partial tail page, unmap,
  // delete the DAX entries and free the blocks. Growing only sets i_size.
  // Errors: kInterrupted (a signal during break_layouts; nothing changed).
  Status truncate(Inode* inode, uint64_t new_size);
  // ext4_punch_hole(): the same steps over [offset, offset + len) clipped to
  // i_size, without changing i_size; partial pages are zeroed, whole pages
  // freed. Errors: kInterrupted (nothing changed), kInvalidArgument.
  Status punch_hole(Inode* inode, uint64_t offset, uint64_t len);

  // fsync() / msync() of a DAX file: dax_writeback_mapping_range(). Each DAX
  // entry is locked in turn while its page is flushed to persistence
  // (dax_writeback_one()), so a scan running meanwhile meets locked entries.
  // Errors: kIoError from the device.
  Status fsync(Inode* inode);

  // mmap(MAP_SHARED) of the first `nr_pages` pages of `inode`.
  std::unique_ptr<Vma> mmap(Inode* inode, uint64_t nr_pages, bool writable);

  // dax_iomap_pte_fault() (VmOperations).
  Status fault(Vma& vma, uint64_t pgoff, bool write) override;

  // Live files, in ino order (a snapshot).
  std::vector<std::shared_ptr<Inode>> inodes();

  Protocol protocol() const { return options_.protocol; }
  PmemDevice* device() const { return device_; }
  PageArray* pages() const { return pages_; }
  BlockAllocator* allocator() { return &allocator_; }
  ViolationSink* sink() const { return sink_; }
  FsStats& stats() { return stats_; }

 private:
  // ext4_map_blocks(CREATE): the block of `pgoff`, allocated and zeroed if
  // absent. `*allocated` says whether it was new.
  Status get_block(Inode* inode, uint64_t pgoff, uint64_t* pfn, bool* allocated);
  // dax_zero_range() over bytes [from, to) of one file page, if allocated.
  void zero_partial_page(Inode* inode, uint64_t from, uint64_t to);
  // truncate_pagecache_range() + ext4_ext_remove_space() for DAX: unmap, delete
  // the DAX entries, free the blocks of file pages [first, last], bump the
  // extent sequence.
  void remove_dax_range(Inode* inode, uint64_t first, uint64_t last)
      REQUIRES(inode->invalidate_lock_);
  // Inode eviction: waits for every busy page without dropping anything
  // (dax_break_layout_final()), then frees all blocks.
  void evict(Inode* inode);

  PmemDevice* const device_;
  PageArray* const pages_;
  ViolationSink* const sink_;
  const DaxFsOptions options_;
  BlockAllocator allocator_;
  FsStats stats_;

  Mutex namespace_lock_{"namespace"};
  std::map<std::string, std::shared_ptr<Inode>> names_ GUARDED_BY(namespace_lock_);
  std::vector<std::shared_ptr<Inode>> orphans_ GUARDED_BY(namespace_lock_);
  uint32_t next_ino_ GUARDED_BY(namespace_lock_) = 1;
};

}  // namespace daxbreak

#endif  // DAXBREAK_FS_DAX_FS_H_
