// The collision scenario: the xfstests generic/503 shape (src/t_mmap_collision.c)
// with the data checked, written once for both targets. A small DAX file
// (the victim), stamped and mapped shared, is the buffer of --threads DIO
// threads that loop O_DIRECT reads from a disk file of stamped blocks into
// the mapping (and, with --dio write, writes from the mapping to the disk's
// upper half), pinning its pages, while:
//
//   - the layout thread runs the --ops changes on the victim (truncate down
//     and back up, punch hole, zero range, collapse range, insert range,
//     preallocation), each a change the stall watchdog watches;
//   - the writer keeps creating, stamping, changing the layout of (the same
//     operations), verifying and removing other files, so that every block
//     freed from the victim is reused at once and a DMA that lands after the
//     free shows in another file's bytes; the oracle follows every shift.
//
// The final pass reads every writer file against the oracle, the victim as a
// DMA target (zeros, disk blocks, its own stamps) and the disk's write half.
// The race was exercised when a pin was taken or the layout thread was seen
// asleep in a break.

#include <algorithm>
#include <array>
#include <chrono>
#include <deque>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/check/data_oracle.h"
#include "daxbreak/check/stamp.h"
#include "daxbreak/fs/dax_fs.h"
#include "stress/scenarios/scenarios.h"

namespace daxbreak {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint32_t kMaxDioPages = 4;     // Pages per DIO request.
constexpr size_t kWriterFiles = 16;      // Writer files kept alive.
constexpr uint32_t kMaxWriterPages = 8;  // Pages per writer file when written.

struct Counts {
  std::atomic<uint64_t> dio_read{0}, dio_write{0}, dio_efault{0}, dio_other_error{0};
  std::array<std::atomic<uint64_t>, kLayoutOps> layout{};
  std::array<std::atomic<uint64_t>, kLayoutOps> layout_errors{};
  std::atomic<uint64_t> interrupted{0};   // Changes a signal ended at the stop or in the stall steps.
  std::atomic<uint64_t> writer_layout_ops{0}, files_written{0}, pages_written{0}, pages_verified{0};
};

class Collision final : public StressWorkload {
 public:
  explicit Collision(StressContext& ctx)
      : config_(ctx.config), target_(ctx.target), oracle_(&ctx.target.checker()) {
    for (uint32_t i = 0; i < kLayoutOps; ++i) {
      if (config_.layout_ops & (1u << i)) ops_.push_back(static_cast<LayoutOp>(i));
    }
  }
  ~Collision() override { mapping_.reset(); }

  Status setup() override;
  std::vector<WorkerSpec> workers() override;
  LayoutWatch* layout_watch() override { return &watch_; }
  void stop_io() override;
  void unmap() override { mapping_->unmap(); }
  WorkloadProgress progress() const override;
  void final_check(bool layout_returned) override;
  nlohmann::json counts() const override;
  Exercise exercised(const ExerciseFacts& facts) const override;
  Status first_error() const override { return errors_.get(); }

 private:
  struct WriterFile {
    std::unique_ptr<TargetFile> file;
    uint64_t pages = 0;
  };
  void run_dio(uint32_t id, const std::atomic<bool>& stop);
  // Adds what `now` counted since `published` to the run's counts.
  void publish(const DioTally& now, DioTally* published);
  DioRequest random_request(std::mt19937_64& rng) const;
  void run_layout(std::atomic<bool>& stop);
  void count_change(LayoutOp op, const Status& s, bool stopping);
  void run_writer(const std::atomic<bool>& stop);
  Status writer_layout_op(LayoutOp op, TargetFile& f, std::mt19937_64& rng);
  void verify_file(TargetFile& f);

