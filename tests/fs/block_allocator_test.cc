#include "daxbreak/fs/block_allocator.h"

#include <utility>
#include <vector>

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

TEST(BlockAllocatorTest, ReservesBackingAheadOfTheBumpPointerAndReportsAFullDevice) {
  PageArray pages(64, 1);
  std::vector<std::pair<uint64_t, uint64_t>> reserved;
  bool full = false;
  BlockReservation r{[&](uint64_t first, uint64_t end) {
                       if (full) return Status::NoSpace("backing file system full");
                       reserved.emplace_back(first, end);
                       return Status::Ok();
                     },
                     /*reserved_end_pfn=*/8, /*chunk_pages=*/16};
  BlockAllocator alloc(&pages, 1, 30, nullptr, r);
  uint64_t p = 0;
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(alloc.alloc_block(&p).ok());
  EXPECT_TRUE(reserved.empty()) << "pfns 1..7 were reserved at open";
  ASSERT_TRUE(alloc.alloc_block(&p).ok());
  EXPECT_EQ(p, 8u);
  ASSERT_EQ(reserved.size(), 1u);
  EXPECT_EQ(reserved[0], std::make_pair(uint64_t{8}, uint64_t{24}));
  alloc.free_block(p, 1, 0);
  ASSERT_TRUE(alloc.alloc_block(&p).ok());
  EXPECT_EQ(reserved.size(), 1u) << "a reused block is backed already";
  for (int i = 0; i < 15; ++i) ASSERT_TRUE(alloc.alloc_block(&p).ok());
  full = true;
  const Status s = alloc.alloc_block(&p);
  EXPECT_EQ(s.code(), StatusCode::kNoSpace);
  EXPECT_NE(s.message().find("backing"), std::string::npos) << s.message();
  full = false;
  ASSERT_TRUE(alloc.alloc_block(&p).ok()) << "a failed reserve is tried again";
  EXPECT_EQ(reserved.back(), std::make_pair(uint64_t{24}, uint64_t{31})) << "the last chunk stops at the device end";
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
