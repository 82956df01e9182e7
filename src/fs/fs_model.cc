#include "daxbreak/fs/fs_model.h"

#include <fmt/format.h>
#include <cstdlib>

#include "daxbreak/base/registry.h"
#include "daxbreak/base/report_sink.h"

namespace daxbreak {
namespace {

// The built-in rows. Function names were checked in the Debian source trees
// of 6.1, 6.12 and 7.3 (docs/models/filesystems.md).
const FsModel kBuiltin[] = {
    {.name = "ext4",
     .lock_order = "i_rwsem, inode_dio_wait(), invalidate_lock, ext4_break_layouts(), the change",
     .break_sites = "ext4_setattr() (size change), ext4_punch_hole(), ext4_zero_range() (whole pages), "
                    "ext4_collapse_range(), ext4_insert_range(): the whole file; not preallocation (6.1's "
                    "shape; 6.12 and 7.3 break once in ext4_fallocate() for every mode but preallocation); "
                    "ext4_evict_inode(): dax_break_layout_final() (6.15)",
     .quirks = "the sleep drops only invalidate_lock (ext4_wait_dax_page()); preallocation does not break",
     .cites = "fs/ext4/inode.c ext4_break_layouts(), ext4_setattr(); fs/ext4/extents.c ext4_zero_range(), "
              "ext4_collapse_range(), ext4_insert_range(); 430657b6be89 \"ext4: handle layout changes to "
              "pinned DAX mappings\"",
     .traits = FsModelTraits{}},
    {.name = "xfs",
     .lock_order = "XFS_IOLOCK_EXCL (i_rwsem), XFS_MMAPLOCK_EXCL (invalidate_lock), "
                   "xfs_break_layouts(BREAK_UNMAP), inode_dio_wait(), the change",
     .break_sites = "__xfs_file_fallocate(): every mode, preallocation included; xfs_vn_setattr() for a "
                    "size change (xfs_vn_setattr_size()); xfs_ilock2_io_mmap() for reflink, dedupe and "
                    "exchange-range (both inodes); xfs_fs_evict_inode()'s dax_break_layout_final() (6.15)",
     .quirks = "BREAK_UNMAP falls through into xfs_break_leased_layouts(), which may cycle the iolock and "
               "retry (no pNFS leases in the model: it finds none); the remap breaks the lower-numbered "
               "inode with xfs_break_dax_layouts() and the other with no wait, dropping both MMAPLOCKs "
               "and starting again while it is busy",
     .cites = "fs/xfs/xfs_inode.c xfs_break_layouts(), xfs_break_dax_layouts(), "
              "xfs_mmaplock_two_inodes_and_break_dax_layout(), xfs_ilock2_io_mmap(); fs/xfs/xfs_file.c "
              "__xfs_file_fallocate(); fs/xfs/xfs_iops.c xfs_vn_setattr(); fs/xfs/xfs_pnfs.c "
              "xfs_break_leased_layouts(); the no-wait dax_break_layout(ip2, 0, -1, NULL) is in 7.3, "
              "dax_layout_busy_page() with page_ref_count() != 1 in 6.1 and 6.12",
     .traits = FsModelTraits{.break_on_preallocate = true,
                             .remap_two_inodes = true,
                             .remap_nowait_second_break = true}},
    {.name = "virtiofs",
     .lock_order = "i_rwsem, invalidate_lock, fuse_dax_break_layouts(), the change (FUSE_SETATTR or "
                   "FUSE_FALLOCATE to the server); window reclaim: invalidate_lock, "
                   "fuse_dax_break_layouts() of the window, fi->dax->sem, FUSE_REMOVEMAPPING",
     .break_sites = "fuse_do_setattr() (truncate) and fuse_file_fallocate() (punch hole, zero range, "
                    "and any mode without KEEP_SIZE): fuse_dax_break_layouts(inode, 0, -1), the whole "
                    "file; lookup_and_reclaim_dmap() and inode_inline_reclaim_one_dmap(): the "
                    "window's range; fuse_evict_inode(): dax_break_layout_final() (6.15)",
     .quirks = "no collapse or insert range (EOPNOTSUPP); a file's pages live in 2 MiB DAX windows of "
               "the device that the file system reclaims under live mappings; before the 6.15 fix the "
               "truncate and punch break covered page 0 only (row virtiofs-page0)",
     .cites = "fs/fuse/dax.c fuse_dax_break_layouts(), lookup_and_reclaim_dmap(), "
              "inode_inline_reclaim_one_dmap(), fuse_dax_inode_cleanup(); "
              "fs/fuse/dir.c fuse_do_setattr(); fs/fuse/file.c fuse_file_fallocate(); \"fuse: fix dax "
              "truncate/punch_hole fault path\" (6.15; in Debian's 6.1.135-1 and 6.12.25-1 changelogs)",
     .traits = FsModelTraits{.break_on_size_change_preallocate = true,
                             .collapse_insert = false,
                             .dax_window_pages = 512}},
};

Registry<FsModel>& FsModels() {
  static auto* registry = new Registry<FsModel>("file system", kBuiltin);  // Never destroyed.
  return *registry;
}

}  // namespace

std::vector<const FsModel*> AllFsModels() { return FsModels().all(); }

const FsModel* FindFsModel(std::string_view name) { return FsModels().find(name); }

const FsModel& BuiltinFsModel(std::string_view name) {
  for (const FsModel& f : kBuiltin) {
    if (f.name == name) return f;
  }
  ReportText(fmt::format("daxbreak: no built-in file system '{}'\n", name));
  std::abort();
}

std::string FsModelNameList() { return FsModels().names(); }

Status RegisterFsModel(const FsModel& row) { return FsModels().add(row); }

bool FsListIncludes(std::string_view list, std::string_view fs) {
  if (list.empty()) return true;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (item == fs) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

const FsModel* FirstApplicableFs(const ProtocolTraits& protocol, std::string_view scenario_applies_to) {
  for (const FsModel* f : AllFsModels()) {
    if (ProtocolAppliesTo(protocol, f->name) && FsListIncludes(scenario_applies_to, f->name)) return f;
  }
  return nullptr;
}

}  // namespace daxbreak
