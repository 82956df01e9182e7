// DaxFs: the modeled DAX file system (ext4 -o dax as far as the protocol
// goes) over a PmemDevice: a flat namespace of inodes, a block allocator over
// the device pages, read and write through the DAX path (dax_iomap_rw()),
// mmap with the DAX fault handler, unwritten extents, and the layout changes
// (truncate and every fallocate mode) in ext4's lock order with ext4's
// argument rules, each breaking the layouts of the whole file first
// (docs/protocol.md, 'Layout change').
//
// Thread-safety: thread-safe. Inodes are shared_ptr handles; a Vma from
// mmap() must be destroyed before the last handle of its inode.

#ifndef DAXBREAK_FS_DAX_FS_H_
#define DAXBREAK_FS_DAX_FS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daxbreak/base/status.h"
#include "daxbreak/base/violation.h"
#include "daxbreak/fs/block_allocator.h"
#include "daxbreak/fs/break_layouts.h"
#include "daxbreak/fs/fs_model.h"
#include "daxbreak/fs/fs_stats.h"
#include "daxbreak/fs/inode.h"
#include "daxbreak/fs/protocol.h"
#include "daxbreak/mm/mm_struct.h"
#include "daxbreak/mm/page_array.h"
#include "daxbreak/mm/vma.h"
#include "daxbreak/pmem/pmem_device.h"
#include "daxbreak/sync/mutex.h"

namespace daxbreak {

// fallocate(2) mode bits, with the values of <linux/falloc.h>.
enum FallocMode : uint32_t {
  kFallocKeepSize = 0x01,      // FALLOC_FL_KEEP_SIZE
  kFallocPunchHole = 0x02,     // FALLOC_FL_PUNCH_HOLE
  kFallocCollapseRange = 0x08, // FALLOC_FL_COLLAPSE_RANGE
  kFallocZeroRange = 0x10,     // FALLOC_FL_ZERO_RANGE
  kFallocInsertRange = 0x20,   // FALLOC_FL_INSERT_RANGE
};

struct DaxFsOptions {
  // The protocol row; its layout traits decide how layout changes break.
  const ProtocolTraits* protocol = &DefaultProtocol();
  // The file system above the DAX core: its break call sites, its fallocate
  // modes and its own paths (fs/fs_model.h). ext4 unless given.
  const FsModel* fs = &DefaultFsModel();
  // k2M: faults map 2 MiB where they can (docs/models/dax-pmd.md), and a
  // write that allocates into an empty, aligned 2 MiB of the file takes an
  // aligned 2 MiB extent (the rest of it unwritten).
  DaxPageSize page_size = DaxPageSize::k4K;
};

// The page records a DaxFs with `protocol` needs: its idle refcount and wake
// rule, for `nr_pages` device pages; with `page_size` 2m and a 6.15+ row
// (idle 0), compound folios.
std::unique_ptr<PageArray> MakePageArray(const ProtocolTraits& protocol, uint64_t nr_pages,
                                         DaxPageSize page_size = DaxPageSize::k4K);

class DaxFs : public VmOperations {
 public:
  // The file system over `device`'s data pages, with page records `pages`
  // (which must cover the device and have the protocol's idle refcount and
  // wake rule: MakePageArray()); violations go to `sink` (may be null).
  DaxFs(PmemDevice* device, PageArray* pages, ViolationSink* sink, DaxFsOptions options);
  ~DaxFs() override;

  // Creates an empty file, DAX unless `dax` is false (a page-cache file:
  // its data goes through BufferedIo, never through read(), write(), fault()
  // or fsync() here; its layout changes must be page-aligned, and they drop
  // its folios instead of DAX entries). Errors: kExists, kInvalidArgument
  // (empty name).
  Status create(const std::string& name, std::shared_ptr<Inode>* out, bool dax = true);
  // Finds a file by name. Errors: kNotFound.
  Status lookup(const std::string& name, std::shared_ptr<Inode>* out);
  // Removes the name. An unmapped file is evicted at once (its blocks freed
  // after dax_break_layout_final()); a mapped one when unmount() runs.
  // Errors: kNotFound.
  Status unlink(const std::string& name);
  // Evicts every unlinked file still waiting (as at unmount).
  void unmount();

