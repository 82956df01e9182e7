#include "daxbreak/fs/block_allocator.h"

#include <gtest/gtest.h>

#include "daxbreak/check/checker.h"

namespace daxbreak {
namespace {

TEST(BlockAllocatorTest, ReusesTheLastFreedBlockFirst) {
  PageArray pages(16, 1);
  BlockAllocator alloc(&pages, 1, 15, nullptr);
  uint64_t a = 0, b = 0, c = 0;
  ASSERT_TRUE(alloc.alloc_block(&a).ok());
  ASSERT_TRUE(alloc.alloc_block(&b).ok());
  EXPECT_EQ(a, 1u);
  EXPECT_EQ(b, 2u);
  alloc.free_block(a, 1, 0);
  ASSERT_TRUE(alloc.alloc_block(&c).ok());
  EXPECT_EQ(c, a) << "LIFO: a freed block goes to the next allocation";
}

TEST(BlockAllocatorTest, RunsOut) {
  PageArray pages(4, 1);
  BlockAllocator alloc(&pages, 1, 3, nullptr);
  uint64_t p = 0;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(alloc.alloc_block(&p).ok());
  EXPECT_EQ(alloc.alloc_block(&p).code(), StatusCode::kNoSpace);
}

TEST(BlockAllocatorTest, FreeingAPinnedBlockIsReported) {
  PageArray pages(4, 1);
  Checker checker;
  BlockAllocator alloc(&pages, 1, 3, &checker);
  uint64_t p = 0;
  ASSERT_TRUE(alloc.alloc_block(&p).ok());
  pages.get_page(p);
  alloc.free_block(p, 9, 8192);
  ASSERT_EQ(checker.violation_count(), 1u);
  const Violation v = checker.violations()[0];
  EXPECT_EQ(v.kind, ViolationKind::kPinnedBlockFreed);
  EXPECT_EQ(v.pfn, p);
  EXPECT_EQ(v.ino, 9u);
  EXPECT_EQ(v.file_offset, 8192u);
  pages.put_page(p);
  ASSERT_TRUE(alloc.alloc_block(&p).ok());
  alloc.free_block(p, 9, 0);
  EXPECT_EQ(checker.violation_count(), 1u);
}

}  // namespace
}  // namespace daxbreak
