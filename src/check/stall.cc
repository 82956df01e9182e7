#include "daxbreak/check/stall.h"

#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

namespace daxbreak {
namespace {

using Clock = std::chrono::steady_clock;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// Polls `done` every millisecond for up to `timeout`.
template <class Pred>
bool WaitFor(Pred&& done, std::chrono::nanoseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

std::string ErrnoText(int e) { return e == 0 ? "0" : fmt::format("{} ({})", strerrorname_np(e), strerror(e)); }

}  // namespace

std::string_view StallCauseName(StallCause cause) {
  switch (cause) {
    case StallCause::kReleasedByStoppingIo: return "released when the I/O stopped";
    case StallCause::kLostWakeup: return "lost wake-up";
    case StallCause::kMappingHeldReference: return "mapping held a reference";
    case StallCause::kStillBusy: return "still busy";
  }
  return "?";
}

StallCause ClassifyStallOutcome(bool released_by_io_stop, std::optional<int> signal, bool released_by_munmap) {
  if (released_by_io_stop) return StallCause::kReleasedByStoppingIo;
  if (signal.has_value() && *signal == 0) return StallCause::kLostWakeup;
  if (signal.has_value() && released_by_munmap) return StallCause::kMappingHeldReference;
  return StallCause::kStillBusy;
}

nlohmann::json StallFinding::to_json() const {
  return {{"op", op},
          {"stalled_seconds", stalled_seconds},
          {"where", where},
          {"steps", steps},
          {"signal_result", signal_result ? nlohmann::json(*signal_result) : nlohmann::json(nullptr)},
          {"cause", StallCauseName(cause)}};
}

std::string StallFinding::summary() const {
  return fmt::format("{} made no progress for {:.1f} s in {}: {} ({})", op, stalled_seconds, where,
                     StallCauseName(cause), fmt::join(steps, "; "));
}

Violation StallFinding::violation(uint32_t ino) const {
  return Violation{ViolationKind::kStall, 0, ino, 0, "layout", summary()};
}

std::string StallText(const nlohmann::json& stall) {
  std::string out = fmt::format("\nstall   {} made no progress for {:.1f} s\n        where: {}", stall.value("op", "?"),
                                stall.value("stalled_seconds", 0.0), stall.value("where", "?"));
  for (const auto& step : stall["steps"]) out += "\n        - " + step.get<std::string>();
  out += fmt::format("\n        classified: {}", stall.value("cause", "?"));
  return out;
}

void LayoutWatch::begin(const char* op) {
  op_.store(op, std::memory_order_release);
  busy_since_ns_.store(NowNs(), std::memory_order_release);
}

void LayoutWatch::end(int result) {
  last_result_.store(result, std::memory_order_release);
  const int64_t took = busy_ns();
  if (took > longest_ns_.load(std::memory_order_acquire)) longest_ns_.store(took, std::memory_order_release);
  {
    MutexLock lock(&latency_mu_);
    latency_.record(took);
  }
  busy_since_ns_.store(0, std::memory_order_release);
  ends_.fetch_add(1, std::memory_order_acq_rel);
}

LatencyHistogram LayoutWatch::latency() const {
  MutexLock lock(&latency_mu_);
  return latency_;
}

int64_t LayoutWatch::busy_ns() const {
  const int64_t since = busy_since_ns_.load(std::memory_order_acquire);
  return since == 0 ? 0 : NowNs() - since;
}

bool LayoutWatch::take_retry() {
  uint32_t taken = retries_taken_.load(std::memory_order_acquire);
  if (taken == retries_.load(std::memory_order_acquire)) return false;
  retries_taken_.store(taken + 1, std::memory_order_release);
  return true;
}

StallFinding ClassifyStall(LayoutWatch& watch, StallProbe& probe, std::chrono::nanoseconds stalled_for,
                           std::chrono::nanoseconds step_timeout) {
  StallFinding f;
  f.op = watch.op();
  f.stalled_seconds = std::chrono::duration<double>(stalled_for).count();
  watch.hold();
  f.where = probe.where();
  auto done = [&] { return watch.done(); };

  probe.stop_io();
  const bool by_io_stop = WaitFor(done, step_timeout);
  f.steps.push_back(by_io_stop ? "the DIO threads stopped and the change completed"
                               : "the DIO threads stopped; still asleep");
  bool by_munmap = false;
  if (!by_io_stop) {
    probe.send_signal();
    if (WaitFor(done, step_timeout)) {
      // The retried change (step 4) reports through ends(); this is the
      // result of the one the signal ended.
      f.signal_result = watch.last_result();
      f.steps.push_back(*f.signal_result == 0
                            ? "a signal made it return 0: its wait condition already held"
                            : fmt::format("a signal made it return {}: the page is still busy",
                                          ErrnoText(*f.signal_result)));
    } else {
      f.steps.push_back("a signal did not end the sleep");
    }
  }
  if (f.signal_result.has_value() && *f.signal_result != 0) {
    probe.unmap();
    const uint64_t ends = watch.ends();
    watch.request_retry();
    by_munmap = WaitFor([&] { return watch.ends() > ends; }, step_timeout);
    f.steps.push_back(by_munmap ? "after munmap the change ran again and completed"
                                : "after munmap the change ran again and still sleeps");
  }
  f.cause = ClassifyStallOutcome(by_io_stop, f.signal_result, by_munmap);
  return f;
}

}  // namespace daxbreak
