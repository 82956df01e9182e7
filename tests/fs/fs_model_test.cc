// The file-system axis (fs/fs_model.h): the registry, which rows apply where,
// and each file system's break call sites as DaxFs runs them: how many times
// each layout change breaks (FsStats::breaks) on ext4, xfs and virtiofs, which
// modes a file system refuses, and what the remap and the window reclaim do
// to the data.

#include "daxbreak/fs/fs_model.h"

#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "daxbreak/fs/dax_fs.h"
#include "testing/test_rig.h"

namespace daxbreak {
namespace {

using testing::TestRig;

TEST(FsModelTest, RegistryHasTheThreeFileSystemsAndExt4IsTheDefault) {
  std::string names;
  for (const FsModel* f : AllFsModels()) names += std::string(f->name) + " ";
  EXPECT_EQ(names, "ext4 xfs virtiofs ");
  EXPECT_EQ(DefaultFsModel().name, "ext4");
  EXPECT_EQ(FindFsModel("btrfs"), nullptr);
  EXPECT_EQ(FsModelNameList(), "ext4, xfs, virtiofs");
  FsModel taken;
  taken.name = "xfs";
  EXPECT_EQ(RegisterFsModel(taken).code(), StatusCode::kExists);
}

TEST(FsModelTest, FsListsAndApplicability) {
  EXPECT_TRUE(FsListIncludes("", "virtiofs"));
  EXPECT_TRUE(FsListIncludes("ext4,xfs", "xfs"));
  EXPECT_TRUE(FsListIncludes("ext4, xfs", "xfs"));
  EXPECT_FALSE(FsListIncludes("ext4,xfs", "virtiofs"));
  EXPECT_FALSE(FsListIncludes("xfs", "xf"));
  EXPECT_TRUE(ProtocolAppliesTo(BuiltinProtocol("fixed"), "virtiofs"));
  EXPECT_FALSE(ProtocolAppliesTo(BuiltinProtocol("virtiofs-page0"), "ext4"));
  EXPECT_TRUE(ProtocolAppliesTo(BuiltinProtocol("virtiofs-page0"), "virtiofs"));
  EXPECT_FALSE(ProtocolAppliesTo(BuiltinProtocol("eintr-partial"), "xfs"));
  EXPECT_EQ(FirstApplicableFs(BuiltinProtocol("fixed"), "")->name, "ext4");
  EXPECT_EQ(FirstApplicableFs(BuiltinProtocol("fixed"), "xfs")->name, "xfs");
  EXPECT_EQ(FirstApplicableFs(BuiltinProtocol("virtiofs-page0"), "")->name, "virtiofs");
  EXPECT_EQ(FirstApplicableFs(BuiltinProtocol("no-break"), "virtiofs"), nullptr);
  EXPECT_EQ(FsOptionText(DefaultFsModel()), "");
  EXPECT_EQ(FsOptionText(BuiltinFsModel("xfs")), " --fs xfs");
}

// The breaks one call makes on a fresh 4-page file, or -1 if it fails with
// kNotSupported.
int BreaksOf(const char* fs_name, const std::function<Status(DaxFs&, Inode*, Inode*)>& op) {
  TestRig rig(DefaultProtocol(), 4, TlbFlushMode::kIpi, BuiltinFsModel(fs_name));
  auto f = rig.make_file("f", 4);
  auto g = rig.make_file("g", 4, 'b');
  const uint64_t before = rig.fs->stats().breaks.load();
  const Status s = op(*rig.fs, f.get(), g.get());
  if (s.code() == StatusCode::kNotSupported) return -1;
  EXPECT_TRUE(s.ok()) << fs_name << ": " << s.ToString();
  return static_cast<int>(rig.fs->stats().breaks.load() - before);
}

struct SiteCase {
  const char* op;
  std::function<Status(DaxFs&, Inode*, Inode*)> run;
  int ext4, xfs, virtiofs;  // Breaks, or -1 for kNotSupported.
};

TEST(FsModelTest, EachFileSystemBreaksWhereItsKernelCodeDoes) {
  const uint64_t P = kPageSize;
  const SiteCase cases[] = {
      {"truncate down", [&](DaxFs& fs, Inode* f, Inode*) { return fs.truncate(f, P); }, 1, 1, 1},
      {"truncate up", [&](DaxFs& fs, Inode* f, Inode*) { return fs.truncate(f, 8 * P); }, 1, 1, 1},
      {"punch hole", [&](DaxFs& fs, Inode* f, Inode*) { return fs.punch_hole(f, P, P); }, 1, 1, 1},
      {"zero range", [&](DaxFs& fs, Inode* f, Inode*) { return fs.fallocate(f, kFallocZeroRange, 0, P); }, 1, 1, 1},
      // ext4_do_fallocate() does not break; __xfs_file_fallocate() breaks for
      // every mode; fuse_file_fallocate() only without KEEP_SIZE.
      {"prealloc keep-size",
       [&](DaxFs& fs, Inode* f, Inode*) { return fs.fallocate(f, kFallocKeepSize, 4 * P, P); }, 0, 1, 0},
      {"prealloc", [&](DaxFs& fs, Inode* f, Inode*) { return fs.fallocate(f, 0, 4 * P, P); }, 0, 1, 1},
      {"collapse", [&](DaxFs& fs, Inode* f, Inode*) { return fs.fallocate(f, kFallocCollapseRange, 0, P); }, 1, 1,
       -1},
      {"insert", [&](DaxFs& fs, Inode* f, Inode*) { return fs.fallocate(f, kFallocInsertRange, 0, P); }, 1, 1, -1},
      // xfs_ilock2_io_mmap(): a full break of one inode, a no-wait one of
      // the other.
      {"remap", [&](DaxFs& fs, Inode* f, Inode* g) { return fs.remap_range(f, 0, g, P, P); }, -1, 2, -1},
      {"window reclaim", [&](DaxFs& fs, Inode* f, Inode*) { return fs.reclaim_dax_window(f, 0); }, -1, -1, 1},
  };
  for (const SiteCase& c : cases) {
    EXPECT_EQ(BreaksOf("ext4", c.run), c.ext4) << c.op << " on ext4";
    EXPECT_EQ(BreaksOf("xfs", c.run), c.xfs) << c.op << " on xfs";
    EXPECT_EQ(BreaksOf("virtiofs", c.run), c.virtiofs) << c.op << " on virtiofs";
  }
}

TEST(FsModelTest, RemapCopiesTheSourceAndFreesTheOldBlocks) {
  TestRig rig(DefaultProtocol(), 4, TlbFlushMode::kIpi, BuiltinFsModel("xfs"));
  auto f = rig.make_file("f", 2, 's');
  auto g = rig.make_file("g", 2, 'd');
  const uint64_t freed = rig.fs->stats().blocks_freed.load();
  ASSERT_TRUE(rig.fs->remap_range(f.get(), kPageSize, g.get(), 0, kPageSize).ok());
  EXPECT_EQ(rig.read(g.get(), 0, 1), "s");
  EXPECT_EQ(rig.read(g.get(), kPageSize, 1), "d");
  EXPECT_EQ(rig.fs->stats().blocks_freed.load() - freed, 1u);
  EXPECT_EQ(rig.fs->stats().remaps.load(), 1u);
  EXPECT_EQ(rig.fs->remap_range(f.get(), 1, g.get(), 0, kPageSize).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(rig.fs->remap_range(f.get(), 0, g.get(), 0, 4 * kPageSize).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(rig.fs->remap_range(f.get(), 0, f.get(), 0, kPageSize).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(rig.checker.violations().empty());
}

TEST(FsModelTest, WindowReclaimKeepsTheDataAndMovesItToNewBlocks) {
  TestRig rig(DefaultProtocol(), 4, TlbFlushMode::kIpi, BuiltinFsModel("virtiofs"));
  auto f = rig.make_file("f", 3, 'w');
  const uint64_t freed = rig.fs->stats().blocks_freed.load();
  ASSERT_TRUE(rig.fs->reclaim_dax_window(f.get(), 0).ok());
  EXPECT_EQ(rig.read(f.get(), 0, 3 * kPageSize), std::string(3 * kPageSize, 'w'));
  EXPECT_EQ(rig.fs->stats().blocks_freed.load() - freed, 3u);
  EXPECT_EQ(f->nr_blocks(), 3u);
  // A window past the file has nothing to move.
  EXPECT_TRUE(rig.fs->reclaim_dax_window(f.get(), 1).ok());
  EXPECT_EQ(rig.fs->stats().window_reclaims.load(), 2u);
  EXPECT_TRUE(rig.checker.violations().empty());
}

}  // namespace
}  // namespace daxbreak
