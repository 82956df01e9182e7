// The cached-mapping stress scenario: the stale-mapping races of
// docs/models/iomap.md on real threads, on the model target only (a real
// kernel's writeback and reclaim cannot be steered). A few page-cache files
// (not DAX), preallocated unwritten, are shared by:
//
//   - `threads` buffered writers: writer t owns slice t of every page (the
//     page split evenly), and writes it with a stamp (ino, page, writer,
//     version), so a write that fills a folio through a stale mapping
//     destroys the other writers' slices and the oracle sees it;
//   - a writeback thread (writeback of every file, in a loop);
//   - a reclaim thread (drops clean folios, in a loop);
//   - a layout thread: zero range, punch hole, preallocation and truncate
//     down and back up over random page ranges (collapse and insert are not
//     run here: this oracle does not follow shifts).
//
// Each file has an oracle lock that a writer holds across its write and a
// layout change across its change, so the expected contents change with the
// file. A writer verifies its own slice of a random page after each write;
// final_check() reads every slice.
//
// Thread-safety: run_* methods each run on their own worker thread;
// counters are relaxed atomics; the expected contents are guarded by each
// file's oracle lock.

#include <array>
#include <atomic>
#include <cstring>
#include <memory>
#include <random>
#include <string>

#include <fmt/format.h>

#include "daxbreak/fs/buffered_io.h"
#include "daxbreak/fs/dax_fs.h"
#include "daxbreak/stress/model_target.h"
#include "daxbreak/sync/task.h"
#include "stress/scenarios/scenarios.h"

namespace daxbreak {
namespace {

constexpr uint32_t kFiles = 4;

// The byte a stamp fills a slice with: distinct per (ino, page, writer,
// version), never 0 for a written version (version 0 means "reads as zeros").
char StampByte(uint32_t ino, uint64_t page, uint32_t writer, uint64_t version) {
  if (version == 0) return '\0';
  const uint64_t h = (ino * 0x9E3779B97F4A7C15ULL) ^ (page * 0xBF58476D1CE4E5B9ULL) ^
                     (writer * 0x94D049BB133111EBULL) ^ version;
  return static_cast<char>(1 + (h ^ (h >> 29)) % 255);
}

}  // namespace

class CachedMapping final : public StressWorkload {
 public:
  explicit CachedMapping(StressContext& ctx);
  ~CachedMapping() override;

  Status setup() override;
  std::vector<WorkerSpec> workers() override;
  WorkloadProgress progress() const override {
    return {"writes", writes_.load(std::memory_order_relaxed), layout_ops_done()};
  }
  void final_check(bool layout_returned) override;
  nlohmann::json counts() const override;
  // The race needs buffered writes and layout changes both.
  Exercise exercised(const ExerciseFacts&) const override {
    if (writes_.load() > 0 && layout_ops_done() > 0) return {true, ""};
    return {false, "no buffered write or no layout change completed"};
  }
  Status first_error() const override { return errors_.get(); }

 private:
  struct File;
  void run_writer(uint32_t id, const std::atomic<bool>& stop);
  void run_writeback(const std::atomic<bool>& stop);
  void run_reclaim(const std::atomic<bool>& stop);
  void run_layout(std::atomic<bool>& stop);
  uint64_t layout_ops_done() const;
  // Compares slice `slice` of `page` of `f` with the oracle. Caller holds
  // f.oracle_lock.
  void verify_slice(File& f, uint64_t page, uint32_t slice, const char* who);

