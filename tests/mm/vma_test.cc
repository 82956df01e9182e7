#include "daxbreak/mm/vma.h"

#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "testing/test_rig.h"

namespace daxbreak {
namespace {

using testing::TestRig;

TEST(VmaTest, LoadsAndStoresFaultPagesIn) {
  TestRig rig;
  auto inode = rig.make_file("f", 2, 'x');
  auto vma = rig.mmap(inode.get(), 2, true);
  char buf[16] = {};
  ASSERT_TRUE(user_load(*vma, vma->address_of(1) + 100, buf, sizeof(buf)).ok());
  EXPECT_EQ(std::string(buf, 16), std::string(16, 'x'));
  const std::string msg = "hello dax";
  ASSERT_TRUE(user_store(*vma, vma->address_of(0) + 10, msg.data(), msg.size()).ok());
  std::string back(msg.size(), '\0');
  uint64_t done = 0;
  ASSERT_TRUE(rig.fs->read(inode.get(), 10, back.data(), back.size(), &done).ok());
  EXPECT_EQ(back, msg);
  EXPECT_EQ(rig.fs->stats().faults.load(), 2u);
}

TEST(VmaTest, HoleReadsZeroAndWriteAllocates) {
  TestRig rig;
  std::shared_ptr<Inode> inode;
  ASSERT_TRUE(rig.fs->create("h", &inode).ok());
  ASSERT_TRUE(rig.fs->truncate(inode.get(), 2 * kPageSize).ok());
  auto vma = rig.mmap(inode.get(), 2, true);
  char buf[8];
  std::memset(buf, 1, sizeof(buf));
  ASSERT_TRUE(user_load(*vma, vma->address_of(0), buf, sizeof(buf)).ok());
  EXPECT_EQ(buf[0], 0);
  EXPECT_EQ(inode->nr_blocks(), 0u) << "a read fault on a hole maps the zero page";
  ASSERT_TRUE(user_store(*vma, vma->address_of(0), "z", 1).ok());
  EXPECT_EQ(inode->nr_blocks(), 1u);
}

TEST(VmaTest, AccessBeyondEofIsSigbus) {
  TestRig rig;
  auto inode = rig.make_file("f", 1);
  auto vma = rig.mmap(inode.get(), 4, true);
  char c;
  Status s = user_load(*vma, vma->address_of(2), &c, 1);
  EXPECT_EQ(s.code(), StatusCode::kFault);
  EXPECT_NE(s.message().find("SIGBUS"), std::string::npos) << s.message();
  s = user_load(*vma, vma->vm_end(), &c, 1);
  EXPECT_EQ(s.code(), StatusCode::kFault);
}

TEST(VmaTest, UnmapZapsEveryVmaOfTheFile) {
  TestRig rig;
  auto inode = rig.make_file("f", 2);
  auto a = rig.mmap(inode.get(), 2, true);
  auto b = rig.mmap(inode.get(), 2, false);
  char c;
  ASSERT_TRUE(user_load(*a, a->address_of(1), &c, 1).ok());
  ASSERT_TRUE(user_load(*b, b->address_of(1), &c, 1).ok());
  EXPECT_EQ(inode->i_mapping_.unmap_mapping_pages(0, 2), 2u);
  EXPECT_FALSE(Vma::pte_present(a->pte(1).load()));
  EXPECT_FALSE(Vma::pte_present(b->pte(1).load()));
}

}  // namespace
}  // namespace daxbreak
