#include "daxbreak/fs/break_layouts.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include <gtest/gtest.h>

#include "daxbreak/mm/gup.h"
#include "daxbreak/sync/task.h"
#include "daxbreak/sync/sync_point.h"
#include "testing/test_rig.h"

namespace daxbreak {
namespace {

using testing::TestRig;

// Pins file pages [first, first + nr) of `vma` for write, as a DIO does.
std::vector<PinnedPage> Pin(Vma& vma, uint64_t first, uint64_t nr) {
  std::vector<PinnedPage> pinned;
  Status s = pin_user_pages(vma, vma.address_of(first), nr, FOLL_PIN | FOLL_WRITE, &pinned);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return pinned;
}

void WaitPassed(const char* point) {
  while (!SyncPoint::instance().passed(point)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

TEST(BreakLayoutsTest, FixedTruncateWaitsForThePin) {
  TestRig rig(BuiltinProtocol("fixed"));
  auto f = rig.make_file("f", 2);
  auto vma = rig.mmap(f.get(), 2, true);
  auto pinned = Pin(*vma, 1, 1);
  SyncPoint::instance().enable_processing();
  std::atomic<bool> done{false};
  std::thread truncator([&] {
    EXPECT_TRUE(rig.fs->truncate(f.get(), 0).ok());
    done = true;
  });
  WaitPassed("ext4_wait_dax_page:schedule");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(done.load()) << "truncate went on while a page was pinned";
  EXPECT_EQ(f->nr_blocks(), 2u);
  unpin_user_pages(*rig.pages, pinned);
  truncator.join();
  EXPECT_TRUE(done.load());
  EXPECT_EQ(f->nr_blocks(), 0u);
  EXPECT_EQ(rig.checker.violation_count(), 0u) << rig.checker.to_text();
  EXPECT_GE(rig.fs->stats().break_waits.load(), 1u);
}

TEST(BreakLayoutsTest, NoBreakFreesThePinnedBlock) {
  TestRig rig(BuiltinProtocol("no-break"));
  auto f = rig.make_file("f", 2);
  auto vma = rig.mmap(f.get(), 2, true);
  auto pinned = Pin(*vma, 1, 1);
  ASSERT_TRUE(rig.fs->truncate(f.get(), 0).ok());
  EXPECT_EQ(rig.checker.count(ViolationKind::kBusyPageDisassociated), 1u);
  EXPECT_EQ(rig.checker.count(ViolationKind::kPinnedBlockFreed), 1u);
  EXPECT_EQ(rig.checker.violations()[0].pfn, pinned[0].pfn);
  unpin_user_pages(*rig.pages, pinned);
}

TEST(BreakLayoutsTest, FaultBlocksWhileLayoutChangeHoldsTheFaultLock) {
  TestRig rig;
  auto f = rig.make_file("f", 1);
  auto vma = rig.mmap(f.get(), 1, true);
  SyncPoint::instance().enable_processing();
  f->invalidate_lock_.down_write();
  std::thread faulter([&] {
    char c;
    EXPECT_TRUE(user_load(*vma, vma->address_of(0), &c, 1).ok());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(SyncPoint::instance().passed("dax_iomap_pte_fault:locked"));
  f->invalidate_lock_.up_write();
  faulter.join();
  EXPECT_TRUE(SyncPoint::instance().passed("dax_iomap_pte_fault:locked"));
}

TEST(BreakLayoutsTest, SignalReturnsEintrWithNothingChanged) {
  TestRig rig;
  auto f = rig.make_file("f", 3, 'k');
  auto vma = rig.mmap(f.get(), 3, true);
  auto pinned = Pin(*vma, 2, 1);
  const uint64_t free_before = rig.fs->allocator()->free_blocks();
  SyncPoint::instance().set_callback("ext4_wait_dax_page:schedule", [] { send_signal(Task::current()); });
  SyncPoint::instance().enable_processing();
  Status s = rig.fs->truncate(f.get(), kPageSize);
  Task::current().clear_signal();
  EXPECT_EQ(s.code(), StatusCode::kInterrupted);
  EXPECT_EQ(s.err(), EINTR);
  EXPECT_EQ(f->size(), 3 * kPageSize);
  EXPECT_EQ(f->nr_blocks(), 3u);
  EXPECT_EQ(rig.fs->allocator()->free_blocks(), free_before);
  std::string data(3 * kPageSize, '\0');
  uint64_t done = 0;
  ASSERT_TRUE(rig.fs->read(f.get(), 0, data.data(), data.size(), &done).ok());
  EXPECT_EQ(data, std::string(3 * kPageSize, 'k'));
  EXPECT_EQ(rig.fs->stats().break_interrupted.load(), 1u);
  unpin_user_pages(*rig.pages, pinned);
  EXPECT_EQ(rig.checker.violation_count(), 0u);
}

// Whether `change` (on a 4-page mapped file whose page 3 is pinned) waits
// for that pin before it returns.
bool WaitsForPinOnPage3(const ProtocolTraits& protocol, const std::function<Status(DaxFs&, Inode*)>& change) {
  TestRig rig(protocol);
  auto f = rig.make_file("f", 4);
  auto vma = rig.mmap(f.get(), 4, true);
  auto pinned = Pin(*vma, 3, 1);
  SyncPoint::instance().enable_processing();
  std::atomic<bool> done{false};
  std::thread changer([&] {
    EXPECT_TRUE(change(*rig.fs, f.get()).ok());
    done = true;
  });
  for (int i = 0; i < 200 && !done.load() && !SyncPoint::instance().passed("ext4_wait_dax_page:schedule"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const bool waited = !done.load();
  unpin_user_pages(*rig.pages, pinned);
  changer.join();
  EXPECT_EQ(rig.checker.violation_count(), 0u) << rig.checker.to_text();
  return waited;
}

// ext4 and xfs break the whole file for every layout change: a punch of
// pages 0-1 waits for a pin on page 3, and so does truncate up. The ranged
// form (short-range) waits for neither.
TEST(BreakLayoutsTest, EveryLayoutChangeBreaksTheWholeFile) {
  const auto punch = [](DaxFs& fs, Inode* f) { return fs.punch_hole(f, 0, 2 * kPageSize); };
  const auto grow = [](DaxFs& fs, Inode* f) { return fs.truncate(f, 8 * kPageSize); };
  EXPECT_TRUE(WaitsForPinOnPage3(BuiltinProtocol("fixed"), punch));
  EXPECT_TRUE(WaitsForPinOnPage3(BuiltinProtocol("fixed"), grow));
  EXPECT_FALSE(WaitsForPinOnPage3(BuiltinProtocol("short-range"), punch));
  EXPECT_FALSE(WaitsForPinOnPage3(BuiltinProtocol("short-range"), grow));
}

TEST(BreakLayoutsTest, BusyScanUnmapsFirst) {
  TestRig rig;
  auto f = rig.make_file("f", 2);
  auto vma = rig.mmap(f.get(), 2, true);
  char c;
  ASSERT_TRUE(user_load(*vma, vma->address_of(0), &c, 1).ok());
  ASSERT_TRUE(Vma::pte_present(vma->pte(0).load()));
  const BreakContext ctx{DefaultProtocol().layout, *rig.pages, rig.fs->stats()};
  EXPECT_EQ(dax_layout_busy_page_range(ctx, f.get(), 0, 1), 0u);
  EXPECT_FALSE(Vma::pte_present(vma->pte(0).load()));
  auto pinned = Pin(*vma, 1, 1);
  EXPECT_EQ(dax_layout_busy_page_range(ctx, f.get(), 0, 1), pinned[0].pfn);
  unpin_user_pages(*rig.pages, pinned);
}

}  // namespace
}  // namespace daxbreak