  // dax_iomap_rw() read: copies up to `len` bytes at byte `offset` into `buf`
  // under i_rwsem shared; holes and unwritten extents read as zeros; stops at
  // EOF. `*done` gets the bytes copied.
  Status read(Inode* inode, uint64_t offset, void* buf, uint64_t len, uint64_t* done);
  // dax_iomap_rw() write: copies `len` bytes from `buf` to byte `offset` under
  // i_rwsem exclusive, allocating zeroed blocks for holes and zeroing and
  // converting unwritten ones (ext4's EXT4_GET_BLOCKS_CREATE_ZERO), and
  // extending i_size. A page whose block is new loses its zero-page entry and
  // PTEs (IOMAP_F_NEW -> invalidate_inode_pages2_range()). Errors: kNoSpace
  // (what was written stays), kTooBig.
  Status write(Inode* inode, uint64_t offset, const void* buf, uint64_t len);

  // ext4_setattr() size change, up or down: i_rwsem, inode_dio_wait(),
  // invalidate_lock exclusive, break_layouts() of the whole file (ext4 breaks
  // for every size change), then i_size; shrinking also zeroes the partial
  // tail page and removes the DAX entries and blocks past it (preallocated
  // ones too). Errors: kInterrupted (a signal during the break; nothing
  // changed), kTooBig.
  Status truncate(Inode* inode, uint64_t new_size);
  // ext4_fallocate(): `mode` is 0 or a combination of FallocMode bits;
  // `offset` and `len` in bytes. Dispatches, after vfs_fallocate()'s checks,
  // to punch hole, collapse range, insert range, zero range or preallocation
  // (below). Errors: kInvalidArgument (len 0, punch with zero, collapse or
  // insert combined with another bit, unaligned collapse/insert, collapse
  // reaching EOF, insert at or past EOF), kNotSupported (unknown bits, punch
  // without KEEP_SIZE), kTooBig (past the largest file), kInterrupted,
  // kNoSpace.
  Status fallocate(Inode* inode, uint32_t mode, uint64_t offset, uint64_t len);
  // fallocate(PUNCH_HOLE | KEEP_SIZE).
  Status punch_hole(Inode* inode, uint64_t offset, uint64_t len) {
    return fallocate(inode, kFallocPunchHole | kFallocKeepSize, offset, len);
  }

  // The two-inode remap of reflink, dedupe and exchange-range (xfs,
  // xfs_reflink_remap_prep()): both i_rwsems in inode order, then
  // xfs_mmaplock_two_inodes_and_break_dax_layout(): the lower-numbered
  // inode's MMAPLOCK and a full break (sleeping with it dropped), the other's
  // MMAPLOCK and a break with no wait; while that one finds a busy page both
  // MMAPLOCKs are dropped and it starts again. Then `dst`'s pages [dst_off,
  // dst_off + len) get blocks holding `src`'s data from `src_off` (the model
  // copies where xfs shares extents) and their old blocks are freed. Offsets
  // and `len` in bytes, page-aligned, inside both files. Errors:
  // kNotSupported (the file system has no remap, FsModelTraits),
  // kInvalidArgument (unaligned, past EOF, same file), kInterrupted (a
  // signal in the first inode's break; nothing changed), kNoSpace.
  Status remap_range(Inode* src, uint64_t src_off, Inode* dst, uint64_t dst_off, uint64_t len);
  // virtiofs's DAX window reclaim (lookup_and_reclaim_dmap()): takes
  // invalidate_lock, breaks the layouts of the window's pages
  // (fuse_dax_break_layouts(inode, start, end)), removes their DAX entries
  // and gives the window's device pages back (FUSE_REMOVEMAPPING). The data
  // stays with the server: the model moves it to new blocks, the next access
  // maps those. `window` counts windows of FsModelTraits::dax_window_pages
  // pages from the start of the file. Errors: kNotSupported (no DAX windows
  // on this file system), kInterrupted, kNoSpace.
  Status reclaim_dax_window(Inode* inode, uint64_t window);

  // fsync() / msync() of a DAX file: dax_writeback_mapping_range(). Each DAX
  // entry is locked in turn while its page is flushed to persistence
  // (dax_writeback_one()), so a scan running meanwhile meets locked entries.
  // Errors: kIoError from the device.
  Status fsync(Inode* inode);

  // mmap(MAP_SHARED) of the first `nr_pages` pages of `inode` in the process
  // `mm` (whose TLB flush mode orders its unmaps against GUP-fast).
  std::unique_ptr<Vma> mmap(MmStruct* mm, Inode* inode, uint64_t nr_pages, bool writable);

  // dax_iomap_pte_fault(), after dax_iomap_pmd_fault() with page size 2m
  // (VmOperations).
  Status fault(Vma& vma, uint64_t pgoff, bool write) override;

  // Live files, in ino order (a snapshot).
  std::vector<std::shared_ptr<Inode>> inodes();

