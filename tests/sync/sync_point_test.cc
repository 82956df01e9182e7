#include "daxbreak/sync/sync_point.h"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "daxbreak/sync/mutex.h"

namespace daxbreak {
namespace {

class SyncPointTest : public ::testing::Test {
 protected:
  void SetUp() override { SyncPoint::instance().reset(); }
  void TearDown() override { SyncPoint::instance().reset(); }
};

TEST_F(SyncPointTest, DependencyForcesOrder) {
  SyncPoint& sp = SyncPoint::instance();
  sp.load_dependency({{"A", "B"}});
  sp.enable_processing();
  Mutex mu;
  std::vector<std::string> order;
  std::thread second([&] {
    DAXBREAK_SYNC_POINT("B");
    MutexLock lock(&mu);
    order.push_back("B");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  {
    MutexLock lock(&mu);
    order.push_back("A");
  }
  DAXBREAK_SYNC_POINT("A");
  second.join();
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0], "A");
  EXPECT_EQ(order[1], "B");
  EXPECT_TRUE(sp.passed("A"));
  EXPECT_TRUE(sp.passed("B"));
}

TEST_F(SyncPointTest, CallbackRunsAtThePoint) {
  SyncPoint& sp = SyncPoint::instance();
  int hits = 0;
  sp.set_callback("P", [&] { ++hits; });
  DAXBREAK_SYNC_POINT("P");  // Disabled: no callback.
  EXPECT_EQ(hits, 0);
  sp.enable_processing();
  DAXBREAK_SYNC_POINT("P");
  DAXBREAK_SYNC_POINT("P");
  EXPECT_EQ(hits, 2);
}

}  // namespace
}  // namespace daxbreak
