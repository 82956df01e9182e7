#include "stress/scenarios/scenarios.h"

#include <thread>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/check/stamp.h"
#include "daxbreak/fs/dax_fs.h"

namespace daxbreak {

void FirstError::note(const std::string& who, const Status& s) {
  MutexLock lock(&mu_);
  if (first_.ok()) first_ = Status::IoError(fmt::format("{}: {}", who, s.ToString()));
}

Status FirstError::get() const {
  MutexLock lock(&mu_);
  return first_;
}

void StepLog::add(std::string line) {
  MutexLock lock(&mu_);
  lines_.push_back(std::move(line));
  count_.fetch_add(1, std::memory_order_relaxed);
}

nlohmann::json StepLog::to_json() const {
  MutexLock lock(&mu_);
  return {{"steps", lines_}};
}

VictimChange::VictimChange(const StressConfig& config, TargetFile& victim)
    : victim_(victim),
      bytes_(uint64_t{config.victim_pages} * kPageSize),
      punch_((config.layout_ops & LayoutOpBit(LayoutOp::kTruncate)) == 0) {}

Status VictimChange::change() {
  return punch_ ? victim_.fallocate(kFallocPunchHole | kFallocKeepSize, 0, bytes_) : victim_.truncate(0);
}

void VictimChange::run(const std::atomic<bool>& stop) {
  while (!go_.load() && !stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (bool first = true; !stop.load(); first = false) {
    if (first || watch_.take_retry()) {
      watch_.begin(name());
      watch_.end(change().err());
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
}

bool VictimChange::start_and_settle(std::chrono::milliseconds settle, const std::atomic<bool>& stop) {
  go_.store(true);
  const auto pause = [] { std::this_thread::sleep_for(std::chrono::milliseconds(1)); };
  while (watch_.ends() == 0 && watch_.done() && !stop.load()) pause();  // Not begun yet.
  const auto deadline = std::chrono::steady_clock::now() + settle;
  while (!watch_.done() && !stop.load() && std::chrono::steady_clock::now() < deadline) pause();
  return !watch_.done() && !stop.load();
}

bool VictimChange::wait_returned(const std::atomic<bool>& stop) const {
  while (!stop.load() && (!watch_.done() || watch_.held())) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return !stop.load();
}

void DropReferenceAndAwait(TargetMapping& mapping, const VictimChange& change, bool slept, StepLog& steps,
                           std::atomic<bool>& stop) {
  mapping.drop_reference();
  steps.add("reference dropped (pipe drained)");
  if (!change.wait_returned(stop)) return;
  if (slept) steps.add("the change returned");
  stop.store(true);
}

std::string WhereIs(StressContext& ctx, std::string_view name) {
  const Worker* w = ctx.worker(name);
  return w != nullptr ? ctx.target.where(*w) : "?";
}

PageRange RandomRange(std::mt19937_64& rng, uint64_t pages, uint64_t max_nr, uint64_t tail) {
  const uint64_t nr = 1 + rng() % max_nr;
  return {rng() % (pages - nr - tail + 1), nr};
}

Status ChangeLayout(TargetFile& f, LayoutOp op, uint64_t pages, std::mt19937_64& rng, LayoutWatch& watch) {
  const uint64_t full = pages * kPageSize;
  const PageRange r = RandomRange(rng, pages, pages - 1, op == LayoutOp::kCollapse ? 1 : 0);
  const uint64_t off = r.first * kPageSize, len = r.nr * kPageSize;
  watch.begin(LayoutOpName(op).data());
  Status s;
  switch (op) {
    case LayoutOp::kTruncate: s = f.truncate((rng() % pages) * kPageSize); break;
    case LayoutOp::kPunch: s = f.fallocate(kFallocPunchHole | kFallocKeepSize, off, len); break;
    case LayoutOp::kZero: s = f.fallocate(kFallocZeroRange | kFallocKeepSize, off, len); break;
    case LayoutOp::kCollapse: s = f.fallocate(kFallocCollapseRange, off, len); break;
    case LayoutOp::kInsert: s = f.fallocate(kFallocInsertRange, (rng() % pages) * kPageSize, len); break;
    case LayoutOp::kPrealloc: s = f.fallocate(kFallocKeepSize, off, len); break;
  }
  watch.end(s.err());
  const bool resized = op == LayoutOp::kTruncate || op == LayoutOp::kCollapse || op == LayoutOp::kInsert;
  if (!s.ok() || !resized) return s;
  watch.begin("truncate-regrow");
  s = f.truncate(full);
  watch.end(s.err());
  return s;
}

Status StampPages(TargetFile& f, uint64_t pages, uint64_t generation, DataOracle* oracle) {
  std::vector<char> block(kPageSize);
  for (uint64_t page = 0; page < pages; ++page) {
    Stamp stamp;
    stamp.kind = static_cast<uint16_t>(StampKind::kFile);
    stamp.ino = f.ino();
    stamp.index = static_cast<uint32_t>(page);
    stamp.generation = generation;
    FillStampedBlock(block.data(), stamp);
    Status s = f.write(page * kPageSize, block.data(), kPageSize);
    if (!s.ok()) return s;
    if (oracle != nullptr) oracle->expect(stamp.ino, page, generation);
  }
  return Status::Ok();
}

uint64_t VerifyDmaTarget(TargetFile& f, DataOracle& oracle, FirstError& errors) {
  std::vector<char> block(kPageSize);
  const uint64_t pages = f.size() / kPageSize;
  for (uint64_t page = 0; page < pages; ++page) {
    Status s = f.read(page * kPageSize, block.data(), kPageSize);
    if (!s.ok()) {
      errors.note("final-check", s);
      return page;
    }
    oracle.verify_dma_target_page(f.ino(), page, f.block_of(page), block.data());
  }
  return pages;
}

}  // namespace daxbreak