  const ProtocolTraits& protocol() const { return *options_.protocol; }
  // The file-system row (fs/fs_model.h) whose call sites and paths it runs.
  const FsModel& fs_model() const { return *options_.fs; }
  PmemDevice* device() const { return device_; }
  PageArray* pages() const { return pages_; }
  BlockAllocator* allocator() { return &allocator_; }
  ViolationSink* sink() const { return sink_; }
  FsStats& stats() { return stats_; }

 private:
  // ext4_map_blocks() for a write: the block of `pgoff`, allocated (zeroed) if
  // absent and zeroed and converted if unwritten. `*is_new` says whether the
  // page's contents are new (IOMAP_F_NEW). Caller holds no inode lock but
  // i_rwsem or the fault's invalidate_lock.
  Status get_block_for_write(Inode* inode, uint64_t pgoff, uint64_t* pfn, bool* is_new);
  // Gives `inode`'s pages [first, first + nr) new blocks holding the data of
  // `from`'s pages [from_first, from_first + nr) (a hole stays a hole) and
  // frees the blocks they had. Caller holds `inode`'s invalidate_lock and
  // has broken its layouts. Errors: kNoSpace.
  Status replace_blocks(Inode* inode, uint64_t first, uint64_t nr, Inode* from, uint64_t from_first);
  // xfs_mmaplock_two_inodes_and_break_dax_layout(): returns with both
  // invalidate_locks held, or with neither on an error.
  Status mmaplock_two_inodes_and_break(Inode* ip1, Inode* ip2);
  // dax_iomap_pmd_fault() for `pgoff`, under the fault's invalidate_lock:
  // maps its whole aligned 2 MiB if the VMA covers it with no PTE table, it
  // lies below EOF, no PTE entry is in it, and its 512 blocks are written,
  // contiguous and 2 MiB-aligned on the device (iomap_length() >= PMD_SIZE);
  // returns false to fall back to PTEs otherwise.
  bool pmd_fault(Vma& vma, Inode* inode, uint64_t pgoff, bool write) REQUIRES_SHARED(inode->invalidate_lock_);
  // Allocates the aligned 2 MiB extent of `pgoff` if that 2 MiB of the file
  // has no block (page size 2m); `*pfn` is pgoff's block. Returns false if it
  // did not apply. Caller holds i_data_sem.
  bool alloc_pmd_extent(Inode* inode, uint64_t pgoff, uint64_t* pfn, Status* s) REQUIRES(inode->i_data_sem_);
  // dax_zero_range() over bytes [from, to) of one file page, if written.
  void zero_partial_page(Inode* inode, uint64_t from, uint64_t to);
  // The break of a layout change: the whole file, or (short-range) only the
  // pages [first, end) the change touches (none if the range is empty).
  Status break_for_change(Inode* inode, uint64_t first, uint64_t end)
      REQUIRES(inode->invalidate_lock_);
  // truncate_pagecache_range(): for DAX, unmap, then delete the DAX entries
  // of file pages [first, last]; otherwise drop the folios there.
  void truncate_dax_entries(Inode* inode, uint64_t first, uint64_t last)
      REQUIRES(inode->invalidate_lock_);
  // ext4_ext_remove_space(): frees the blocks of file pages [first, last] and
  // bumps the extent sequence.
  void free_blocks(Inode* inode, uint64_t first, uint64_t last);
  // The fallocate modes (ext4_punch_hole(), ext4_zero_range(),
  // ext4_collapse_range(), ext4_insert_range(), ext4_do_fallocate()).
  Status do_punch_hole(Inode* inode, uint64_t offset, uint64_t len);
  Status do_zero_range(Inode* inode, uint64_t offset, uint64_t len, bool keep_size);
  Status do_collapse_range(Inode* inode, uint64_t offset, uint64_t len);
  Status do_insert_range(Inode* inode, uint64_t offset, uint64_t len);
  Status do_preallocate(Inode* inode, uint64_t offset, uint64_t len, bool keep_size);
  // Gives every hole in file pages [first, last] an unwritten block; with
  // `convert_written`, written blocks become unwritten too
  // (EXT4_GET_BLOCKS_CONVERT_UNWRITTEN). Errors: kNoSpace.
  Status make_unwritten(Inode* inode, uint64_t first, uint64_t last, bool convert_written);
  // Inode eviction: waits for every busy page without dropping anything
  // (dax_break_layout_final()), then frees all blocks.
  void evict(Inode* inode);
  BreakContext break_context() { return BreakContext{options_.protocol->layout, *pages_, stats_, sink_}; }
  bool pmd_enabled() const { return options_.page_size == DaxPageSize::k2M; }

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