  const StressConfig& config_;
  DaxFs* const fs_;
  Checker* const checker_;
  BufferedIo bio_;
  uint64_t slice_bytes_ = 0;
  std::vector<std::unique_ptr<File>> files_;
  std::atomic<uint64_t> writes_{0}, writebacks_{0}, reclaims_{0}, verified_{0};
  std::array<std::atomic<uint64_t>, kLayoutOps> layout_ops_{};
  FirstError errors_;
};

struct CachedMapping::File {
  std::shared_ptr<Inode> inode;
  Mutex oracle_lock{"oracle"};
  // [page][writer]: the version of the slice's last write, 0 for zeros.
  std::vector<std::vector<uint64_t>> version GUARDED_BY(oracle_lock);
};

CachedMapping::CachedMapping(StressContext& ctx)
    : config_(ctx.config),
      fs_(&ctx.target.model()->fs()),
      checker_(&ctx.target.checker()),
      bio_(fs_->device(), fs_->allocator(), config_.protocol->iomap, checker_),
      slice_bytes_(kPageSize / config_.threads) {}

CachedMapping::~CachedMapping() = default;

std::vector<WorkerSpec> CachedMapping::workers() {
  std::vector<WorkerSpec> w;
  for (uint32_t i = 0; i < config_.threads; ++i) {
    w.push_back({fmt::format("writer-{}", i), 0x4000 + i, [this, i](std::atomic<bool>& stop) { run_writer(i, stop); }});
  }
  w.push_back({"layout", 0x5000, [this](std::atomic<bool>& stop) { run_layout(stop); }});
  w.push_back({"writeback", 0x6000, [this](std::atomic<bool>& stop) { run_writeback(stop); }});
  w.push_back({"reclaim", 0x7000, [this](std::atomic<bool>& stop) { run_reclaim(stop); }});
  return w;
}

Status CachedMapping::setup() {
  for (uint32_t i = 0; i < kFiles; ++i) {
    auto f = std::make_unique<File>();
    Status s = fs_->create(fmt::format("cached-{}", i), &f->inode, /*dax=*/false);
    if (!s.ok()) return s;
    s = fs_->fallocate(f->inode.get(), 0, 0, uint64_t{config_.victim_pages} * kPageSize);
    if (!s.ok()) return s;
    MutexLock lock(&f->oracle_lock);
    f->version.assign(config_.victim_pages, std::vector<uint64_t>(config_.threads, 0));
    files_.push_back(std::move(f));
  }
  return Status::Ok();
}

void CachedMapping::verify_slice(File& f, uint64_t page, uint32_t slice, const char* who) {
  f.oracle_lock.assert_held();
  std::string now(slice_bytes_, '\0');
  bio_.read(f.inode.get(), page * kPageSize + slice * slice_bytes_, now.data(), now.size());
  const char want = StampByte(f.inode->ino(), page, slice, f.version[page][slice]);
  verified_.fetch_add(1, std::memory_order_relaxed);
  const size_t bad = now.find_first_not_of(want);
  if (bad == std::string::npos) return;
  checker_->report(Violation{ViolationKind::kDataCorruption, 0, f.inode->ino(),
                             page * kPageSize + slice * slice_bytes_ + bad, who,
                             fmt::format("slice {} of page {} reads byte {:#04x} at +{}, where writer {}'s "
                                         "version {} ({:#04x}) is: its data was lost",
                                         slice, page, static_cast<uint8_t>(now[bad]), bad, slice,
                                         f.version[page][slice], static_cast<uint8_t>(want))});
}

void CachedMapping::run_writer(uint32_t id, const std::atomic<bool>& stop) {
  std::mt19937_64 rng(config_.seed ^ (0x4000ULL + id));
  std::string buf(slice_bytes_, '\0');
  while (!stop.load(std::memory_order_relaxed)) {
    File& f = *files_[rng() % files_.size()];
    const uint64_t page = rng() % config_.victim_pages;
    MutexLock lock(&f.oracle_lock);
    const uint64_t version = f.version[page][id] + 1;
    buf.assign(slice_bytes_, StampByte(f.inode->ino(), page, id, version));
    Status s = bio_.write(f.inode.get(), page * kPageSize + id * slice_bytes_, buf.data(), buf.size());
    if (!s.ok()) {
      errors_.note(Task::current().name(), s);
      continue;
    }
    f.version[page][id] = version;
    writes_.fetch_add(1, std::memory_order_relaxed);
    verify_slice(f, rng() % config_.victim_pages, id, "writer");
  }
}

void CachedMapping::run_writeback(const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) {
    for (auto& f : files_) {
      Status s = bio_.writeback(f->inode.get());
      if (!s.ok()) errors_.note(Task::current().name(), s);
    }
    writebacks_.fetch_add(1, std::memory_order_relaxed);
  }
}

