// The collision scenario of kernel mode: real DIO against real layout
// changes on a real fs-dax file (kernel_runner.h).

#include <fcntl.h>
#include <liburing.h>
#include <linux/falloc.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/base/size_parse.h"
#include "daxbreak/kernel/host_facts.h"
#include "kernel/kernel_rig.h"

namespace daxbreak::kernel_internal {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint32_t kMaxDioPages = 4;

struct Counts {
  std::atomic<uint64_t> dio_read{0}, dio_write{0}, dio_efault{0}, dio_other_error{0};
  std::array<std::atomic<uint64_t>, kLayoutOps> layout{};
  std::array<std::atomic<uint64_t>, kLayoutOps> layout_errors{};
  std::atomic<uint64_t> files_written{0}, pages_written{0};
  std::atomic<int64_t> longest_layout_ns{0};
};

struct Shared {
  explicit Shared(KernelRig& r) : rig(r) {}
  KernelRig& rig;
  Counts counts;
  LayoutWatch watch;
  std::atomic<bool> stop{false};      // Everything ends.
  std::atomic<bool> dio_stop{false};  // The DIO threads end (stall step 2).
  std::atomic<uint32_t> dio_running{0};
  std::atomic<pid_t> layout_tid{0};
  uint64_t break_sleeps_seen = 0;  // Watchdog samples that found the layout thread asleep in a break.
};

// Whether a wchan is the sleep of a layout break on a busy page (ext4, xfs,
// and the common helper of 6.15+).
bool IsBreakSleep(const std::string& wchan) {
  return wchan.find("break_layouts") != std::string::npos || wchan.find("break_dax_layouts") != std::string::npos ||
         wchan.find("dax_break_layout") != std::string::npos || wchan.find("wait_page_idle") != std::string::npos ||
         wchan.find("wait_dax_page") != std::string::npos;
}

// One DIO thread: its own ring, `queue_depth` requests per batch, each a read
// of 1-4 disk source blocks into the mapping or a write of 1-4 mapped pages to
// the disk's target half.
void RunDio(Shared& sh, uint32_t id) {
  const KernelConfig& c = *sh.rig.config;
  std::mt19937_64 rng(c.seed ^ (0x1000ULL + id));
  io_uring ring;
  int rc = io_uring_queue_init(c.queue_depth, &ring, 0);
  if (rc < 0) {
    sh.rig.note_error("io_uring_queue_init", -rc);
    sh.dio_running.fetch_sub(1);
    return;
  }
  const int disk = sh.rig.disk->fd();
  const uint64_t targets = sh.rig.disk->nr_blocks() - sh.rig.source_end;
  const uint32_t max_pages = std::min(kMaxDioPages, c.victim_pages);
  while (!sh.dio_stop.load(std::memory_order_relaxed)) {
    for (uint32_t i = 0; i < c.queue_depth; ++i) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring);
      const uint32_t nr = 1 + static_cast<uint32_t>(rng() % max_pages);
      char* buf = sh.rig.map + (rng() % (c.victim_pages - nr + 1)) * kPage;
      const bool write = c.dio_write && (!c.dio_read || rng() % 2 == 0);
      if (write) {
        const uint64_t block = sh.rig.source_end + rng() % (targets - nr + 1);
        io_uring_prep_write(sqe, disk, buf, nr * kPage, block * kPage);
      } else {
        const uint64_t block = 1 + rng() % (sh.rig.source_end - nr);  // Blocks 1 .. source_end-1.
        io_uring_prep_read(sqe, disk, buf, nr * kPage, block * kPage);
      }
      io_uring_sqe_set_data64(sqe, write ? 1 : 0);
    }
    rc = io_uring_submit_and_wait(&ring, c.queue_depth);
    if (rc < 0 && rc != -EINTR) {
      sh.rig.note_error("io_uring_submit_and_wait", -rc);
      break;
    }
    for (uint32_t done = 0; done < c.queue_depth; ++done) {
      io_uring_cqe* cqe = nullptr;
      rc = io_uring_wait_cqe(&ring, &cqe);
      if (rc < 0) break;
      const bool write = io_uring_cqe_get_data64(cqe) == 1;
      if (cqe->res >= 0) (write ? sh.counts.dio_write : sh.counts.dio_read).fetch_add(1, std::memory_order_relaxed);
      else if (cqe->res == -EFAULT) sh.counts.dio_efault.fetch_add(1, std::memory_order_relaxed);  // Past EOF: SIGBUS.
      else sh.counts.dio_other_error.fetch_add(1, std::memory_order_relaxed);
      io_uring_cqe_seen(&ring, cqe);
    }
  }
  io_uring_queue_exit(&ring);
  sh.dio_running.fetch_sub(1);
}

