#include "daxbreak/sync/mutex.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace daxbreak {
namespace {

TEST(MutexTest, MutualExclusion) {
  Mutex mu;
  long counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        MutexLock lock(&mu);
        ++counter;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter, 40000);
}

TEST(MutexTest, TryLock) {
  Mutex mu;
  if (mu.try_lock()) {
    bool other_took = true;
    std::thread t([&] {
      if (mu.try_lock()) {
        mu.unlock();
      } else {
        other_took = false;
      }
    });
    t.join();
    EXPECT_FALSE(other_took);
    mu.unlock();
  } else {
    ADD_FAILURE() << "try_lock of a free mutex failed";
  }
  MutexLock lock(&mu);  // Free again.
}

}  // namespace
}  // namespace daxbreak
