#include "daxbreak/sync/wait_var.h"

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

namespace daxbreak {
namespace {

TEST(WaitVarTest, WakeAfterConditionChange) {
  std::atomic<int> var{1};
  std::thread waker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    var.store(0);
    wake_up_var(&var);
  });
  Status s = wait_var_event(&var, [&] { return var.load() == 0; }, false);
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(var.load(), 0);
  waker.join();
}

TEST(WaitVarTest, ConditionTestedBeforeCommand) {
  // The property the retry-flag bug hangs on: a condition that already holds
  // returns without running the sleep command at all.
  int var = 0;
  bool cmd_ran = false;
  Status s = wait_var_event(&var, [] { return true; }, true,
                            [&](const WaitSleeper&) { cmd_ran = true; });
  EXPECT_TRUE(s.ok());
  EXPECT_FALSE(cmd_ran);
}

TEST(WaitVarTest, CommandRunsAroundTheSleep) {
  std::atomic<int> var{1};
  int cmd_runs = 0;
  std::thread waker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    var.store(0);
    wake_up_var(&var);
  });
  Status s = wait_var_event(&var, [&] { return var.load() == 0; }, false,
                            [&](const WaitSleeper& sleeper) {
                              ++cmd_runs;
                              sleeper.schedule();
                            });
  waker.join();
  EXPECT_TRUE(s.ok());
  EXPECT_GE(cmd_runs, 1);
}

TEST(WaitVarTest, SignalInterruptsInterruptibleWait) {
  std::atomic<int> var{1};
  std::atomic<Task*> waiter_task{nullptr};
  Status result;
  std::thread waiter([&] {
    waiter_task = &Task::current();
    result = wait_var_event(&var, [&] { return var.load() == 0; }, true);
    Task::current().clear_signal();
  });
  while (waiter_task.load() == nullptr) {
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  send_signal(*waiter_task.load());
  waiter.join();
  EXPECT_EQ(result.code(), StatusCode::kInterrupted);
  EXPECT_EQ(var.load(), 1);
}

TEST(WaitVarTest, WakeOnAnotherKeyOfTheSameBucketIsNotHeard) {
  // The wake-key bug's mechanism, and var_wake_function()'s key filter: a wake
  // on another key leaves the waiter asleep even when both keys hash to the
  // same queue; only the right key wakes it.
  static char keys[1 << 16];
  const void* var_key = &keys[0];
  const void* other = nullptr;
  for (size_t i = 1; i < sizeof(keys); ++i) {
    if (WaitTable::bucket_of(&keys[i]) == WaitTable::bucket_of(var_key)) {
      other = &keys[i];
      break;
    }
  }
  ASSERT_NE(other, nullptr);
  std::atomic<int> var{1};
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    (void)wait_var_event(var_key, [&] { return var.load() == 0; }, false);
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  var.store(0);
  wake_up_var(other);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(done.load()) << "a wake on another key of the same bucket woke the waiter";
  wake_up_var(var_key);
  waiter.join();
  EXPECT_TRUE(done.load());
}

}  // namespace
}  // namespace daxbreak
