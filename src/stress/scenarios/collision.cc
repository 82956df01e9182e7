#include "stress/scenarios/collision.h"

#include <algorithm>
#include <cerrno>
#include <thread>
#include <chrono>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/check/stamp.h"
#include "daxbreak/sync/task.h"

namespace daxbreak {
namespace {

constexpr uint32_t kMaxDioPages = 4;     // Pages per DIO request.
constexpr size_t kWriterFiles = 16;      // Writer files kept alive.
constexpr uint32_t kMaxWriterPages = 8;  // Pages per writer file when written.

// A random range of `nr` (1..max_nr) pages starting in [0, pages - nr - tail],
// so that `tail` pages stay after it.
struct PageRange {
  uint64_t first, nr;
};
PageRange RandomRange(std::mt19937_64& rng, uint64_t pages, uint64_t max_nr, uint64_t tail) {
  const uint64_t nr = 1 + rng() % max_nr;
  return {rng() % (pages - nr - tail + 1), nr};
}

}  // namespace

CollisionScenario::CollisionScenario(const StressConfig& config, DaxFs* fs, DiskFile* disk,
                                     Checker* checker, MmStruct* mm)
    : config_(config), fs_(fs), disk_(disk), mm_(mm), oracle_(checker) {
  for (uint32_t i = 0; i < kLayoutOps; ++i) {
    if (config_.layout_ops & (1u << i)) ops_.push_back(static_cast<LayoutOp>(i));
  }
}

CollisionScenario::~CollisionScenario() { victim_vma_.reset(); }

Status CollisionScenario::setup() {
  std::vector<char> block(kPageSize);
  for (uint64_t b = 1; b < disk_->nr_blocks(); ++b) {
    Stamp stamp;
    stamp.kind = static_cast<uint16_t>(StampKind::kDisk);
    stamp.index = static_cast<uint32_t>(b);
    stamp.generation = config_.seed;
    FillStampedBlock(block.data(), stamp);
    Status s = disk_->write_block(b, block.data());
    if (!s.ok()) return s;
  }
  Status s = fs_->create("victim", &victim_);
  if (!s.ok()) return s;
  s = fs_->truncate(victim_.get(), uint64_t{config_.victim_pages} * kPageSize);
  if (!s.ok()) return s;
  victim_vma_ = fs_->mmap(mm_, victim_.get(), config_.victim_pages, /*writable=*/true);
  return Status::Ok();
}

void CollisionScenario::note_error(const Status& s) {
  counts_.errors.fetch_add(1, std::memory_order_relaxed);
  MutexLock lock(&error_mu_);
  if (first_error_.ok()) first_error_ = Status::IoError(fmt::format("{}: {}", Task::current().name(), s.ToString()));
}

void CollisionScenario::enter_worker(const std::string& name) {
  Task::current().set_name(name);
  MutexLock lock(&error_mu_);
  workers_.push_back(&Task::current());
}

void CollisionScenario::leave_worker() {
  MutexLock lock(&error_mu_);
  workers_.erase(std::find(workers_.begin(), workers_.end(), &Task::current()));
}

void CollisionScenario::interrupt_workers() {
  MutexLock lock(&error_mu_);
  for (Task* t : workers_) send_signal(*t);
}

Status CollisionScenario::first_error() {
  MutexLock lock(&error_mu_);
  return first_error_;
}

LayoutOp CollisionScenario::pick_op(std::mt19937_64& rng) const { return ops_[rng() % ops_.size()]; }

void CollisionScenario::run_dio(uint32_t id, DioEngine* engine, const std::atomic<bool>& stop) {
  enter_worker(fmt::format("dio-{}", id));
  dio_running_.fetch_add(1);
  std::mt19937_64 rng(config_.seed ^ (0x1000ULL + id));
  const uint32_t max_pages = std::min(kMaxDioPages, config_.victim_pages);
  const uint64_t disk_blocks = disk_->nr_blocks();
  while (!stop.load(std::memory_order_relaxed) && !dio_stop_.load(std::memory_order_relaxed)) {
    const uint32_t nr = 1 + static_cast<uint32_t>(rng() % max_pages);
    const uint32_t first = static_cast<uint32_t>(rng() % (config_.victim_pages - nr + 1));
    const uint64_t block = 1 + rng() % (disk_blocks - nr);
    Status s = engine->dio_read(block * kPageSize, *victim_vma_, victim_vma_->address_of(first),
                                uint64_t{nr} * kPageSize);
    if (s.ok()) counts_.dio_reads.fetch_add(1, std::memory_order_relaxed);
    else if (s.code() == StatusCode::kFault) counts_.dio_refused.fetch_add(1, std::memory_order_relaxed);
    else note_error(s);
    s = engine->reap(0);
    if (!s.ok()) note_error(s);
  }
  Status s = engine->drain();
  if (!s.ok()) note_error(s);
  dio_running_.fetch_sub(1);
  leave_worker();
}

Status CollisionScenario::victim_layout_op(LayoutOp op, std::mt19937_64& rng) {
  Inode* v = victim_.get();
  const uint64_t pages = config_.victim_pages;
  const uint64_t full = pages * kPageSize;
  const PageRange r = RandomRange(rng, pages, pages - 1, op == LayoutOp::kCollapse ? 1 : 0);
  Status s;
  switch (op) {
    case LayoutOp::kTruncate:
      s = fs_->truncate(v, (rng() % pages) * kPageSize);
      break;
    case LayoutOp::kPunch:
      return fs_->punch_hole(v, r.first * kPageSize, r.nr * kPageSize);
    case LayoutOp::kZero:
      return fs_->fallocate(v, kFallocZeroRange | kFallocKeepSize, r.first * kPageSize, r.nr * kPageSize);
    case LayoutOp::kCollapse:
      s = fs_->fallocate(v, kFallocCollapseRange, r.first * kPageSize, r.nr * kPageSize);
      break;
    case LayoutOp::kInsert:
      s = fs_->fallocate(v, kFallocInsertRange, (rng() % pages) * kPageSize, r.nr * kPageSize);
      break;
    case LayoutOp::kPrealloc:
      return fs_->fallocate(v, kFallocKeepSize, r.first * kPageSize, r.nr * kPageSize);
  }
  // Truncate, collapse and insert changed the size: back to the mapped size.
  return s.ok() ? fs_->truncate(v, full) : s;
}

namespace {

// A layout change's Status as the errno a system call would return.
int AsErrno(const Status& s) {
  if (s.ok()) return 0;
  return s.code() == StatusCode::kInterrupted ? EINTR : EIO;
}

}  // namespace

void CollisionScenario::run_layout(std::atomic<bool>& stop) {
  enter_worker("layout");
  layout_task_.store(&Task::current());
  std::mt19937_64 rng(config_.seed ^ 0x2000ULL);
  uint64_t ops = 0;
  LayoutOp op = ops_.front();
  while (!stop.load(std::memory_order_relaxed)) {
    if (watch_.held()) {  // The stall watchdog owns this thread (check/stall.h).
      if (watch_.take_retry()) {
        watch_.begin(LayoutOpName(op).data());
        watch_.end(AsErrno(victim_layout_op(op, rng)));
      }
      Task::current().clear_signal();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    const auto op_start = std::chrono::steady_clock::now();
    op = pick_op(rng);
    watch_.begin(LayoutOpName(op).data());
    Status s = victim_layout_op(op, rng);
    watch_.end(AsErrno(s));
    const int64_t op_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::steady_clock::now() - op_start)
                              .count();
    if (op_ns > counts_.longest_layout_ns.load()) counts_.longest_layout_ns.store(op_ns);
    if (s.ok()) {
      counts_.layout_ops[static_cast<uint32_t>(op)].fetch_add(1, std::memory_order_relaxed);
    } else if (s.code() == StatusCode::kInterrupted && (stop.load() || watch_.held())) {
      counts_.interrupted.fetch_add(1, std::memory_order_relaxed);
    } else {
      note_error(s);
    }
    if (config_.max_ops != 0 && ++ops >= config_.max_ops) stop.store(true);
  }
  leave_worker();
}

// The stall steps on the model's threads.
class CollisionStallProbe : public StallProbe {
 public:
  explicit CollisionStallProbe(CollisionScenario& c) : c_(c) {}
  std::string where() override {
    return fmt::format("break_layouts, asleep in wait_var_event() on a page's refcount ({} protocol)",
                       c_.config_.protocol->name);
  }
  void stop_io() override {
    c_.dio_stop_.store(true);
    while (c_.dio_running_.load() != 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void send_signal() override {
    if (Task* t = c_.layout_task_.load()) daxbreak::send_signal(*t);
  }
  // munmap: nothing uses the mapping once the DIO threads are gone.
  void unmap() override { c_.victim_vma_.reset(); }

 private:
  CollisionScenario& c_;
};

std::unique_ptr<StallProbe> CollisionScenario::make_stall_probe() {
  return std::make_unique<CollisionStallProbe>(*this);
}

Status CollisionScenario::writer_layout_op(LayoutOp op, const WriterFile& file, std::mt19937_64& rng) {
  Inode* f = file.inode.get();
  const uint32_t ino = f->ino();
  const uint64_t pages = f->size() / kPageSize;
  if (pages < 2) return Status::Ok();  // Too small to change; the next file will do.
  const PageRange r = RandomRange(rng, pages, pages - 1, op == LayoutOp::kCollapse ? 1 : 0);
  const uint64_t off = r.first * kPageSize, len = r.nr * kPageSize;
  Status s;
  switch (op) {
    case LayoutOp::kTruncate:
      s = fs_->truncate(f, r.first * kPageSize);
      if (s.ok()) oracle_.expect_zero(ino, r.first, kMaxPageIndex);
      break;
    case LayoutOp::kPunch:
    case LayoutOp::kZero:
      s = op == LayoutOp::kPunch ? fs_->punch_hole(f, off, len)
                                 : fs_->fallocate(f, kFallocZeroRange | kFallocKeepSize, off, len);
      if (s.ok()) oracle_.expect_zero(ino, r.first, r.first + r.nr - 1);
      break;
    case LayoutOp::kCollapse:
      s = fs_->fallocate(f, kFallocCollapseRange, off, len);
      if (s.ok()) {
        oracle_.expect_zero(ino, r.first, r.first + r.nr - 1);
        oracle_.shift(ino, r.first + r.nr, -static_cast<int64_t>(r.nr));
      }
      break;
    case LayoutOp::kInsert:
      s = fs_->fallocate(f, kFallocInsertRange, off, len);
      if (s.ok()) oracle_.shift(ino, r.first, static_cast<int64_t>(r.nr));
      break;
    case LayoutOp::kPrealloc:
      s = fs_->fallocate(f, kFallocKeepSize, off, len + kPageSize);  // Past EOF too.
      break;
  }
  if (s.ok()) counts_.writer_layout_ops.fetch_add(1, std::memory_order_relaxed);
  return s;
}

void CollisionScenario::run_writer(const std::atomic<bool>& stop) {
  enter_worker("writer");
  std::mt19937_64 rng(config_.seed ^ 0x3000ULL);
  std::vector<char> block(kPageSize);
  uint64_t generation = 0;
  uint64_t file_no = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    WriterFile file;
    file.name = fmt::format("w{}", file_no++);
    const uint32_t nr_pages = 1 + static_cast<uint32_t>(rng() % kMaxWriterPages);
    Status s = fs_->create(file.name, &file.inode);
    for (uint32_t page = 0; s.ok() && page < nr_pages; ++page) {
      Stamp stamp;
      stamp.kind = static_cast<uint16_t>(StampKind::kFile);
      stamp.ino = file.inode->ino();
      stamp.index = page;
      stamp.generation = ++generation;
      FillStampedBlock(block.data(), stamp);
      s = fs_->write(file.inode.get(), uint64_t{page} * kPageSize, block.data(), kPageSize);
      if (s.ok()) oracle_.expect(stamp.ino, page, stamp.generation);
      if (s.ok()) counts_.pages_written.fetch_add(1, std::memory_order_relaxed);
    }
    if (!s.ok()) {
      note_error(s);
      continue;
    }
    counts_.files_written.fetch_add(1, std::memory_order_relaxed);
    writer_files_.push_back(std::move(file));
    // Change the layout of a random live file, verify it, then retire the
    // oldest beyond the window.
    const WriterFile& changed = writer_files_[rng() % writer_files_.size()];
    s = writer_layout_op(pick_op(rng), changed, rng);
    if (!s.ok()) note_error(s);
    verify_file(changed);
    if (writer_files_.size() > kWriterFiles) {
      WriterFile old = std::move(writer_files_.front());
      writer_files_.pop_front();
      verify_file(old);
      oracle_.forget(old.inode->ino());
      s = fs_->unlink(old.name);
      if (!s.ok()) note_error(s);
    }
  }
  leave_worker();
}

void CollisionScenario::verify_file(const WriterFile& file) {
  std::vector<char> block(kPageSize);
  const uint64_t pages = (file.inode->size() + kPageSize - 1) / kPageSize;
  for (uint64_t page = 0; page < pages; ++page) {
    std::memset(block.data(), 0, kPageSize);
    uint64_t done = 0;
    Status s = fs_->read(file.inode.get(), page * kPageSize, block.data(), kPageSize, &done);
    if (!s.ok()) {
      note_error(s);
      return;
    }
    uint64_t pfn = 0;
    file.inode->lookup_block(page, &pfn);
    oracle_.verify_file_page(file.inode->ino(), page, pfn, block.data());
    counts_.pages_verified.fetch_add(1, std::memory_order_relaxed);
  }
}

void CollisionScenario::verify_victim() {
  std::vector<char> block(kPageSize);
  const uint64_t pages = victim_->size() / kPageSize;
  for (uint64_t page = 0; page < pages; ++page) {
    uint64_t done = 0;
    Status s = fs_->read(victim_.get(), page * kPageSize, block.data(), kPageSize, &done);
    if (!s.ok()) {
      note_error(s);
      return;
    }
    uint64_t pfn = 0;
    victim_->lookup_block(page, &pfn);
    oracle_.verify_dma_target_page(victim_->ino(), page, pfn, block.data());
    counts_.pages_verified.fetch_add(1, std::memory_order_relaxed);
  }
}

void CollisionScenario::final_check() {
  Task::current().set_name("final-check");
  for (const WriterFile& file : writer_files_) verify_file(file);
  verify_victim();
}

}  // namespace daxbreak
