#include "daxbreak/workload/stress_runner.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/check/checker.h"
#include "daxbreak/fs/dax_fs.h"
#include "daxbreak/io/disk_file.h"
#include "daxbreak/io/uring_dio_engine.h"
#include "daxbreak/mm/page_array.h"
#include "daxbreak/pmem/pmem_device.h"
#include "daxbreak/sync/sync_point.h"
#include "daxbreak/workload/collision.h"

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
  DiskFileOptions kopts{config.disk_path, config.disk_bytes, config.force};
  s = DiskFile::Open(kopts, &rig->disk);
  if (!s.ok()) return s;
  rig->pages = MakePageArray(*config.protocol, rig->device->nr_pages());
  rig->mm = std::make_unique<MmStruct>(config.tlb_flush);
  rig->checker = std::make_unique<Checker>();
  rig->fs = std::make_unique<DaxFs>(rig->device.get(), rig->pages.get(), rig->checker.get(),
                                    DaxFsOptions{config.protocol});
  for (uint32_t i = 0; i < config.threads; ++i) {
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

// The live status line, redrawn on stderr until `done`.
void StatusLine(Rig& rig, CollisionCounts& c, const std::atomic<bool>& done, Clock::time_point start) {
  uint64_t last_dio = 0, last_layout = 0, last_pages = 0;
  auto last = start;
  while (!done.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const auto now = Clock::now();
    const double dt = std::chrono::duration<double>(now - last).count();
    const uint64_t dio = c.dio_reads.load(), layout = LayoutOpsDone(c), pages = c.pages_written.load();
    uint64_t pins = 0;
    for (auto& e : rig.engines) pins += e->stats().pages_pinned.load();
    std::fprintf(stderr,
                 "\r[%6.1fs] dio %8.0f/s  layout %7.0f/s  writes %8.0f/s  pins %10llu  breaks %9llu  violations %llu   ",
                 std::chrono::duration<double>(now - start).count(), (dio - last_dio) / dt,
                 (layout - last_layout) / dt, (pages - last_pages) / dt,
                 static_cast<unsigned long long>(pins),
                 static_cast<unsigned long long>(rig.fs->stats().breaks.load()),
                 static_cast<unsigned long long>(rig.checker->violation_count()));
    last_dio = dio, last_layout = layout, last_pages = pages, last = now;
  }
  std::fprintf(stderr, "\n");
}

}  // namespace

Status RunStress(const StressConfig& config, StressReport* report) {
  Status s = config.validate();
  if (!s.ok()) return s;
  Rig rig;
  s = BuildRig(config, &rig);
  if (!s.ok()) return s;
  CollisionScenario scenario(config, rig.fs.get(), rig.disk.get(), rig.checker.get(), rig.mm.get());
  s = scenario.setup();
  if (!s.ok()) return s;

  SyncPoint::set_noise(config.noise_per_million, config.noise_max_ns);
  rig.checker->restart_clock();
  std::atomic<bool> stop{false};
  std::atomic<bool> status_done{false};
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (uint32_t i = 0; i < config.threads; ++i) {
    threads.emplace_back([&, i] { scenario.run_dio(i, rig.engines[i].get(), stop); });
  }
  threads.emplace_back([&] { scenario.run_layout(stop); });
  threads.emplace_back([&] { scenario.run_writer(stop); });
  std::thread status;
  if (config.progress) status = std::thread([&] { StatusLine(rig, scenario.counts(), status_done, start); });
  const Clock::time_point deadline = start + config.duration;
  while (!stop.load() && Clock::now() < deadline &&
         !(config.stop_on_violation && rig.checker->violation_count() > 0)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop.store(true);
  scenario.interrupt_workers();
  for (std::thread& t : threads) t.join();
  SyncPoint::set_noise(0, 0);
  report->seconds = std::chrono::duration<double>(Clock::now() - start).count();
  status_done.store(true);
  if (status.joinable()) status.join();

  scenario.final_check();
  rig.fs->unmount();
  s = rig.device->sync_all();
  if (!s.ok()) return s;
  s = scenario.first_error();
  if (!s.ok()) return s;

  report->config = config;
  report->device = DeviceJson(*rig.device);
  report->counts = CountsJson(config, scenario.counts());
  report->internals = InternalsJson(rig);
  report->latency = LatencyJson(scenario.counts());
  report->violations = rig.checker->to_json();
  report->violation_count = rig.checker->violation_count();
  report->violations_text = rig.checker->to_text();
  return Status::Ok();
}

}  // namespace daxbreak