// A random range of the victim that a layout change may take: [first, first+nr)
// with nr < pages, so that collapse and insert keep something after it.
std::pair<uint64_t, uint64_t> PickRange(std::mt19937_64& rng, uint64_t pages) {
  const uint64_t nr = 1 + rng() % (pages - 1);
  return {rng() % (pages - nr), nr};
}

// One layout change through the system calls; 0 or the errno of the first
// call that failed. Size changes go back to the mapped size.
int DoLayoutOp(int fd, LayoutOp op, std::mt19937_64& rng, uint64_t pages) {
  const off_t full = static_cast<off_t>(pages * kPage);
  const auto [first, nr] = PickRange(rng, pages);
  const off_t off = static_cast<off_t>(first * kPage), len = static_cast<off_t>(nr * kPage);
  int rc = 0;
  switch (op) {
    case LayoutOp::kTruncate: rc = ftruncate(fd, static_cast<off_t>((rng() % pages) * kPage)); break;
    case LayoutOp::kPunch: rc = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len); break;
    case LayoutOp::kZero: rc = fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, off, len); break;
    case LayoutOp::kCollapse: rc = fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, off, len); break;
    case LayoutOp::kInsert: rc = fallocate(fd, FALLOC_FL_INSERT_RANGE, off, len); break;
    case LayoutOp::kPrealloc: rc = fallocate(fd, FALLOC_FL_KEEP_SIZE, off, len + static_cast<off_t>(kPage)); break;
  }
  if (rc != 0) return errno;
  const bool resized = op == LayoutOp::kTruncate || op == LayoutOp::kCollapse || op == LayoutOp::kInsert;
  return resized && ftruncate(fd, full) != 0 ? errno : 0;
}

// Static names for LayoutWatch::begin().
const char* OpName(LayoutOp op) { return LayoutOpName(op).data(); }