  const StressConfig& config_;
  Target& target_;
  DataOracle oracle_;
  FirstError errors_;
  std::vector<LayoutOp> ops_;  // The enabled ops.
  std::unique_ptr<TargetMapping> mapping_;
  uint64_t source_end_ = 0;    // Disk blocks [1, source_end_) are read; [source_end_, end) written.
  std::deque<WriterFile> writer_files_;  // The writer's, then final_check's.
  Counts counts_;
  LayoutWatch watch_;
  std::atomic<bool> dio_stop_{false};  // Stall step 2: the DIO threads end.
  std::atomic<uint32_t> dio_running_{0};
};

Status Collision::setup() {
  DiskFile& disk = *target_.disk();
  std::vector<char> block(kPageSize);
  for (uint64_t b = 1; b < disk.nr_blocks(); ++b) {
    Stamp stamp;
    stamp.kind = static_cast<uint16_t>(StampKind::kDisk);
    stamp.index = static_cast<uint32_t>(b);
    stamp.generation = config_.seed;
    FillStampedBlock(block.data(), stamp);
    Status s = disk.write_block(b, block.data());
    if (!s.ok()) return s;
  }
  // With DIO writes, reads take the lower half and writes land in the upper.
  source_end_ = config_.dio.write ? std::max<uint64_t>(2, disk.nr_blocks() / 2) : disk.nr_blocks();
  TargetFile& victim = target_.victim();
  Status s = StampPages(victim, config_.victim_pages, config_.seed, /*oracle=*/nullptr);
  if (!s.ok()) return s;
  return victim.mmap(config_.victim_pages, &mapping_);
}

std::vector<WorkerSpec> Collision::workers() {
  std::vector<WorkerSpec> w;
  dio_running_.store(config_.threads);
  for (uint32_t i = 0; i < config_.threads; ++i) {
    w.push_back({fmt::format("dio-{}", i), 0x1000 + i, [this, i](std::atomic<bool>& stop) { run_dio(i, stop); }});
  }
  w.push_back({"layout", 0x2000, [this](std::atomic<bool>& stop) { run_layout(stop); }, /*watched=*/true});
  w.push_back({"writer", 0x3000, [this](std::atomic<bool>& stop) { run_writer(stop); }});
  return w;
}

DioRequest Collision::random_request(std::mt19937_64& rng) const {
  DioRequest r;
  r.nr = 1 + static_cast<uint32_t>(rng() % std::min(kMaxDioPages, config_.victim_pages));
  r.page = static_cast<uint32_t>(rng() % (config_.victim_pages - r.nr + 1));
  r.write = config_.dio.write && (!config_.dio.read || rng() % 2 == 0);
  const uint64_t blocks = target_.disk()->nr_blocks();
  r.disk_block = r.write ? source_end_ + rng() % (blocks - source_end_ - r.nr + 1)  // The upper half.
                         : 1 + rng() % (source_end_ - r.nr);                        // Blocks 1 .. source_end-1.
  return r;
}

// One DIO thread: keeps its queue full of random requests, reaping one
// completion at a time, until the stop; then drains it.
void Collision::run_dio(uint32_t id, const std::atomic<bool>& stop) {
  const std::string who = fmt::format("dio-{}", id);
  std::mt19937_64 rng(config_.seed ^ (0x1000ULL + id));
  std::unique_ptr<DioQueue> queue;
  Status s = target_.open_dio(*mapping_, config_.queue_depth, &queue);
  DioTally tally, published;
  while (s.ok() && !stop.load(std::memory_order_relaxed) && !dio_stop_.load(std::memory_order_relaxed)) {
    while (s.ok() && queue->in_flight() < config_.queue_depth) {
      s = queue->submit(random_request(rng));
      if (s.code() == StatusCode::kFault) {
        ++tally.efault;  // Past EOF: the pin was refused (SIGBUS), nothing started.
        s = Status::Ok();
      }
    }
    if (s.ok() && queue->in_flight() > 0) s = queue->reap(1, &tally);
    publish(tally, &published);
  }
  if (!s.ok()) errors_.note(who, s);
  if (queue != nullptr && queue->in_flight() > 0) {
    s = queue->reap(queue->in_flight(), &tally);
    if (!s.ok()) errors_.note(who, s);
  }
  publish(tally, &published);
  queue.reset();
  dio_running_.fetch_sub(1);
}

void Collision::publish(const DioTally& now, DioTally* published) {
  counts_.dio_read.fetch_add(now.reads - published->reads, std::memory_order_relaxed);
  counts_.dio_write.fetch_add(now.writes - published->writes, std::memory_order_relaxed);
  counts_.dio_efault.fetch_add(now.efault - published->efault, std::memory_order_relaxed);
  counts_.dio_other_error.fetch_add(now.other_errors - published->other_errors, std::memory_order_relaxed);
  *published = now;
}

void Collision::count_change(LayoutOp op, const Status& s, bool stopping) {
  const uint32_t i = static_cast<uint32_t>(op);
  if (s.ok()) {
    counts_.layout[i].fetch_add(1, std::memory_order_relaxed);
  } else if (s.code() == StatusCode::kInterrupted && stopping) {
    counts_.interrupted.fetch_add(1, std::memory_order_relaxed);
  } else {
    counts_.layout_errors[i].fetch_add(1, std::memory_order_relaxed);
    errors_.note("layout", s);
  }
}

// The layout thread: random enabled changes of the victim until the stop or
// --max-ops. While the stall watchdog holds it, it runs a change only when
// asked (check/stall.h, step 4).
void Collision::run_layout(std::atomic<bool>& stop) {
  std::mt19937_64 rng(config_.seed ^ 0x2000ULL);
  uint64_t done = 0;
  LayoutOp op = ops_.front();
  while (!stop.load(std::memory_order_relaxed)) {
    if (watch_.held()) {
      if (watch_.take_retry()) (void)ChangeLayout(target_.victim(), op, config_.victim_pages, rng, watch_);
      Task::current().clear_signal();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    op = ops_[rng() % ops_.size()];
    const Status s = ChangeLayout(target_.victim(), op, config_.victim_pages, rng, watch_);
    count_change(op, s, stop.load() || watch_.held());
    if (config_.max_ops != 0 && ++done >= config_.max_ops) stop.store(true);
  }
}

void Collision::stop_io() {
  dio_stop_.store(true);
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (dio_running_.load() != 0 && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

// One layout change of a writer file, with the oracle told where its stamps
// went.
Status Collision::writer_layout_op(LayoutOp op, TargetFile& f, std::mt19937_64& rng) {
  const uint32_t ino = f.ino();
  const uint64_t pages = f.size() / kPageSize;
  if (pages < 2) return Status::Ok();  // Too small to change; the next file will do.
  const PageRange r = RandomRange(rng, pages, pages - 1, op == LayoutOp::kCollapse ? 1 : 0);
  const uint64_t off = r.first * kPageSize, len = r.nr * kPageSize, last = r.first + r.nr - 1;
  Status s;
  switch (op) {
    case LayoutOp::kTruncate:
      s = f.truncate(off);
      if (s.ok()) oracle_.expect_zero(ino, r.first, kMaxPageIndex);
      break;
    case LayoutOp::kPunch:
    case LayoutOp::kZero:
      s = f.fallocate((op == LayoutOp::kPunch ? kFallocPunchHole : kFallocZeroRange) | kFallocKeepSize, off, len);
      if (s.ok()) oracle_.expect_zero(ino, r.first, last);
      break;
    case LayoutOp::kCollapse:
      s = f.fallocate(kFallocCollapseRange, off, len);
      if (s.ok()) {
        oracle_.expect_zero(ino, r.first, last);
        oracle_.shift(ino, r.first + r.nr, -static_cast<int64_t>(r.nr));
      }
      break;
    case LayoutOp::kInsert:
      s = f.fallocate(kFallocInsertRange, off, len);
      if (s.ok()) oracle_.shift(ino, r.first, static_cast<int64_t>(r.nr));
      break;
    case LayoutOp::kPrealloc:
      s = f.fallocate(kFallocKeepSize, off, len + kPageSize);  // Past EOF too.
      break;
  }
  if (s.ok()) counts_.writer_layout_ops.fetch_add(1, std::memory_order_relaxed);
  return s;
}

// The writer: create, stamp, change the layout of a random live file and
// verify it, retire the oldest beyond the window.
void Collision::run_writer(const std::atomic<bool>& stop) {
  std::mt19937_64 rng(config_.seed ^ 0x3000ULL);
  uint64_t generation = 0;
  for (uint64_t n = 0; !stop.load(std::memory_order_relaxed); ++n) {
    WriterFile w;
    w.pages = 1 + rng() % kMaxWriterPages;
    Status s = target_.create(fmt::format("w{}", n), &w.file);
    if (s.ok()) s = StampPages(*w.file, w.pages, ++generation, &oracle_);
    if (!s.ok()) {
      errors_.note("writer", s);
      if (w.file != nullptr) (void)target_.remove(std::move(w.file));
      continue;
    }
    counts_.files_written.fetch_add(1, std::memory_order_relaxed);
    counts_.pages_written.fetch_add(w.pages, std::memory_order_relaxed);
    writer_files_.push_back(std::move(w));
    TargetFile& changed = *writer_files_[rng() % writer_files_.size()].file;
    s = writer_layout_op(ops_[rng() % ops_.size()], changed, rng);
    if (!s.ok()) errors_.note("writer", s);
    verify_file(changed);
    if (writer_files_.size() > kWriterFiles) {
      WriterFile old = std::move(writer_files_.front());
      writer_files_.pop_front();
      verify_file(*old.file);
      oracle_.forget(old.file->ino());
      s = target_.remove(std::move(old.file));
      if (!s.ok()) errors_.note("writer", s);
    }
  }
}

void Collision::verify_file(TargetFile& f) {
  std::vector<char> block(kPageSize);
  const uint64_t pages = (f.size() + kPageSize - 1) / kPageSize;
  for (uint64_t page = 0; page < pages; ++page) {
    Status s = f.read(page * kPageSize, block.data(), kPageSize);
    if (!s.ok()) {
      errors_.note(Task::current().name(), s);
      return;
    }
    oracle_.verify_file_page(f.ino(), page, f.block_of(page), block.data());
    counts_.pages_verified.fetch_add(1, std::memory_order_relaxed);
  }
}

void Collision::final_check(bool layout_returned) {
  Task::current().set_name("final-check");
  for (WriterFile& w : writer_files_) verify_file(*w.file);
  for (WriterFile& w : writer_files_) (void)target_.remove(std::move(w.file));
  writer_files_.clear();
  if (layout_returned) {
    counts_.pages_verified.fetch_add(VerifyDmaTarget(target_.victim(), oracle_, errors_));
  }
  if (!config_.dio.write) return;
  DiskFile& disk = *target_.disk();
  std::vector<char> block(kPageSize);
  for (uint64_t b = source_end_; b < disk.nr_blocks(); ++b) {
    Status s = disk.read_block(b, block.data());
    if (!s.ok()) {
      errors_.note("final-check", s);
      return;
    }
    oracle_.verify_dma_copy(target_.victim().ino(), b, block.data());
  }
}

WorkloadProgress Collision::progress() const {
  uint64_t layout = 0;
  for (const auto& n : counts_.layout) layout += n.load(std::memory_order_relaxed);
  return {"dio", counts_.dio_read.load(std::memory_order_relaxed), layout};
}

nlohmann::json Collision::counts() const {
  nlohmann::json j = {{"dio_read", counts_.dio_read.load()},
                      {"dio_write", counts_.dio_write.load()},
                      {"dio_efault", counts_.dio_efault.load()},
                      {"dio_other_error", counts_.dio_other_error.load()}};
  for (LayoutOp op : ops_) {
    const uint32_t i = static_cast<uint32_t>(op);
    const std::string name(LayoutOpName(op));
    j[name] = counts_.layout[i].load();
    if (counts_.layout_errors[i].load() != 0) j[name + "_errors"] = counts_.layout_errors[i].load();
  }
  j["layout_interrupted_at_stop"] = counts_.interrupted.load();
  j["writer_layout_ops"] = counts_.writer_layout_ops.load();
  j["files_written"] = counts_.files_written.load();
  j["pages_written"] = counts_.pages_written.load();
  j["pages_verified"] = counts_.pages_verified.load();
  return j;
}

Exercise Collision::exercised(const ExerciseFacts& facts) const {
  if (facts.pins.taken.value_or(0) > 0 || facts.break_sleeps_seen > 0) return {true, ""};
  return {false, facts.pins.taken.has_value()
                     ? "no pin was taken and the layout thread was never seen asleep in a break: no O_DIRECT "
                       "transfer held a page of the mapping"
                     : "the pins cannot be counted here (no nr_foll_pin_acquired in /proc/vmstat) and the "
                       "layout thread was never seen asleep in a break"};
}

}  // namespace

std::unique_ptr<StressWorkload> BuildCollision(StressContext& ctx) { return std::make_unique<Collision>(ctx); }

}  // namespace daxbreak
