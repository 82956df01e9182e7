// The stress runner (stress_runner.h): one loop for every scenario on every
// target.
//
//   open the target -> build and set up the workload -> start its workers
//   -> watch: the duration, a signal, --stop-on-violation, the scenario's own
//      end, the watched worker's stall (classified by check/stall.h) and its
//      sleeps in a layout break; the status line
//   -> stop: the stop flag, then signals until each worker returned (a
//      kernel worker that never does is left behind)
//   -> the final data pass -> the report

#include "daxbreak/stress/stress_runner.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/base/size_parse.h"
#include "daxbreak/base/status_line.h"
#include "daxbreak/check/stall.h"
#include "daxbreak/stress/stress_scenario.h"
#include "daxbreak/stress/target.h"

namespace daxbreak {
namespace {

using Clock = std::chrono::steady_clock;

// A worker thread and what the target knows of it. Its Task is owned here,
// not by the thread, so that a signal sent to a worker that has just
// returned (another worker's, or the stop's) never meets a freed Task.
struct Thread {
  Worker worker;
  std::unique_ptr<Task> task;
  std::atomic<bool> returned{false};
  bool watched = false;
  std::thread thread;
};

// Everything one run holds, destroyed in reverse order (the workload before
// the target it uses).
struct Run {
  explicit Run(const StressConfig& c) : config(c) {}
  const StressConfig config;  // A copy: a worker left asleep may outlive the caller's.
  std::unique_ptr<Target> target;
  std::unique_ptr<StressContext> context;
  std::unique_ptr<StressWorkload> workload;
  std::deque<Thread> threads;  // A deque: Worker addresses stay valid.
  std::atomic<bool> stop{false};
  uint64_t break_sleeps_seen = 0;
  int signal = 0;
  Thread* watched() {
    for (Thread& t : threads) {
      if (t.watched) return &t;
    }
    return nullptr;
  }
};

// The stall steps (check/stall.h) on the watched worker.
class RunStallProbe final : public StallProbe {
 public:
  RunStallProbe(Run& run, const Worker& worker) : run_(run), worker_(worker) {}
  std::string where() override { return run_.target->where(worker_); }
  void stop_io() override { run_.workload->stop_io(); }
  void send_signal() override { run_.target->interrupt(worker_); }
  void unmap() override { run_.workload->unmap(); }

