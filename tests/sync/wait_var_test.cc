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

TEST(WaitVarTest, WakeOnAnotherKeyIsNotHeard) {
  // The wake-key bug's mechanism: a wake on a key of another queue leaves the
  // waiter asleep; only the right key wakes it.
  std::atomic<int> var{1};
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    (void)wait_var_event(&var, [&] { return var.load() == 0; }, false);
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  var.store(0);
  // Find a key whose queue differs from var's (a different bucket): waking it
  // must not wake the waiter.
  const WaitTicket mine = prepare_to_wait_var(&var);
  static char others[4096];
  const void* other = nullptr;
  for (char& c : others) {
    if (prepare_to_wait_var(&c).bucket != mine.bucket) {
      other = &c;
      break;
    }
  }
  ASSERT_NE(other, nullptr);
  wake_up_var(other);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(done.load()) << "a wake on another queue woke the waiter";
  wake_up_var(&var);
  waiter.join();
  EXPECT_TRUE(done.load());
}

}  // namespace
}  // namespace daxbreak
