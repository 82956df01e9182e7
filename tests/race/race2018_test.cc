// The race of the 2018 report (Ross Zwisler, "ext4: close race between direct
// IO and ext4_break_layouts()", b1f382178d15), made deterministic with sync
// points:
//
//   DIO (this thread)                 truncate (thread T)
//   pin X and Y
//                                     unmap; scan -> X is busy
//   unpin X  (the DIO's bio for X completes)
//                                     ___wait_var_event(X): condition already
//                                       true, the sleep command never runs
//                                     retry-flag: retry == false -> leave loop
//                                       -> free Y while the DIO still pins it
//                                     fixed: scan again -> Y busy -> sleep
//   unpin Y                           wake, scan clean, free
//
// Both sides are proved: the buggy variant is caught, the fixed one is clean.

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "daxbreak/mm/gup.h"
#include "daxbreak/sync/task.h"
#include "daxbreak/sync/sync_point.h"
#include "testing/test_rig.h"

namespace daxbreak {
namespace {

using testing::TestRig;

struct RaceOutcome {
  uint64_t y_pfn = 0;
  bool truncate_slept = false;
};

RaceOutcome RunRace(TestRig& rig) {
  auto file = rig.make_file("victim", 2);
  auto vma = rig.mmap(file.get(), 2, true);
  std::vector<PinnedPage> pinned;
  EXPECT_TRUE(pin_user_pages(*vma, vma->address_of(0), 2, FOLL_PIN | FOLL_WRITE, &pinned).ok());
  const PinnedPage x = pinned[0], y = pinned[1];

  SyncPoint& sp = SyncPoint::instance();
  sp.load_dependency({
      {"dax_layout_busy_page_range:return", "Race2018:unpin_x"},
      {"Race2018:x_unpinned", "break_layouts:before_wait"},
  });
  sp.enable_processing();
  std::atomic<bool> done{false};
  std::thread truncator([&] {
    Task::current().set_name("truncate");
    EXPECT_TRUE(rig.fs->truncate(file.get(), 0).ok());
    done = true;
  });
  DAXBREAK_SYNC_POINT("Race2018:unpin_x");
  rig.pages->put_page(x.pfn, PutPath::kPut, x.refs);  // Its pin: GUP_PIN_COUNTING_BIAS.
  DAXBREAK_SYNC_POINT("Race2018:x_unpinned");
  // Complete Y's part of the DIO once truncate sleeps, or once it is done.
  while (!done.load() && !sp.passed("ext4_wait_dax_page:schedule")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  RaceOutcome out;
  out.y_pfn = y.pfn;
  out.truncate_slept = sp.passed("ext4_wait_dax_page:schedule");
  rig.pages->put_page(y.pfn, PutPath::kPut, y.refs);
  truncator.join();
  EXPECT_EQ(file->nr_blocks(), 0u);
  return out;
}

TEST(Race2018Test, RetryFlagFreesAStillPinnedPage) {
  TestRig rig(BuiltinProtocol("retry-flag"));
  const RaceOutcome out = RunRace(rig);
  EXPECT_FALSE(out.truncate_slept);
  EXPECT_EQ(rig.checker.count(ViolationKind::kPinnedBlockFreed), 1u) << rig.checker.to_text();
  EXPECT_EQ(rig.checker.count(ViolationKind::kBusyPageDisassociated), 1u);
  for (const Violation& v : rig.checker.violations()) {
    EXPECT_EQ(v.pfn, out.y_pfn);
    EXPECT_EQ(v.thread, "truncate");
    EXPECT_EQ(v.file_offset, kPageSize);
  }
}

TEST(Race2018Test, FixedWaitsForTheSecondPage) {
  TestRig rig(BuiltinProtocol("fixed"));
  const RaceOutcome out = RunRace(rig);
  EXPECT_TRUE(out.truncate_slept);
  EXPECT_EQ(rig.checker.violation_count(), 0u) << rig.checker.to_text();
  EXPECT_GE(rig.fs->stats().break_waits.load(), 2u);
}

}  // namespace
}  // namespace daxbreak