void CachedMapping::run_reclaim(const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) {
    for (auto& f : files_) bio_.reclaim(f->inode.get());
    reclaims_.fetch_add(1, std::memory_order_relaxed);
  }
}

void CachedMapping::run_layout(std::atomic<bool>& stop) {
  std::mt19937_64 rng(config_.seed ^ 0x5000ULL);
  std::vector<LayoutOp> ops;
  for (LayoutOp op : {LayoutOp::kTruncate, LayoutOp::kPunch, LayoutOp::kZero, LayoutOp::kPrealloc}) {
    if (config_.layout_ops & LayoutOpBit(op)) ops.push_back(op);
  }
  if (ops.empty()) return;
  const uint64_t pages = config_.victim_pages;
  while (!stop.load(std::memory_order_relaxed)) {
    if (config_.max_ops != 0 && layout_ops_done() >= config_.max_ops) {
      stop.store(true);
      return;
    }
    File& f = *files_[rng() % files_.size()];
    const LayoutOp op = ops[rng() % ops.size()];
    const uint64_t first = rng() % pages;
    const uint64_t nr = 1 + rng() % (pages - first);
    Inode* inode = f.inode.get();
    MutexLock lock(&f.oracle_lock);
    Status s;
    switch (op) {
      case LayoutOp::kTruncate:
        s = fs_->truncate(inode, first * kPageSize);
        if (s.ok()) s = fs_->truncate(inode, pages * kPageSize);
        if (s.ok()) s = fs_->fallocate(inode, kFallocKeepSize, 0, pages * kPageSize);
        break;
      case LayoutOp::kPunch:
        s = fs_->punch_hole(inode, first * kPageSize, nr * kPageSize);
        break;
      case LayoutOp::kZero:
        s = fs_->fallocate(inode, kFallocZeroRange | kFallocKeepSize, first * kPageSize, nr * kPageSize);
        break;
      default:
        s = fs_->fallocate(inode, kFallocKeepSize, first * kPageSize, nr * kPageSize);
        break;
    }
    if (!s.ok()) {
      errors_.note(Task::current().name(), s);
      continue;
    }
    // Preallocation keeps the data; the others leave zeros.
    if (op != LayoutOp::kPrealloc) {
      const uint64_t end = op == LayoutOp::kTruncate ? pages : first + nr;
      for (uint64_t p = first; p < end; ++p) f.version[p].assign(config_.threads, 0);
    }
    layout_ops_[static_cast<uint32_t>(op)].fetch_add(1, std::memory_order_relaxed);
  }
}

void CachedMapping::final_check(bool /*layout_returned*/) {
  Task::current().set_name("final-check");
  for (auto& f : files_) {
    MutexLock lock(&f->oracle_lock);
    for (uint64_t p = 0; p < config_.victim_pages; ++p) {
      for (uint32_t w = 0; w < config_.threads; ++w) verify_slice(*f, p, w, "final-check");
    }
  }
}

nlohmann::json CachedMapping::counts() const {
  nlohmann::json j = {{"buffered_writes", writes_.load()},
                      {"writeback_passes", writebacks_.load()},
                      {"reclaim_passes", reclaims_.load()},
                      {"slices_verified", verified_.load()}};
  for (LayoutOp op : {LayoutOp::kTruncate, LayoutOp::kPunch, LayoutOp::kZero, LayoutOp::kPrealloc}) {
    if (config_.layout_ops & LayoutOpBit(op)) j[std::string(LayoutOpName(op))] = layout_ops_[static_cast<uint32_t>(op)].load();
  }
  return j;
}

uint64_t CachedMapping::layout_ops_done() const {
  uint64_t n = 0;
  for (const auto& c : layout_ops_) n += c.load(std::memory_order_relaxed);
  return n;
}

std::unique_ptr<StressWorkload> BuildCachedMapping(StressContext& ctx) {
  return std::make_unique<CachedMapping>(ctx);
}

}  // namespace daxbreak
