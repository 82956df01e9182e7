// The iomap layer: a path asks the file system for the mapping of a file
// range (iomap_begin), drops the lock that produced it, and later uses it.
// The mapping carries a validity cookie, the inode's extent sequence sampled
// under i_data_sem, so that a path holding the folio lock (or the DAX entry
// lock) can tell whether the extent map changed since (iomap_valid). The
// sequence advances on every change of the extent map and only then
// (es_inc_seq(), called by every path that changes extents).
//
// Source: fs/iomap/iter.c and fs/iomap/buffered-io.c (iomap_write_begin()'s
// ->iomap_valid() call), xfs_iomap_valid() (fs/xfs/xfs_iomap.c) and ext4's
// i_es_seq (docs/models/iomap.md, 'The fix: a validity cookie' and 'Rules for
// the counter'; on the lists: Dave Chinner, linux-xfs, January 2023, and Jan
// Kara, linux-ext4, December 2024).
//
// Thread-safety: the functions take the locks they need; an Iomap is a
// value owned by the path that asked for it.

#ifndef DAXBREAK_FS_IOMAP_H_
#define DAXBREAK_FS_IOMAP_H_

#include <cstdint>
#include <string_view>

#include "daxbreak/fs/inode.h"
#include "daxbreak/fs/protocol.h"

namespace daxbreak {

enum class IomapType {
  kHole,       // IOMAP_HOLE: no block.
  kUnwritten,  // IOMAP_UNWRITTEN: a block that reads as zeros.
  kMapped,     // IOMAP_MAPPED: a written block.
};
// "hole", "unwritten", "mapped".
std::string_view IomapTypeName(IomapType type);

// One file page's mapping (the model maps a page at a time; the kernel's
// struct iomap covers a run of pages of one type).
struct Iomap {
  IomapType type = IomapType::kHole;
  uint64_t pgoff = 0;           // File page (4 KiB) the mapping is of.
  uint64_t pfn = 0;             // Device page; 0 for a hole.
  uint64_t validity_cookie = 0; // i_es_seq when the mapping was made.
};

// ext4_iomap_begin() / xfs_buffered_write_iomap_begin() for a lookup: the
// extent of file page `pgoff` and the extent sequence, read together under
// i_data_sem shared, so the cookie is never older than the mapping.
Iomap iomap_begin(Inode& inode, uint64_t pgoff);

// ->iomap_valid(): whether the extent sequence still equals the mapping's
// cookie (xfs_iomap_valid(): READ_ONCE of the sequence, no lock). A correct
// sequence makes "valid" imply "the extent map did not change".
bool iomap_valid(const Inode& inode, const Iomap& iomap);

// The oracle's question, not the kernel's: whether `iomap` still says what
// the extent map says now (type and block). Takes i_data_sem shared.
bool iomap_matches_extent_map(Inode& inode, const Iomap& iomap);

// ext4_es_inc_seq(): advances the extent sequence after a change of the
// extent map, as `how` says. kAtomic is one atomic step; kReadThenWrite
// (`racy-seq`) is a load and a store, two scheduling points, so two
// overlapping increments can lose one and move the counter back.
void es_inc_seq(Inode& inode, SeqUpdate how);

}  // namespace daxbreak

#endif  // DAXBREAK_FS_IOMAP_H_
