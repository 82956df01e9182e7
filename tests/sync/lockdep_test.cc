#include "daxbreak/sync/lockdep.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "daxbreak/sync/mutex.h"
#include "daxbreak/sync/rwsem.h"

namespace daxbreak {
namespace {

class Collect : public ViolationSink {
 public:
  void report(Violation v) override { seen.push_back(std::move(v)); }
  std::vector<Violation> seen;
};

// The process-wide graph, reporting to `sink` for the test's length and
// emptied before and after, so no test sees another's edges or leaves its
// sink behind.
class LockdepTest : public ::testing::Test {
 protected:
  LockdepTest() {
    graph().reset();
    graph().set_sink(&sink);
  }
  ~LockdepTest() override {
    graph().set_sink(nullptr);
    graph().reset();
  }
  static LockOrderGraph& graph() { return LockOrderGraph::free_mode(); }

  Collect sink;
};

// On plain threads, through the process-wide graph: the same two classes in
// both orders, each order on its own thread and never at the same time, are
// one cycle; the same order again is nothing new.
TEST_F(LockdepTest, BothOrdersAreOneCycleEvenWithoutContention) {
  Mutex a("class_a");
  RwSem b("class_b");
  std::thread([&] {
    MutexLock la(&a);
    WriteLock lb(&b);
  }).join();
  EXPECT_TRUE(sink.seen.empty());
  std::thread([&] {
    MutexLock la(&a);
    ReadLock lb(&b);
  }).join();
  EXPECT_TRUE(sink.seen.empty()) << "the same order twice";
  std::thread([&] {
    ReadLock lb(&b);
    MutexLock la(&a);
  }).join();
  ASSERT_EQ(sink.seen.size(), 1u);
  EXPECT_EQ(sink.seen[0].kind, ViolationKind::kLockOrderCycle);
  EXPECT_NE(sink.seen[0].detail.find("class_a -> class_b"), std::string::npos) << sink.seen[0].detail;
}

// A wait for an event counts as taking its class: holding X while waiting
// for "writeback", against a completion inside "writeback" taking X.
TEST_F(LockdepTest, AWaitIsAnAcquisition) {
  Mutex x("class_x");
  std::thread([&] {
    MutexLock lx(&x);
    lockdep_wait("writeback");
  }).join();
  std::thread([&] {
    LockdepScope completing("writeback");
    MutexLock lx(&x);
  }).join();
  ASSERT_EQ(sink.seen.size(), 1u);
  EXPECT_NE(sink.seen[0].detail.find("writeback"), std::string::npos);
}

// Without a sink nothing is recorded.
TEST(LockdepOffTest, OffWithoutASink) {
  LockOrderGraph& g = LockOrderGraph::free_mode();
  g.reset();
  Mutex a("off_a"), b("off_b");
  {
    MutexLock la(&a);
    MutexLock lb(&b);
  }
  EXPECT_EQ(g.edges(), 0u);
}

}  // namespace
}  // namespace daxbreak
