// The fallocate modes and unwritten extents, against ext4's rules: argument
// checks (EINVAL, EOPNOTSUPP, EFBIG), what each mode does to sizes, blocks and
// bytes, where collapse and insert move blocks, and how unwritten extents
// read, fault and convert.

#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "daxbreak/fs/dax_fs.h"
#include "daxbreak/mm/gup.h"
#include "testing/test_rig.h"

namespace daxbreak {
namespace {

using testing::TestRig;

// A file of one page per character of `pages`, each page filled with it.
std::shared_ptr<Inode> Pages(TestRig& rig, const std::string& name, const std::string& pages) {
  std::shared_ptr<Inode> f;
  EXPECT_TRUE(rig.fs->create(name, &f).ok());
  for (size_t i = 0; i < pages.size(); ++i) {
    const std::string block(kPageSize, pages[i]);
    EXPECT_TRUE(rig.fs->write(f.get(), i * kPageSize, block.data(), kPageSize).ok());
  }
  return f;
}

// The first byte of every page of the file ('0' for a zero byte).
std::string FirstBytes(TestRig& rig, Inode* f) {
  std::string out;
  for (uint64_t p = 0; p * kPageSize < f->size(); ++p) {
    const char c = rig.read(f, p * kPageSize, 1)[0];
    out += c == '\0' ? '0' : c;
  }
  return out;
}

TEST(FallocateTest, ArgumentRulesFollowVfsAndExt4) {
  TestRig rig;
  auto f = Pages(rig, "f", "abcd");
  DaxFs& fs = *rig.fs;
  auto code = [&](uint32_t mode, uint64_t off, uint64_t len) { return fs.fallocate(f.get(), mode, off, len).code(); };
  EXPECT_EQ(code(0, 0, 0), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(0x40, 0, kPageSize), StatusCode::kNotSupported);
  EXPECT_EQ(code(kFallocPunchHole, 0, kPageSize), StatusCode::kNotSupported);
  EXPECT_EQ(code(kFallocPunchHole | kFallocZeroRange | kFallocKeepSize, 0, kPageSize), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(kFallocCollapseRange | kFallocKeepSize, 0, kPageSize), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(kFallocInsertRange | kFallocKeepSize, 0, kPageSize), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(kFallocCollapseRange, 100, kPageSize), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(kFallocCollapseRange, 0, 100), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(kFallocCollapseRange, 2 * kPageSize, 2 * kPageSize), StatusCode::kInvalidArgument)
      << "a collapse that reaches EOF is a truncate, and ext4 refuses it";
  EXPECT_EQ(code(kFallocInsertRange, 4 * kPageSize, kPageSize), StatusCode::kInvalidArgument)
      << "insert at EOF";
  EXPECT_EQ(code(kFallocInsertRange, kPageSize, 10), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(0, kMaxFileBytes, kPageSize), StatusCode::kTooBig);
  EXPECT_EQ(code(kFallocInsertRange, 0, kMaxFileBytes), StatusCode::kTooBig);
  EXPECT_EQ(fs.truncate(f.get(), kMaxFileBytes + 1).code(), StatusCode::kTooBig);
  EXPECT_EQ(FirstBytes(rig, f.get()), "abcd") << "a refused call changes nothing";
}

TEST(FallocateTest, PreallocationGivesUnwrittenExtentsThatReadZero) {
  TestRig rig;
  // A freed block with old bytes in it is the next one handed out (LIFO):
  // the unwritten extent must not show them.
  auto old = Pages(rig, "old", "o");
  ASSERT_TRUE(rig.fs->unlink("old").ok());
  std::shared_ptr<Inode> f;
  ASSERT_TRUE(rig.fs->create("f", &f).ok());
  ASSERT_TRUE(rig.fs->fallocate(f.get(), kFallocKeepSize, 0, 2 * kPageSize).ok());
  EXPECT_EQ(f->size(), 0u) << "KEEP_SIZE";
  EXPECT_EQ(f->nr_blocks(), 2u);
  ASSERT_TRUE(rig.fs->fallocate(f.get(), 0, 0, 3 * kPageSize).ok());
  EXPECT_EQ(f->size(), 3 * kPageSize);
  EXPECT_EQ(f->nr_blocks(), 3u);
  for (const auto& [pgoff, e] : f->extents_snapshot()) EXPECT_TRUE(e.unwritten) << pgoff;
  EXPECT_EQ(rig.read(f.get(), 0, 3 * kPageSize), std::string(3 * kPageSize, '\0'));
  // A write converts its page after zeroing it.
  ASSERT_TRUE(rig.fs->write(f.get(), 100, "w", 1).ok());
  Extent e;
  ASSERT_TRUE(f->lookup_extent(0, &e));
  EXPECT_FALSE(e.unwritten);
  EXPECT_EQ(rig.read(f.get(), 0, kPageSize), std::string(100, '\0') + "w" + std::string(kPageSize - 101, '\0'));
  EXPECT_EQ(rig.fs->stats().unwritten_converted.load(), 1u);
}

TEST(FallocateTest, FaultsOnUnwrittenExtents) {
  TestRig rig;
  std::shared_ptr<Inode> f;
  ASSERT_TRUE(rig.fs->create("f", &f).ok());
  ASSERT_TRUE(rig.fs->fallocate(f.get(), 0, 0, 2 * kPageSize).ok());
  auto vma = rig.mmap(f.get(), 2, true);
  char c = 'x';
  ASSERT_TRUE(user_load(*vma, vma->address_of(0), &c, 1).ok());
  EXPECT_EQ(c, '\0');
  EXPECT_EQ(Vma::pte_pfn(vma->pte(0).load()), kZeroPfn) << "a read fault on unwritten maps the zero page";
  ASSERT_TRUE(user_store(*vma, vma->address_of(1), "s", 1).ok());
  Extent e;
  ASSERT_TRUE(f->lookup_extent(1, &e));
  EXPECT_FALSE(e.unwritten) << "a write fault converts";
  EXPECT_EQ(rig.read(f.get(), kPageSize, 2), std::string("s") + '\0');
  // A read pin (a DIO write from the mapping) of an unwritten page takes the
  // zero page: no block reference, nothing converted.
  std::vector<PinnedPage> pinned;
  ASSERT_TRUE(f->i_mapping_.unmap_mapping_pages(0, 2) >= 1);
  ASSERT_TRUE(pin_user_pages(*vma, vma->address_of(0), 1, FOLL_PIN, &pinned).ok());
  ASSERT_EQ(pinned.size(), 1u);
  EXPECT_EQ(pinned[0].pfn, kZeroPfn);
  ASSERT_TRUE(f->lookup_extent(0, &e));
  EXPECT_TRUE(e.unwritten);
  unpin_user_pages(*rig.pages, pinned);
}

TEST(FallocateTest, ZeroRangeUnwritesWholePagesAndZeroesTheEdges) {
  TestRig rig;
  auto f = Pages(rig, "f", "zzzz");
  const auto before = f->extents_snapshot();
  ASSERT_TRUE(rig.fs->fallocate(f.get(), kFallocZeroRange | kFallocKeepSize, kPageSize - 10, 2 * kPageSize + 20).ok());
  EXPECT_EQ(f->size(), 4 * kPageSize);
  const auto after = f->extents_snapshot();
  ASSERT_EQ(after.size(), 4u) << "zero range keeps the blocks";
  for (uint64_t p = 0; p < 4; ++p) EXPECT_EQ(after.at(p).pfn, before.at(p).pfn);
  EXPECT_FALSE(after.at(0).unwritten);
  EXPECT_TRUE(after.at(1).unwritten);
  EXPECT_TRUE(after.at(2).unwritten);
  EXPECT_FALSE(after.at(3).unwritten);
  EXPECT_EQ(rig.read(f.get(), kPageSize - 12, 4), std::string("zz") + std::string(2, '\0'));
  EXPECT_EQ(rig.read(f.get(), 3 * kPageSize + 8, 4), std::string(2, '\0') + "zz");
  ASSERT_TRUE(rig.fs->fallocate(f.get(), kFallocZeroRange, 4 * kPageSize, kPageSize).ok());
  EXPECT_EQ(f->size(), 5 * kPageSize) << "without KEEP_SIZE zero range grows the file";
}

TEST(FallocateTest, CollapseMovesLaterBlocksDown) {
  TestRig rig;
  auto f = Pages(rig, "f", "abcd");
  const auto before = f->extents_snapshot();
  const uint64_t free_before = rig.fs->allocator()->free_blocks();
  ASSERT_TRUE(rig.fs->fallocate(f.get(), kFallocCollapseRange, kPageSize, kPageSize).ok());
  EXPECT_EQ(f->size(), 3 * kPageSize);
  EXPECT_EQ(FirstBytes(rig, f.get()), "acd");
  const auto after = f->extents_snapshot();
  EXPECT_EQ(after.at(1).pfn, before.at(2).pfn) << "blocks move, bytes are not copied";
  EXPECT_EQ(after.at(2).pfn, before.at(3).pfn);
  EXPECT_EQ(rig.fs->allocator()->free_blocks(), free_before + 1);
}

TEST(FallocateTest, InsertMovesBlocksUpAndLeavesAHole) {
  TestRig rig;
  auto f = Pages(rig, "f", "abc");
  ASSERT_TRUE(rig.fs->fallocate(f.get(), kFallocInsertRange, kPageSize, 2 * kPageSize).ok());
  EXPECT_EQ(f->size(), 5 * kPageSize);
  EXPECT_EQ(FirstBytes(rig, f.get()), "a00bc");
  EXPECT_EQ(f->nr_blocks(), 3u);
}

// IOMAP_F_NEW: a write that allocates a block under a page a read fault had
// mapped to the zero page must make the mapping show the new bytes.
TEST(FallocateTest, AllocatingWriteReplacesTheZeroPageMapping) {
  TestRig rig;
  std::shared_ptr<Inode> f;
  ASSERT_TRUE(rig.fs->create("f", &f).ok());
  ASSERT_TRUE(rig.fs->truncate(f.get(), kPageSize).ok());
  auto vma = rig.mmap(f.get(), 1, true);
  char c = 'x';
  ASSERT_TRUE(user_load(*vma, vma->address_of(0), &c, 1).ok());
  ASSERT_EQ(c, '\0');
  ASSERT_TRUE(rig.fs->write(f.get(), 0, "n", 1).ok());
  ASSERT_TRUE(user_load(*vma, vma->address_of(0), &c, 1).ok());
  EXPECT_EQ(c, 'n') << "the zero page stayed mapped after the write allocated the block";
  DaxEntry entry;
  ASSERT_TRUE(f->i_pages_.lookup(0, &entry));
  EXPECT_FALSE(entry.zero);
}

}  // namespace
}  // namespace daxbreak
