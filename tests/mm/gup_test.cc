#include "daxbreak/mm/gup.h"

#include <gtest/gtest.h>

#include "daxbreak/sync/sync_point.h"
#include "testing/test_rig.h"

namespace daxbreak {
namespace {

using testing::TestRig;

TEST(GupTest, SlowPathFaultsThenFastPathPins) {
  TestRig rig;
  auto inode = rig.make_file("f", 2);
  auto vma = rig.mmap(inode.get(), 2, true);
  GupStats stats;
  std::vector<PinnedPage> pinned;
  ASSERT_TRUE(pin_user_pages(*vma, vma->address_of(0), 2, FOLL_PIN | FOLL_WRITE, &pinned, &stats).ok());
  ASSERT_EQ(pinned.size(), 2u);
  EXPECT_EQ(stats.slow_pins.load(), 2u);
  for (const PinnedPage& p : pinned) {
    EXPECT_EQ(rig.pages->page_ref_count(p.pfn), 2u);
    EXPECT_EQ(p.ino, inode->ino());
  }
  unpin_user_pages(*rig.pages, pinned);
  pinned.clear();
  ASSERT_TRUE(pin_user_pages(*vma, vma->address_of(0), 2, FOLL_PIN | FOLL_WRITE, &pinned, &stats).ok());
  EXPECT_EQ(stats.fast_pins.load(), 2u);
  unpin_user_pages(*rig.pages, pinned);
  EXPECT_TRUE(rig.pages->page_is_idle(pinned[0].pfn));
}

TEST(GupTest, LongtermPinOfFsDaxIsRefused) {
  TestRig rig;
  auto inode = rig.make_file("f", 1);
  auto vma = rig.mmap(inode.get(), 1, true);
  std::vector<PinnedPage> pinned;
  Status s = pin_user_pages(*vma, vma->address_of(0), 1, FOLL_PIN | FOLL_LONGTERM, &pinned);
  EXPECT_EQ(s.code(), StatusCode::kNotSupported);
  EXPECT_EQ(s.err(), EOPNOTSUPP);
  EXPECT_TRUE(pinned.empty());
}

TEST(GupTest, FailedPinLeavesNothingPinned) {
  TestRig rig;
  auto inode = rig.make_file("f", 1);  // Page 1 is beyond EOF.
  auto vma = rig.mmap(inode.get(), 2, true);
  std::vector<PinnedPage> pinned;
  Status s = pin_user_pages(*vma, vma->address_of(0), 2, FOLL_PIN | FOLL_WRITE, &pinned);
  EXPECT_EQ(s.code(), StatusCode::kFault);
  EXPECT_TRUE(pinned.empty());
  uint64_t pfn = 0;
  ASSERT_TRUE(inode->lookup_block(0, &pfn));
  EXPECT_TRUE(rig.pages->page_is_idle(pfn));
}

TEST(GupTest, FastPathBacksOffWhenUnmapRacesIt) {
  // GUP-fast takes its reference; before it re-reads the PTE, a layout change
  // zaps it. The fast path must drop the reference and fall back to the
  // slow path, which faults the page in again.
  TestRig rig;
  auto inode = rig.make_file("f", 1);
  auto vma = rig.mmap(inode.get(), 1, true);
  char c;
  ASSERT_TRUE(user_store(*vma, vma->address_of(0), &c, 1).ok());  // Map it writable.
  const uint64_t faults_before = rig.fs->stats().faults.load();
  SyncPoint& sp = SyncPoint::instance();
  int zaps = 0;
  sp.set_callback("gup_fast:after_ref", [&] {
    if (zaps++ == 0) inode->i_mapping_.unmap_mapping_pages(0, 1);
  });
  sp.enable_processing();
  GupStats stats;
  std::vector<PinnedPage> pinned;
  ASSERT_TRUE(pin_user_pages(*vma, vma->address_of(0), 1, FOLL_PIN | FOLL_WRITE, &pinned, &stats).ok());
  sp.reset();
  EXPECT_EQ(stats.fast_backoffs.load(), 1u);
  EXPECT_EQ(stats.fast_pins.load(), 0u);
  EXPECT_EQ(stats.slow_pins.load(), 1u);
  EXPECT_EQ(rig.fs->stats().faults.load(), faults_before + 1);
  ASSERT_EQ(pinned.size(), 1u);
  EXPECT_EQ(rig.pages->page_ref_count(pinned[0].pfn), 2u) << "the backed-off reference must be dropped";
  unpin_user_pages(*rig.pages, pinned);
}

}  // namespace
}  // namespace daxbreak
