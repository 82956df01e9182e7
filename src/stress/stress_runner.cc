#include "daxbreak/stress/stress_runner.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/base/size_parse.h"
#include "daxbreak/check/checker.h"
#include "daxbreak/check/stall.h"
#include "daxbreak/fs/dax_fs.h"
#include "daxbreak/io/disk_file.h"
#include "daxbreak/io/uring_dio_engine.h"
#include "daxbreak/mm/page_array.h"
#include "daxbreak/base/path_claim.h"
#include "daxbreak/pmem/pmem_device.h"
#include "daxbreak/sync/lockdep.h"
#include "daxbreak/sync/sync_point.h"
#include "stress/scenarios/cached_mapping.h"
#include "stress/scenarios/collision.h"

namespace daxbreak {
namespace {

using Clock = std::chrono::steady_clock;

// Everything one run builds, in construction order.
struct Rig {
  std::unique_ptr<PmemDevice> device;
  std::unique_ptr<DiskFile> disk;
  std::unique_ptr<PageArray> pages;
  std::unique_ptr<MmStruct> mm;
  std::unique_ptr<Checker> checker;
  std::unique_ptr<DaxFs> fs;
  std::vector<std::unique_ptr<DioEngine>> engines;
};

Status BuildRig(const StressConfig& config, Rig* rig) {
  PmemDeviceOptions dopts{config.device_path, config.device_bytes, config.force};
  Status s = PmemDevice::Open(dopts, &rig->device);
  if (!s.ok()) return s;
  // By identity, not by name: "./x", a hard link or a symlink is the device.
  if (PathFileId(config.disk_path) == FdFileId(rig->device->fd())) {
    return Status::InvalidArgument(
        fmt::format("--disk '{}' is the same file as --device '{}'", config.disk_path, config.device_path));
  }
  const bool collision = config.scenario == "collision";  // The others need no disk and no DIO.
  if (collision) {
    DiskFileOptions kopts{config.disk_path, config.disk_bytes, config.force};
    s = DiskFile::Open(kopts, &rig->disk);
    if (!s.ok()) return s;
  }
  rig->pages = MakePageArray(*config.protocol, rig->device->nr_pages());
  rig->mm = std::make_unique<MmStruct>(config.tlb_flush);
  rig->checker = std::make_unique<Checker>();
  rig->fs = std::make_unique<DaxFs>(rig->device.get(), rig->pages.get(), rig->checker.get(),
                                    DaxFsOptions{config.protocol});
  for (uint32_t i = 0; collision && i < config.threads; ++i) {
    std::unique_ptr<DioEngine> engine;
    s = CreateUringDioEngine(rig->disk.get(), rig->device.get(), rig->pages.get(),
                             rig->checker.get(), config.queue_depth, &engine);
    if (!s.ok()) return s;
    rig->engines.push_back(std::move(engine));
  }
  return Status::Ok();
}

nlohmann::json DeviceJson(const PmemDevice& d) {
  return {{"path", d.path()},
          {"kind", DeviceKindName(d.kind())},
          {"granularity", StoreGranularityName(d.granularity())},
          {"map_sync", d.map_sync()},
          {"size", d.size_bytes()}};
}

// What the runner needs of a scenario: its threads (each with the stream of
// the seed its noise draws from), how to wake them at the stop, the final
// check, its counts and its first error.
struct Workload {
  std::vector<std::pair<uint64_t, std::function<void()>>> threads;
  std::function<void()> interrupt_workers;
  std::function<void()> final_check;
  std::function<nlohmann::json()> counts;
  std::function<nlohmann::json()> latency;
  std::function<uint64_t()> io_done;      // DIO reads or buffered writes, for the status line.
  std::function<uint64_t()> layout_done;  // Layout changes, for the status line.
  std::function<Status()> first_error;
  // The layout thread's progress and the stall steps; null for a scenario
  // with no watched layout thread.
  LayoutWatch* watch = nullptr;
  std::function<std::unique_ptr<StallProbe>()> stall_probe;
};

nlohmann::json CountsJson(const StressConfig& config, CollisionCounts& c) {
  nlohmann::json j = {{"dio_read", c.dio_reads.load()}, {"dio_refused_sigbus", c.dio_refused.load()}};
  for (uint32_t i = 0; i < kLayoutOps; ++i) {
    if (config.layout_ops & (1u << i)) j[std::string(LayoutOpName(static_cast<LayoutOp>(i)))] = c.layout_ops[i].load();
  }
  j["writer_layout_ops"] = c.writer_layout_ops.load();
  j["files_written"] = c.files_written.load();
  j["pages_written"] = c.pages_written.load();
  j["pages_verified"] = c.pages_verified.load();
  j["layout_interrupted_at_stop"] = c.interrupted.load();
  return j;
}

uint64_t LayoutOpsDone(CollisionCounts& c) {
  uint64_t n = 0;
  for (auto& op : c.layout_ops) n += op.load();
  return n;
}

// Page records allocated and the process's peak resident set.
nlohmann::json MemoryJson(Rig& rig) {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return {{"page_records_bytes", rig.pages->memory_bytes()},
          {"max_rss_bytes", static_cast<uint64_t>(ru.ru_maxrss) * 1024}};
}

nlohmann::json LatencyJson(CollisionCounts& c) {
  return {{"longest_layout_op_seconds", static_cast<double>(c.longest_layout_ns.load()) / 1e9}};
}

nlohmann::json InternalsJson(Rig& rig) {
  FsStats& f = rig.fs->stats();
  uint64_t fast = 0, backoff = 0, slow = 0, completions = 0, io_errors = 0;
  for (auto& e : rig.engines) {
    fast += e->gup_stats().fast_pins.load();
    backoff += e->gup_stats().fast_backoffs.load();
    slow += e->gup_stats().slow_pins.load();
    completions += e->stats().completions.load();
    io_errors += e->stats().io_errors.load();
  }
  return {{"faults", f.faults.load()},           {"blocks_allocated", f.blocks_allocated.load()},
          {"blocks_freed", f.blocks_freed.load()}, {"unwritten_converted", f.unwritten_converted.load()},
          {"break_layouts", f.breaks.load()},
          {"break_waits", f.break_waits.load()},   {"gup_fast_pins", fast},
          {"gup_fast_backoffs", backoff},          {"gup_slow_pins", slow},
          {"dio_completions", completions},        {"dio_io_errors", io_errors}};
}

// The live status line, redrawn on stderr until `done`: elapsed / total and
// the percentage done, as fio's --eta shows it, then rates and counts, cut to
// config.status_width columns so that it never wraps.
void StatusLine(const StressConfig& config, Rig& rig, const Workload& w, const std::atomic<bool>& done,
                Clock::time_point start) {
  const double total = std::chrono::duration<double>(config.duration).count();
  const size_t width = std::max<uint32_t>(config.status_width, 20) - 1;
  uint64_t last_dio = 0, last_layout = 0;
  auto last = start;
  while (!done.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const auto now = Clock::now();
    const double dt = std::chrono::duration<double>(now - last).count();
    const double elapsed = std::min(std::chrono::duration<double>(now - start).count(), total);
    const uint64_t dio = w.io_done(), layout = w.layout_done();
    double done_fraction = total > 0 ? elapsed / total : 0;
    if (config.max_ops != 0) done_fraction = std::max(done_fraction, double(layout) / double(config.max_ops));
    std::string line = fmt::format("[{:.0f}s/{:.0f}s {:3.0f}%] {} {}/s layout {}/s breaks {} violations {}",
                                   elapsed, total, 100 * std::min(done_fraction, 1.0),
                                   config.scenario == "collision" ? "dio" : "writes", FormatCount((dio - last_dio) / dt), FormatCount((layout - last_layout) / dt),
                                   FormatCount(double(rig.fs->stats().breaks.load())), rig.checker->violation_count());
    if (line.size() > width) line.resize(width);
    std::fprintf(stderr, "\r%-*s", static_cast<int>(width), line.c_str());
    last_dio = dio, last_layout = layout, last = now;
  }
  std::fprintf(stderr, "\r%-*s\r", static_cast<int>(width), "");
}

// The collision scenario's threads: DIO, layout and writer.
Workload CollisionWorkload(const StressConfig& config, Rig& rig, CollisionScenario& c, std::atomic<bool>& stop) {
  Workload w;
  for (uint32_t i = 0; i < config.threads; ++i) {
    w.threads.emplace_back(0x1000 + i, [&, i] { c.run_dio(i, rig.engines[i].get(), stop); });
  }
  w.threads.emplace_back(0x2000, [&] { c.run_layout(stop); });
  w.threads.emplace_back(0x3000, [&] { c.run_writer(stop); });
  w.interrupt_workers = [&c] { c.interrupt_workers(); };
  w.final_check = [&c] { c.final_check(); };
  w.counts = [&config, &c] { return CountsJson(config, c.counts()); };
  w.latency = [&c] { return LatencyJson(c.counts()); };
  w.io_done = [&c] { return c.counts().dio_reads.load(); };
  w.layout_done = [&c] { return LayoutOpsDone(c.counts()); };
  w.first_error = [&c] { return c.first_error(); };
  w.watch = &c.layout_watch();
  w.stall_probe = [&c] { return c.make_stall_probe(); };
  return w;
}

// The cached-mapping scenario's threads: writers, writeback, reclaim, layout.
Workload CachedMappingWorkload(const StressConfig& config, CachedMappingScenario& c, std::atomic<bool>& stop) {
  Workload w;
  for (uint32_t i = 0; i < config.threads; ++i) w.threads.emplace_back(0x4000 + i, [&, i] { c.run_writer(i, stop); });
  w.threads.emplace_back(0x5000, [&] { c.run_layout(stop); });
  w.threads.emplace_back(0x6000, [&] { c.run_writeback(stop); });
  w.threads.emplace_back(0x7000, [&] { c.run_reclaim(stop); });
  w.interrupt_workers = [] {};  // Nothing there sleeps on a pin.
  w.final_check = [&c] { c.final_check(); };
  w.counts = [&c] { return c.counts_json(); };
  w.latency = [] { return nlohmann::json::object(); };
  w.io_done = [&c] { return c.writes_done(); };
  w.layout_done = [&c] { return c.layout_ops_done(); };
  w.first_error = [&c] { return c.first_error(); };
  return w;
}

// Runs `w`'s threads until the duration, max_ops, a violation with
// stop_on_violation, or a signal; then the final check and the report.
Status RunWorkload(const StressConfig& config, Rig& rig, const Workload& w, std::atomic<bool>& stop,
                   StressReport* report) {
  SyncPoint::set_noise(config.noise_per_million, config.noise_max_ns);
  rig.checker->restart_clock();
  // The lock-order checker watches the run's threads (lockdep.h).
  LockOrderGraph& lock_order = LockOrderGraph::free_mode();
  lock_order.reset();
  lock_order.set_sink(rig.checker.get());
  std::atomic<bool> status_done{false};
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (const auto& [stream, body] : w.threads) {
    // Each thread's noise is its own stream of the run's seed, so one seed
    // gives the same choices (the timing of real threads still varies).
    threads.emplace_back([&config, stream = stream, &body = body] {
      SyncPoint::seed_noise(config.seed ^ (stream * 0x9E3779B97F4A7C15ULL));
      body();
    });
  }
  std::thread status;
  if (config.progress) status = std::thread([&] { StatusLine(config, rig, w, status_done, start); });
  const Clock::time_point deadline = start + config.duration;
  int signal = 0;
  while (!stop.load() && Clock::now() < deadline &&
         !(config.stop_on_violation && rig.checker->violation_count() > 0)) {
    if (config.interrupt != nullptr && (signal = config.interrupt->load()) != 0) break;
    const int64_t busy = w.watch != nullptr ? w.watch->busy_ns() : 0;
    if (busy > config.stall_timeout.count()) {
      const StallFinding f =
          ClassifyStall(*w.watch, *w.stall_probe(), std::chrono::nanoseconds(busy), std::chrono::seconds(3));
      report->stall = f.to_json();
      rig.checker->report(f.violation(0));
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop.store(true);
  w.interrupt_workers();
  for (std::thread& t : threads) t.join();
  SyncPoint::set_noise(0, 0);
  lock_order.set_sink(nullptr);
  const size_t lock_order_edges = lock_order.edges();
  lock_order.reset();
  report->seconds = std::chrono::duration<double>(Clock::now() - start).count();
  status_done.store(true);
  if (status.joinable()) status.join();

  w.final_check();
  rig.fs->unmount();
  report->ran = true;
  report->interrupted_by = signal;
  report->config = config;
  report->device = DeviceJson(*rig.device);
  report->counts = w.counts();
  report->internals = InternalsJson(rig);
  report->internals["lock_order_edges"] = lock_order_edges;
  report->latency = w.latency();
  report->memory = MemoryJson(rig);
  report->violations = rig.checker->to_json();
  report->violation_count = rig.checker->violation_count();
  report->violations_text = rig.checker->to_text();
  Status s = rig.device->sync_all();
  if (!s.ok()) return s;
  return w.first_error();
}

}  // namespace

Status RunStress(const StressConfig& config, StressReport* report) {
  Status s = config.validate();
  if (!s.ok()) return s;
  Rig rig;
  s = BuildRig(config, &rig);
  if (!s.ok()) return s;
  std::atomic<bool> stop{false};
  if (config.scenario == "cached-mapping") {
    CachedMappingScenario scenario(config, rig.fs.get(), rig.checker.get());
    s = scenario.setup();
    if (!s.ok()) return s;
    return RunWorkload(config, rig, CachedMappingWorkload(config, scenario, stop), stop, report);
  }
  CollisionScenario scenario(config, rig.fs.get(), rig.disk.get(), rig.checker.get(), rig.mm.get());
  s = scenario.setup();
  if (!s.ok()) return s;
  return RunWorkload(config, rig, CollisionWorkload(config, rig, scenario, stop), stop, report);
}

}  // namespace daxbreak
