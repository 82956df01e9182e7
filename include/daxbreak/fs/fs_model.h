// File-system models: the file-system axis beside the protocol axis. A
// protocol row (fs/protocol.h) is about the DAX core (fs/dax.c, mm/gup.c);
// a file-system model says what the file system above it does: in which lock
// order its layout changes run, where it calls the break and over which
// range, and its own paths (xfs's two-inode remap, virtiofs's DAX window
// reclaim). docs/models/filesystems.md cites each call site.
//
// Rows are looked up by name (`--fs ext4|xfs|virtiofs`); ext4 is the default,
// and the model DaxFs ran before the axis existed. Users add their own with
// RegisterFsModel().
//
// Thread-safety: the built-in table is constant. RegisterFsModel() must not
// run concurrently with look-ups; the returned pointers stay valid for the
// life of the process.

#ifndef DAXBREAK_FS_FS_MODEL_H_
#define DAXBREAK_FS_FS_MODEL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daxbreak/base/status.h"
#include "daxbreak/fs/protocol.h"

namespace daxbreak {

// What the file system's code does, as DaxFs reads it.
struct FsModelTraits {
  // fallocate() breaks the layouts for every mode, preallocation included
  // (xfs: __xfs_file_fallocate() calls xfs_break_layouts(BREAK_UNMAP) before
  // its switch). false: ext4, whose ext4_do_fallocate() removes nothing and
  // does not break.
  bool break_on_preallocate = false;
  // fallocate() without KEEP_SIZE breaks even for preallocation (virtiofs:
  // fuse_file_fallocate()'s block_faults is !KEEP_SIZE || PUNCH_HOLE ||
  // ZERO_RANGE).
  bool break_on_size_change_preallocate = false;
  // fallocate() supports COLLAPSE_RANGE and INSERT_RANGE (ext4, xfs); false:
  // kNotSupported, as fuse_file_fallocate() returns EOPNOTSUPP.
  bool collapse_insert = true;
  // The two-inode remap (reflink, dedupe, exchange-range) exists: xfs,
  // xfs_ilock2_io_mmap(). false: DaxFs::remap_range() returns kNotSupported.
  bool remap_two_inodes = false;
  // The second inode of the remap is broken with no wait: its busy page makes
  // the remap drop both MMAPLOCKs and start again (xfs from 6.15:
  // dax_break_layout(ip2, 0, -1, NULL) returns -ERESTARTSYS; before, a busy
  // page with page_ref_count() != 1). Both forms act the same in the model.
  bool remap_nowait_second_break = false;
  // File pages are reached through DAX windows that the file system reclaims
  // while files stay mapped (virtiofs: lookup_and_reclaim_dmap(),
  // inode_inline_reclaim_one_dmap()); `dax_window_pages` pages each (FUSE_DAX_SZ, 2 MiB,
  // is 512 pages of 4 KiB). 0: no windows, reclaim_dax_window() returns
  // kNotSupported.
  uint64_t dax_window_pages = 0;
};

struct FsModel {
  std::string_view name;         // CLI name: "ext4", "xfs", "virtiofs".
  std::string_view lock_order;   // The locks a layout change takes, in order, and where it breaks.
  std::string_view break_sites;  // The kernel functions that call the break, and their range.
  std::string_view quirks;       // What the file system does that the others do not.
  std::string_view cites;        // Sources (functions checked in the 6.1, 6.12 and 7.3 trees).
  FsModelTraits traits;

  // Re-points the strings at keep(s) (Registry::add(), base/registry.h).
  template <class Keep>
  void keep_strings(Keep keep) {
    name = keep(name), lock_order = keep(lock_order), break_sites = keep(break_sites);
    quirks = keep(quirks), cites = keep(cites);
  }
};

// Every file-system model: the built-in rows (ext4, xfs, virtiofs), then the
// registered ones.
std::vector<const FsModel*> AllFsModels();
// The row named `name`, or nullptr.
const FsModel* FindFsModel(std::string_view name);
// A built-in row by name; aborts if there is none (for code and tests).
const FsModel& BuiltinFsModel(std::string_view name);
// ext4: the model every run used before the axis, and the default.
inline const FsModel& DefaultFsModel() { return BuiltinFsModel("ext4"); }
// "ext4, xfs, virtiofs", for error messages.
std::string FsModelNameList();
// Adds `row` (its strings are copied). Errors: kInvalidArgument (empty
// name), kExists (taken). Not thread-safe against look-ups.
Status RegisterFsModel(const FsModel& row);

// " --fs NAME" for a command line that reruns a cell, or "" for ext4 (the
// default), so that commands and reports of ext4 runs read as before the axis.
inline std::string FsOptionText(const FsModel& fs) {
  return fs.name == "ext4" ? std::string() : " --fs " + std::string(fs.name);
}

// Whether a comma-separated list of file-system names (a protocol row's or a
// scenario's `applies_to`) includes `fs`; an empty list includes every one.
bool FsListIncludes(std::string_view list, std::string_view fs);
// Whether `protocol` applies to `fs` (ProtocolTraits::applies_to).
inline bool ProtocolAppliesTo(const ProtocolTraits& protocol, std::string_view fs) {
  return FsListIncludes(protocol.applies_to, fs);
}
// The first file system (registry order, so ext4 when it can) that both
// `protocol` and a scenario's `applies_to` list include, or nullptr.
const FsModel* FirstApplicableFs(const ProtocolTraits& protocol, std::string_view scenario_applies_to);

}  // namespace daxbreak

#endif  // DAXBREAK_FS_FS_MODEL_H_