 private:
  Run& run_;
  const Worker& worker_;
};

void StartWorkers(Run& run) {
  for (WorkerSpec& spec : run.workload->workers()) {
    Thread& t = run.threads.emplace_back();
    t.worker.name = spec.name;
    t.watched = spec.watched;
    t.task = Task::Create(spec.name);
    t.worker.task.store(t.task.get());
    t.thread = std::thread([&run, &t, stream = spec.stream, body = std::move(spec.body)] {
      Task::SetCurrent(t.task.get());
      t.worker.tid.store(static_cast<pid_t>(syscall(SYS_gettid)));
      run.target->worker_started(t.worker, stream);
      body(run.stop);
      t.worker.tid.store(0);  // No signal may reach a thread id the system may hand out again.
      Task::SetCurrent(nullptr);
      t.returned.store(true);
    });
  }
}

std::string StatusText(Run& run, Clock::time_point start, WorkloadProgress& last, double dt) {
  const StressConfig& c = run.config;
  const double total = std::chrono::duration<double>(c.duration).count();
  const double elapsed = std::min(std::chrono::duration<double>(Clock::now() - start).count(), total);
  const WorkloadProgress now = run.workload->progress();
  double fraction = total > 0 ? elapsed / total : 0;
  if (c.max_ops != 0) fraction = std::max(fraction, double(now.layout) / double(c.max_ops));
  std::string text = fmt::format("{} {} {}/s layout {}/s", StatusLine::Eta(elapsed, total, fraction), now.io_name,
                                 FormatCount((now.io - last.io) / dt), FormatCount((now.layout - last.layout) / dt));
  const std::string extra = run.target->status_extra();
  if (!extra.empty()) text += " " + extra;
  last = now;
  return text + fmt::format(" violations {}", run.target->checker().violation_count());
}

// Runs until the end of the run; returns the stall finding's JSON or null.
nlohmann::json Watch(Run& run) {
  const StressConfig& c = run.config;
  Checker& checker = run.target->checker();
  Thread* watched = run.watched();
  LayoutWatch* watch = run.workload->layout_watch();
  StatusLine status(c.status_width);
  const Clock::time_point start = Clock::now();
  auto next_status = start + std::chrono::milliseconds(500);
  WorkloadProgress last;
  while (!run.stop.load() && Clock::now() < start + c.duration) {
    if (c.interrupt != nullptr && (run.signal = c.interrupt->load()) != 0) break;
    if (c.stop_on_violation && checker.violation_count() > 0) break;
    if (!run.target->check_files().ok()) break;  // Another process cut the files: stop, report why.
    const int64_t busy = watch != nullptr ? watch->busy_ns() : 0;
    if (busy > 0 && watched != nullptr && run.target->in_break_sleep(watched->worker)) ++run.break_sleeps_seen;
    if (busy > c.stall_timeout.count()) {
      RunStallProbe probe(run, watched->worker);
      const StallFinding f = ClassifyStall(*watch, probe, std::chrono::nanoseconds(busy), std::chrono::seconds(3));
      checker.report(f.violation(run.target->victim().ino()));
      if (c.progress) status.clear();
      return f.to_json();
    }
    if (c.progress && Clock::now() >= next_status) {
      status.draw(StatusText(run, start, last, 0.5));
      next_status += std::chrono::milliseconds(500);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (c.progress) status.clear();
  return nullptr;
}

// Stops every worker: the stop flag, then a signal every 50 ms to each one
// that has not returned (an interruptible sleep ends with EINTR), for up to
// 5 s. Returns whether the watched worker returned; one that did not is left
// behind when the target allows it (a kernel thread in an uninterruptible
// sleep), else waited for.
bool StopWorkers(Run& run) {
  run.stop.store(true);
  const auto give_up = Clock::now() + std::chrono::seconds(5);
  for (;;) {
    bool all = true;
    for (Thread& t : run.threads) {
      if (t.returned.load()) continue;
      all = false;
      run.target->interrupt(t.worker);
    }
    if (all || Clock::now() >= give_up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  bool watched_returned = true;
  for (Thread& t : run.threads) {
    if (t.returned.load() || !run.target->may_leave_sleeper()) {
      t.thread.join();
    } else {
      t.thread.detach();
      if (t.watched) watched_returned = false;
    }
  }
  return watched_returned;
}

void FillReport(Run& run, bool layout_returned, nlohmann::json stall, StressReport* r) {
  Target& target = *run.target;
  StressWorkload& w = *run.workload;
  r->ran = true;
  r->interrupted_by = run.signal;
  r->config = run.config;
  r->target = target.describe();
  // The size the device has, not the option (0: "64 MiB new, or keep").
  if (r->target.contains("device")) r->config.device_bytes = r->target["device"].value("size", r->config.device_bytes);
  r->counts = w.counts();
  if (run.watched() != nullptr && target.kind() == TargetKind::kKernel) r->counts["break_sleeps_seen"] = run.break_sleeps_seen;
  r->internals = target.internals();
  const PinFacts pins = target.pins();
  const auto opt = [](const std::optional<uint64_t>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  const std::optional<int64_t> outstanding = pins.outstanding();
  r->pins = {{"taken", opt(pins.taken)},
             {"released", opt(pins.released)},
             {"outstanding", outstanding ? nlohmann::json(*outstanding) : nlohmann::json(nullptr)}};
  const Exercise e = w.exercised({pins, run.break_sleeps_seen});
  r->exercised = e.exercised;
  r->not_exercised_why = e.why_not;
  if (LayoutWatch* watch = w.layout_watch()) {
    r->latency = {{"longest_layout_op_seconds", static_cast<double>(watch->longest_ns()) / 1e9},
                  {"layout_op_ns", watch->latency().to_json()}};
    if (!layout_returned) r->latency["layout_thread_left_asleep"] = true;
  }
  r->memory = target.memory();
  r->stall = std::move(stall);
  r->kmsg = target.kmsg();
  r->violations = target.checker().to_json();
  r->violation_count = target.checker().violation_count();
  r->violations_text = target.checker().to_text();
  Status s = w.first_error();
  if (s.ok()) s = target.sync();
  r->error = s.ok() ? "" : s.ToString();
  // Files changed under the run void what it found: that is the error.
  const Status lost = target.check_files();
  if (!lost.ok()) {
    r->error = lost.ToString();
    r->files_lost = true;
  }
}

}  // namespace

Status RunStress(const StressConfig& config, StressReport* report) {
  Status s = config.validate();
  if (!s.ok()) return s;
  const StressScenarioInfo& info = *FindStressScenario(config.scenario);
  auto run = std::make_unique<Run>(config);
  s = OpenTarget(config, info.needs, &run->target);
  if (!s.ok()) return s;
  Run* r = run.get();
  run->context.reset(new StressContext{run->config, *run->target, [r](std::string_view name) -> const Worker* {
                                         for (const Thread& t : r->threads) {
                                           if (t.worker.name == name) return &t.worker;
                                         }
                                         return nullptr;
                                       }});
  run->workload = info.build(*run->context);
  s = run->workload->setup();
  if (!s.ok()) return s;
  run->target->begin_run();
  const Clock::time_point start = Clock::now();
  StartWorkers(*run);
  nlohmann::json stall = Watch(*run);
  const bool layout_returned = StopWorkers(*run);
  report->seconds = std::chrono::duration<double>(Clock::now() - start).count();
  run->target->end_run();
  run->workload->final_check(layout_returned);
  run->target->finish();
  FillReport(*run, layout_returned, std::move(stall), report);
  // A worker left asleep in the kernel still points into the run: it is
  // kept (leaked) so that its return, whenever it comes, touches live memory.
  if (!layout_returned) (void)run.release();
  return Status::Ok();
}

}  // namespace daxbreak
