#include "daxbreak/fs/dax_fs.h"

#include <string>

#include <gtest/gtest.h>

#include "testing/test_rig.h"

namespace daxbreak {
namespace {

using testing::TestRig;

TEST(DaxFsTest, CreateLookupUnlink) {
  TestRig rig;
  std::shared_ptr<Inode> a, b;
  ASSERT_TRUE(rig.fs->create("a", &a).ok());
  EXPECT_EQ(rig.fs->create("a", &b).code(), StatusCode::kExists);
  ASSERT_TRUE(rig.fs->lookup("a", &b).ok());
  EXPECT_EQ(a, b);
  ASSERT_TRUE(rig.fs->unlink("a").ok());
  EXPECT_EQ(rig.fs->lookup("a", &b).code(), StatusCode::kNotFound);
  EXPECT_EQ(rig.fs->unlink("a").code(), StatusCode::kNotFound);
}

TEST(DaxFsTest, WriteReadAcrossPagesAndHoles) {
  TestRig rig;
  std::shared_ptr<Inode> f;
  ASSERT_TRUE(rig.fs->create("f", &f).ok());
  const std::string data(6000, 'q');
  ASSERT_TRUE(rig.fs->write(f.get(), 3 * kPageSize + 100, data.data(), data.size()).ok());
  EXPECT_EQ(f->size(), 3 * kPageSize + 100 + 6000);
  EXPECT_EQ(f->nr_blocks(), 2u);
  EXPECT_EQ(rig.read(f.get(), 3 * kPageSize + 100, 6000), data);
  EXPECT_EQ(rig.read(f.get(), 0, 10), std::string(10, '\0'));  // Hole.
  EXPECT_EQ(rig.read(f.get(), f->size() - 5, 100).size(), 5u);  // EOF.
}

TEST(DaxFsTest, TruncateDownFreesAndZeroesTail) {
  TestRig rig;
  auto f = rig.make_file("f", 4, 'x');
  const uint64_t free_before = rig.fs->allocator()->free_blocks();
  ASSERT_TRUE(rig.fs->truncate(f.get(), kPageSize + 10).ok());
  EXPECT_EQ(f->size(), kPageSize + 10);
  EXPECT_EQ(f->nr_blocks(), 2u);
  EXPECT_EQ(rig.fs->allocator()->free_blocks(), free_before + 2);
  ASSERT_TRUE(rig.fs->truncate(f.get(), 2 * kPageSize).ok());  // Up again.
  EXPECT_EQ(rig.read(f.get(), kPageSize, 20), std::string(10, 'x') + std::string(10, '\0'));
  EXPECT_EQ(rig.checker.violation_count(), 0u);
}

TEST(DaxFsTest, PunchHoleFreesWholePagesZeroesPartial) {
  TestRig rig;
  auto f = rig.make_file("f", 4, 'y');
  // Bytes [4086, 8212): the last 10 bytes of page 0, all of page 1, the
  // first 20 bytes of page 2.
  ASSERT_TRUE(rig.fs->punch_hole(f.get(), kPageSize - 10, kPageSize + 30).ok());
  EXPECT_EQ(f->size(), 4 * kPageSize);
  EXPECT_EQ(f->nr_blocks(), 3u);  // Page 1 freed; 0 and 2 partly zeroed.
  EXPECT_EQ(rig.read(f.get(), kPageSize - 12, 4), std::string("yy") + std::string(2, '\0'));
  EXPECT_EQ(rig.read(f.get(), 2 * kPageSize + 18, 4), std::string(2, '\0') + "yy");
  EXPECT_EQ(rig.read(f.get(), kPageSize, 4), std::string(4, '\0'));
  EXPECT_EQ(rig.fs->punch_hole(f.get(), 0, 0).code(), StatusCode::kInvalidArgument);
}

TEST(DaxFsTest, NoSpaceIsAnError) {
  TestRig rig(BuiltinProtocol("fixed"), 1);  // 255 data pages.
  std::shared_ptr<Inode> f;
  ASSERT_TRUE(rig.fs->create("big", &f).ok());
  const std::string data(300 * kPageSize, 'z');
  EXPECT_EQ(rig.fs->write(f.get(), 0, data.data(), data.size()).code(), StatusCode::kNoSpace);
}

TEST(DaxFsTest, UnlinkOfMappedFileWaitsForUnmount) {
  TestRig rig;
  auto f = rig.make_file("f", 2);
  const uint64_t free_before = rig.fs->allocator()->free_blocks();
  {
    auto vma = rig.mmap(f.get(), 2, true);
    ASSERT_TRUE(rig.fs->unlink("f").ok());
    EXPECT_EQ(rig.fs->allocator()->free_blocks(), free_before);
  }
  rig.fs->unmount();
  EXPECT_EQ(rig.fs->allocator()->free_blocks(), free_before + 2);
}

}  // namespace
}  // namespace daxbreak