void RunLayout(Shared& sh) {
  const KernelConfig& c = *sh.rig.config;
  sh.layout_tid.store(CurrentTid());
  std::mt19937_64 rng(c.seed ^ 0x2000ULL);
  std::vector<LayoutOp> ops;
  for (uint32_t i = 0; i < kLayoutOps; ++i) {
    if (c.layout_ops & (1u << i)) ops.push_back(static_cast<LayoutOp>(i));
  }
  uint64_t done = 0;
  LayoutOp last = ops.front();
  while (!sh.stop.load(std::memory_order_relaxed)) {
    if (sh.watch.held()) {  // The stall classification owns this thread.
      if (sh.watch.take_retry()) {
        sh.watch.begin(OpName(last));
        sh.watch.end(DoLayoutOp(sh.rig.victim_fd, last, rng, c.victim_pages));
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      continue;
    }
    last = ops[rng() % ops.size()];
    const auto start = Clock::now();
    sh.watch.begin(OpName(last));
    const int err = DoLayoutOp(sh.rig.victim_fd, last, rng, c.victim_pages);
    sh.watch.end(err);
    const int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
    if (ns > sh.counts.longest_layout_ns.load()) sh.counts.longest_layout_ns.store(ns);
    const uint32_t i = static_cast<uint32_t>(last);
    if (err == 0) sh.counts.layout[i].fetch_add(1, std::memory_order_relaxed);
    else if (err != EINTR) sh.counts.layout_errors[i].fetch_add(1, std::memory_order_relaxed);
    if (c.max_ops != 0 && ++done >= c.max_ops) sh.stop.store(true);
  }
}

// The stall steps (check/stall.h) on real threads.
class KernelStallProbe : public StallProbe {
 public:
  explicit KernelStallProbe(Shared& sh) : sh_(sh) {}
  std::string where() override { return ThreadWhere(sh_.layout_tid.load()); }
  void stop_io() override {
    sh_.dio_stop.store(true);
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (sh_.dio_running.load() != 0 && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  void send_signal() override { syscall(SYS_tgkill, getpid(), sh_.layout_tid.load(), SIGUSR1); }
  void unmap() override { UnmapVictim(sh_.rig); }

 private:
  Shared& sh_;
};

uint64_t LayoutDone(const Counts& c) {
  uint64_t n = 0;
  for (const auto& x : c.layout) n += x.load();
  return n;
}

}  // namespace

Status RunCollision(KernelRig& rig, KernelReport* report) {
  const KernelConfig& c = *rig.config;
  Shared sh(rig);
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  sh.dio_running.store(c.threads);
  for (uint32_t i = 0; i < c.threads; ++i) threads.emplace_back([&sh, i] { RunDio(sh, i); });
  std::thread layout([&sh] { RunLayout(sh); });
  std::thread writer([&] { RunWriter(rig, sh.stop, sh.counts.files_written, sh.counts.pages_written); });

  const auto deadline = start + c.duration;
  auto next_status = start + std::chrono::milliseconds(500);
  uint64_t last_dio = 0, last_layout = 0;
  while (!sh.stop.load() && Clock::now() < deadline) {
    if (c.interrupt != nullptr && (report->interrupted_by = c.interrupt->load()) != 0) break;
    if (c.stop_on_violation && rig.checker.violation_count() > 0) break;
    const int64_t busy = sh.watch.busy_ns();
    if (busy > 0 && IsBreakSleep(ThreadWchan(sh.layout_tid.load()))) ++sh.break_sleeps_seen;
    if (busy > c.stall_timeout.count()) {
      const StallFinding f = [&] {
        KernelStallProbe probe(sh);
        return ClassifyStall(sh.watch, probe, std::chrono::nanoseconds(busy), std::chrono::seconds(3));
      }();
      report->stall = f.to_json();
      rig.checker.report(f.violation(kVictimIno));
      break;
    }
    if (c.progress && Clock::now() >= next_status) {
      const uint64_t dio = sh.counts.dio_read + sh.counts.dio_write, lay = LayoutDone(sh.counts);
      std::string line = fmt::format("[{:.0f}s/{:.0f}s] dio {}/s layout {}/s violations {}",
                                     std::chrono::duration<double>(Clock::now() - start).count(),
                                     std::chrono::duration<double>(c.duration).count(),
                                     FormatCount((dio - last_dio) * 2.0), FormatCount((lay - last_layout) * 2.0),
                                     rig.checker.violation_count());
      line.resize(std::min<size_t>(line.size(), c.status_width - 1));
      std::fprintf(stderr, "\r%-*s", static_cast<int>(c.status_width - 1), line.c_str());
      last_dio = dio, last_layout = lay, next_status += std::chrono::milliseconds(500);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (c.progress) std::fprintf(stderr, "\r%-*s\r", static_cast<int>(c.status_width - 1), "");
  sh.dio_stop.store(true);
  sh.stop.store(true);
  for (auto& t : threads) t.join();
  writer.join();
  const bool layout_returned = ReleaseLayoutThread(sh.watch, sh.layout_tid.load(), layout);
  report->seconds = std::chrono::duration<double>(Clock::now() - start).count();
  FinalCheck(rig, layout_returned);

  nlohmann::json counts = {{"dio_read", sh.counts.dio_read.load()}, {"dio_write", sh.counts.dio_write.load()},
                           {"dio_efault", sh.counts.dio_efault.load()},
                           {"dio_other_error", sh.counts.dio_other_error.load()}};
  for (uint32_t i = 0; i < kLayoutOps; ++i) {
    if (!(c.layout_ops & (1u << i))) continue;
    const std::string name(LayoutOpName(static_cast<LayoutOp>(i)));
    counts[name] = sh.counts.layout[i].load();
    if (sh.counts.layout_errors[i].load() != 0) counts[name + "_errors"] = sh.counts.layout_errors[i].load();
  }
  counts["files_written"] = sh.counts.files_written.load();
  counts["break_sleeps_seen"] = sh.break_sleeps_seen;
  counts["pages_written"] = sh.counts.pages_written.load();
  report->counts = counts;
  report->exercised = sh.break_sleeps_seen > 0;  // FillPins() adds the pins.
  report->latency = {{"longest_layout_op_seconds", sh.counts.longest_layout_ns.load() / 1e9}};
  if (!layout_returned) report->latency["layout_thread_left_asleep"] = true;
  return rig.error();
}

}  // namespace daxbreak::kernel_internal
