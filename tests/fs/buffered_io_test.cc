#include "daxbreak/fs/buffered_io.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "testing/test_rig.h"

namespace daxbreak {
namespace {

using testing::TestRig;

// A page-cache file of `pages` unwritten pages.
std::shared_ptr<Inode> MakeCachedFile(TestRig& rig, uint64_t pages) {
  std::shared_ptr<Inode> f;
  EXPECT_TRUE(rig.fs->create("cached", &f, /*dax=*/false).ok());
  EXPECT_TRUE(rig.fs->fallocate(f.get(), 0, 0, pages * kPageSize).ok());
  return f;
}

std::string Read(BufferedIo& bio, Inode* f, uint64_t off, uint64_t len) {
  std::string out(len, '?');
  bio.read(f, off, out.data(), len);
  return out;
}

TEST(IomapTest, MappingAndCookieFollowTheExtentMap) {
  TestRig rig;
  std::shared_ptr<Inode> f = MakeCachedFile(rig, 2);
  const Iomap before = iomap_begin(*f, 0);
  EXPECT_EQ(before.type, IomapType::kUnwritten);
  EXPECT_EQ(iomap_begin(*f, 5).type, IomapType::kHole);
  EXPECT_TRUE(iomap_valid(*f, before));
  EXPECT_TRUE(iomap_matches_extent_map(*f, before));
  ASSERT_TRUE(rig.fs->punch_hole(f.get(), 0, kPageSize).ok());
  EXPECT_FALSE(iomap_valid(*f, before)) << "punch changed the extent map but not the sequence";
  EXPECT_FALSE(iomap_matches_extent_map(*f, before));
}

TEST(IomapTest, EachIncrementAdvancesByOne) {
  Inode inode(1, "x", /*dax=*/false);
  es_inc_seq(inode, SeqUpdate::kAtomic);
  es_inc_seq(inode, SeqUpdate::kReadThenWrite);
  EXPECT_EQ(inode.i_es_seq_.peek(), 2u);
}

TEST(BufferedIoTest, WriteWritebackConvertReclaimRead) {
  TestRig rig;
  std::shared_ptr<Inode> f = MakeCachedFile(rig, 2);
  BufferedIo bio(rig.device.get(), rig.fs->allocator(), DefaultProtocol().iomap, &rig.checker);
  ASSERT_TRUE(bio.write(f.get(), 100, "hello", 5).ok());
  EXPECT_EQ(Read(bio, f.get(), 98, 9), std::string("\0\0hello\0\0", 9)) << "unwritten reads as zeros";
  EXPECT_EQ(f->i_folios_.nr_folios(), 1u);
  const uint64_t seq = f->i_es_seq_.peek();
  ASSERT_TRUE(bio.writeback(f.get()).ok());
  Extent e;
  ASSERT_TRUE(f->lookup_extent(0, &e));
  EXPECT_FALSE(e.unwritten) << "writeback completion converts the extent";
  EXPECT_EQ(f->i_es_seq_.peek(), seq + 1);
  bio.reclaim(f.get());
  EXPECT_EQ(f->i_folios_.nr_folios(), 0u);
  EXPECT_EQ(Read(bio, f.get(), 100, 5), "hello") << "read back from the block";
  // A partial write to a page no longer cached fills the folio from the block.
  ASSERT_TRUE(bio.write(f.get(), 0, "ab", 2).ok());
  EXPECT_EQ(Read(bio, f.get(), 0, 105), "ab" + std::string(98, '\0') + "hello");
  EXPECT_EQ(rig.checker.violation_count(), 0u);
}

TEST(BufferedIoTest, DirtyFolioIsNotReclaimedAndHolesGetBlocksAtWriteback) {
  TestRig rig;
  std::shared_ptr<Inode> f;
  ASSERT_TRUE(rig.fs->create("hole", &f, /*dax=*/false).ok());
  BufferedIo bio(rig.device.get(), rig.fs->allocator(), DefaultProtocol().iomap, &rig.checker);
  ASSERT_TRUE(bio.write(f.get(), kPageSize, "x", 1).ok());
  EXPECT_EQ(f->size(), kPageSize + 1);
  bio.reclaim(f.get());
  EXPECT_EQ(f->i_folios_.nr_folios(), 1u) << "a dirty folio was dropped";
  EXPECT_EQ(f->nr_blocks(), 0u);
  ASSERT_TRUE(bio.writeback(f.get()).ok());
  EXPECT_EQ(f->nr_blocks(), 1u);
  EXPECT_EQ(iomap_begin(*f, 1).type, IomapType::kMapped);
}

TEST(BufferedIoTest, TruncateDropsFoliosAndTheirData) {
  TestRig rig;
  std::shared_ptr<Inode> f = MakeCachedFile(rig, 2);
  BufferedIo bio(rig.device.get(), rig.fs->allocator(), DefaultProtocol().iomap, &rig.checker);
  const std::string data(2 * kPageSize, 'd');
  ASSERT_TRUE(bio.write(f.get(), 0, data.data(), data.size()).ok());
  ASSERT_TRUE(rig.fs->truncate(f.get(), kPageSize).ok());
  EXPECT_EQ(f->i_folios_.nr_folios(), 1u);
  EXPECT_EQ(Read(bio, f.get(), kPageSize, 4), std::string(4, '\0'));
  EXPECT_EQ(Read(bio, f.get(), 0, 4), "dddd");
}

}  // namespace
}  // namespace daxbreak
