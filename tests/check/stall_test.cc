// The stall steps of check/stall.h: the decision table, and the driver
// against a fake layout thread whose sleep ends the way each cause says.

#include "daxbreak/check/stall.h"

#include <atomic>
#include <cerrno>
#include <thread>

#include <gtest/gtest.h>

namespace daxbreak {
namespace {

TEST(StallOutcomeTest, EachStepDecidesInOrder) {
  EXPECT_EQ(ClassifyStallOutcome(true, std::nullopt, false), StallCause::kReleasedByStoppingIo);
  EXPECT_EQ(ClassifyStallOutcome(false, 0, false), StallCause::kLostWakeup);
  EXPECT_EQ(ClassifyStallOutcome(false, EINTR, true), StallCause::kMappingHeldReference);
  EXPECT_EQ(ClassifyStallOutcome(false, EINTR, false), StallCause::kStillBusy);
  EXPECT_EQ(ClassifyStallOutcome(false, std::nullopt, false), StallCause::kStillBusy);
  EXPECT_EQ(StallCauseName(StallCause::kLostWakeup), "lost wake-up");
}

// A layout thread asleep until the fake kernel lets it go: `release_on` is
// the step that ends the sleep, `result` what the sleep returns then.
enum class Step { kIoStop, kSignal, kUnmap, kNever };

class FakeKernel : public StallProbe {
 public:
  FakeKernel(Step release_on, int signal_result) : release_on_(release_on), signal_result_(signal_result) {}
  std::string where() override { return "fake_wait"; }
  void stop_io() override { if (release_on_ == Step::kIoStop) wake(0); }
  void send_signal() override {
    if (release_on_ == Step::kSignal || release_on_ == Step::kUnmap) wake(signal_result_);
  }
  void unmap() override { unmapped_ = true; }
  // The layout thread: one change asleep until woken, then retries while held.
  void run(LayoutWatch& w) {
    w.begin("truncate");
    while (woken_.load() < 0) std::this_thread::yield();
    w.end(woken_.load());
    while (!done_.load()) {
      if (w.take_retry()) {
        w.begin("truncate");
        // After munmap the retried change completes only if the mapping held the reference.
        while (!(unmapped_.load() && release_on_ == Step::kUnmap) && !done_.load()) std::this_thread::yield();
        w.end(0);
      }
      std::this_thread::yield();
    }
  }
  void finish() { done_ = true; woken_ = 0; }

 private:
  void wake(int result) { woken_.store(result); }
  const Step release_on_;
  const int signal_result_;
  std::atomic<int> woken_{-1};
  std::atomic<bool> unmapped_{false}, done_{false};
};

StallFinding Classify(Step release_on, int signal_result) {
  FakeKernel kernel(release_on, signal_result);
  LayoutWatch watch;
  std::thread layout([&] { kernel.run(watch); });
  while (watch.busy_ns() == 0) std::this_thread::yield();
  StallFinding f = ClassifyStall(watch, kernel, std::chrono::seconds(5), std::chrono::milliseconds(300));
  kernel.finish();
  layout.join();
  return f;
}

TEST(ClassifyStallTest, ReleasedWhenTheIoStops) {
  EXPECT_EQ(Classify(Step::kIoStop, 0).cause, StallCause::kReleasedByStoppingIo);
}

TEST(ClassifyStallTest, SignalReturningZeroIsALostWakeup) {
  const StallFinding f = Classify(Step::kSignal, 0);
  EXPECT_EQ(f.cause, StallCause::kLostWakeup);
  ASSERT_TRUE(f.signal_result.has_value());
  EXPECT_EQ(*f.signal_result, 0);
  EXPECT_EQ(f.op, "truncate");
  EXPECT_EQ(f.where, "fake_wait");
}

TEST(ClassifyStallTest, EintrThenMunmapReleasesIt) {
  const StallFinding f = Classify(Step::kUnmap, EINTR);
  EXPECT_EQ(f.cause, StallCause::kMappingHeldReference);
  EXPECT_EQ(f.steps.size(), 3u);
}

TEST(ClassifyStallTest, EintrAndMunmapDoesNotHelpIsStillBusy) {
  EXPECT_EQ(Classify(Step::kSignal, EINTR).cause, StallCause::kStillBusy);
}

TEST(ClassifyStallTest, ASleepNoSignalEndsIsStillBusy) {
  const StallFinding f = Classify(Step::kNever, 0);
  EXPECT_EQ(f.cause, StallCause::kStillBusy);
  EXPECT_FALSE(f.signal_result.has_value());
}

}  // namespace
}  // namespace daxbreak
