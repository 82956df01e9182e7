#include "daxbreak/mm/gup.h"

#include <gtest/gtest.h>

#include "daxbreak/fs/protocol.h"
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
    EXPECT_EQ(rig.pages->page_ref_count(p.pfn), 1 + kGupPinCountingBias);  // FOLL_PIN of an order-0 page.
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

// pin_user_pages_partial(): GUP fails on page 1 (beyond EOF) after pinning
// page 0, which stays pinned with the era's reference (a bio keeps it) until
// the caller releases it; pin_user_pages() (above) undoes it instead.
TEST(GupTest, PartialPinKeepsThePagesBeforeTheFailure) {
  for (const char* row : {"fixed", "bio-release-no-wake"}) {  // FOLL_PIN, FOLL_GET.
    TestRig rig(BuiltinProtocol(row));
    auto inode = rig.make_file("f", 1);
    auto vma = rig.mmap(inode.get(), 2, true);
    const uint32_t ref = rig.pages->dio_ref() == DioRef::kFollPin ? uint32_t{FOLL_PIN} : 0u;
    std::vector<PinnedPage> pinned;
    Status s = pin_user_pages_partial(*vma, vma->address_of(0), 2, ref | FOLL_WRITE, &pinned);
    EXPECT_EQ(s.code(), StatusCode::kFault) << row;
    ASSERT_EQ(pinned.size(), 1u) << row;
    EXPECT_EQ(pinned[0].index, 0u);
    const uint32_t held = ref ? kGupPinCountingBias : 1u;
    EXPECT_EQ(rig.pages->page_ref_count(pinned[0].pfn), rig.pages->idle_refcount() + held) << row;
    unpin_user_pages(*rig.pages, pinned, PutPath::kBioRelease);
    EXPECT_TRUE(rig.pages->page_is_idle(pinned[0].pfn)) << row;
  }
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
  EXPECT_EQ(rig.pages->page_ref_count(pinned[0].pfn), 1 + kGupPinCountingBias)
      << "the backed-off reference must be dropped";
  unpin_user_pages(*rig.pages, pinned);
}

// The DIO reference per era: FOLL_GET (+1) for the rows of kernels before
// a7e689dd1c06 (6.5), FOLL_PIN (+GUP_PIN_COUNTING_BIAS) after; either way
// the page is busy while referenced and back at idle after the release.
TEST(GupTest, DioReferencePerEra) {
  struct Era {
    const char* row;
    DioRef ref;
    uint32_t refs;
  };
  for (const Era& era : {Era{"linux-6.1-stable", DioRef::kFollGet, 1u}, Era{"no-break", DioRef::kFollGet, 1u},
                         Era{"fixed", DioRef::kFollPin, kGupPinCountingBias},
                         Era{"modern", DioRef::kFollPin, kGupPinCountingBias}}) {
    const ProtocolTraits& p = BuiltinProtocol(era.row);
    TestRig rig(p);
    EXPECT_EQ(rig.pages->dio_ref(), era.ref) << era.row;
    auto inode = rig.make_file("f", 1);
    auto vma = rig.mmap(inode.get(), 1, true);
    const uint32_t flags = (era.ref == DioRef::kFollPin ? uint32_t{FOLL_PIN} : 0u) | FOLL_WRITE;
    std::vector<PinnedPage> pinned;
    ASSERT_TRUE(pin_user_pages(*vma, vma->address_of(0), 1, flags, &pinned).ok());
    ASSERT_EQ(pinned.size(), 1u);
    EXPECT_EQ(pinned[0].refs, era.refs) << era.row;
    const uint32_t mapped = rig.pages->page_mapcount(pinned[0].pfn);  // 6.15: the PTE's reference.
    EXPECT_EQ(rig.pages->page_ref_count(pinned[0].pfn), p.layout.idle_refcount + mapped + era.refs) << era.row;
    EXPECT_FALSE(rig.pages->page_is_unpinned(pinned[0].pfn)) << era.row;
    unpin_user_pages(*rig.pages, pinned, PutPath::kBioRelease);
    EXPECT_TRUE(rig.pages->page_is_unpinned(pinned[0].pfn)) << era.row;
  }
}

// A FOLL_PIN of a subpage of a 6.15 2 MiB folio adds 1 to the folio (and
// to _pincount, not modeled), not the bias.
TEST(GupTest, PinOfALargeFolioAddsOne) {
  TestRig rig(BuiltinProtocol("modern"), 8, TlbFlushMode::kIpi, DaxPageSize::k2M);
  auto inode = rig.make_file("f", kPmdPages);
  auto vma = rig.mmap(inode.get(), kPmdPages, true);
  std::vector<PinnedPage> pinned;
  ASSERT_TRUE(pin_user_pages(*vma, vma->address_of(3), 1, FOLL_PIN | FOLL_WRITE, &pinned).ok());
  ASSERT_EQ(pinned.size(), 1u);
  EXPECT_EQ(pinned[0].refs, 1u);
  EXPECT_EQ(rig.pages->page_ref_count(pinned[0].pfn), 2u);  // The PMD mapping and the pin.
  unpin_user_pages(*rig.pages, pinned);
  EXPECT_EQ(rig.pages->page_ref_count(pinned[0].pfn), 1u);
}

}  // namespace
}  // namespace daxbreak
