#include "stress/scenarios/cached_mapping.h"

#include <cstring>
#include <random>
#include <string>

#include <fmt/format.h>

#include "daxbreak/sync/task.h"

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

struct CachedMappingScenario::File {
  std::shared_ptr<Inode> inode;
  Mutex oracle_lock{"oracle"};
  // [page][writer]: the version of the slice's last write, 0 for zeros.
  std::vector<std::vector<uint64_t>> version GUARDED_BY(oracle_lock);
};

CachedMappingScenario::CachedMappingScenario(const StressConfig& config, DaxFs* fs, Checker* checker)
    : config_(config),
      fs_(fs),
      checker_(checker),
      bio_(fs->device(), fs->allocator(), config.protocol->iomap, checker),
      slice_bytes_(kPageSize / config.threads) {}

CachedMappingScenario::~CachedMappingScenario() = default;

Status CachedMappingScenario::setup() {
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

void CachedMappingScenario::verify_slice(File& f, uint64_t page, uint32_t slice, const char* who) {
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

void CachedMappingScenario::run_writer(uint32_t id, const std::atomic<bool>& stop) {
  Task::current().set_name(fmt::format("writer-{}", id));
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
      note_error(s);
      continue;
    }
    f.version[page][id] = version;
    writes_.fetch_add(1, std::memory_order_relaxed);
    verify_slice(f, rng() % config_.victim_pages, id, "writer");
  }
}

void CachedMappingScenario::run_writeback(const std::atomic<bool>& stop) {
  Task::current().set_name("writeback");
  while (!stop.load(std::memory_order_relaxed)) {
    for (auto& f : files_) {
      Status s = bio_.writeback(f->inode.get());
      if (!s.ok()) note_error(s);
    }
    writebacks_.fetch_add(1, std::memory_order_relaxed);
  }
}

void CachedMappingScenario::run_reclaim(const std::atomic<bool>& stop) {
  Task::current().set_name("reclaim");
  while (!stop.load(std::memory_order_relaxed)) {
    for (auto& f : files_) bio_.reclaim(f->inode.get());
    reclaims_.fetch_add(1, std::memory_order_relaxed);
  }
}

void CachedMappingScenario::run_layout(std::atomic<bool>& stop) {
  Task::current().set_name("layout");
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
      note_error(s);
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

void CachedMappingScenario::final_check() {
  Task::current().set_name("final-check");
  for (auto& f : files_) {
    MutexLock lock(&f->oracle_lock);
    for (uint64_t p = 0; p < config_.victim_pages; ++p) {
      for (uint32_t w = 0; w < config_.threads; ++w) verify_slice(*f, p, w, "final-check");
    }
  }
}

nlohmann::json CachedMappingScenario::counts_json() const {
  nlohmann::json j = {{"buffered_writes", writes_.load()},
                      {"writeback_passes", writebacks_.load()},
                      {"reclaim_passes", reclaims_.load()},
                      {"slices_verified", verified_.load()}};
  for (LayoutOp op : {LayoutOp::kTruncate, LayoutOp::kPunch, LayoutOp::kZero, LayoutOp::kPrealloc}) {
    if (config_.layout_ops & LayoutOpBit(op)) j[std::string(LayoutOpName(op))] = layout_ops_[static_cast<uint32_t>(op)].load();
  }
  return j;
}

uint64_t CachedMappingScenario::layout_ops_done() const {
  uint64_t n = 0;
  for (const auto& c : layout_ops_) n += c.load(std::memory_order_relaxed);
  return n;
}

void CachedMappingScenario::note_error(const Status& s) {
  MutexLock lock(&error_mu_);
  if (first_error_.ok()) first_error_ = s;
}

Status CachedMappingScenario::first_error() {
  MutexLock lock(&error_mu_);
  return first_error_;
}

}  // namespace daxbreak
