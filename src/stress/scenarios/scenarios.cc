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

ChangeSpec VictimTruncate(const StressConfig& config, TargetFile& victim) {
  const uint64_t bytes = uint64_t{config.victim_pages} * kPageSize;
  if ((config.layout_ops & LayoutOpBit(LayoutOp::kTruncate)) == 0) {
    return {"punch", [&victim, bytes] { return victim.fallocate(kFallocPunchHole | kFallocKeepSize, 0, bytes); }};
  }
  return {"truncate", [&victim] { return victim.truncate(0); }};
}

void WatchedChange::run(const std::atomic<bool>& stop) {
  while (!go_.load() && !stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (bool first = true; !stop.load(); first = false) {
    if (first || watch_.take_retry()) {
      watch_.begin(name_);
      watch_.end(change_().err());
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
}

bool WatchedChange::start_and_settle(std::chrono::milliseconds settle, const std::atomic<bool>& stop) {
  go_.store(true);
  const auto pause = [] { std::this_thread::sleep_for(std::chrono::milliseconds(1)); };
  while (watch_.ends() == 0 && watch_.done() && !stop.load()) pause();  // Not begun yet.
  const auto deadline = std::chrono::steady_clock::now() + settle;
  while (!watch_.done() && !stop.load() && std::chrono::steady_clock::now() < deadline) pause();
  return !watch_.done() && !stop.load();
}

bool WatchedChange::wait_returned(const std::atomic<bool>& stop) const {
  while (!stop.load() && (!watch_.done() || watch_.held())) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return !stop.load();
}

void DropReferenceAndAwait(TargetMapping& mapping, const WatchedChange& change, bool slept, StepLog& steps,
                           std::atomic<bool>& stop) {
  mapping.drop_reference();
  steps.add("reference dropped (pipe drained)");
  if (!change.wait_returned(stop)) return;
  if (slept) steps.add("the change returned");
  stop.store(true);
}

namespace {

constexpr uint64_t kSmallFillFiles = 4096;  // One page each.
constexpr uint64_t kFillPages = 256;        // Then 1 MiB each.
constexpr uint64_t kMaxFillBytes = 4ULL << 30;

// What `mapping`'s reference reads now; false (and noted) when it cannot be read.
bool Peek(TargetMapping& mapping, BlockReading* out, const std::string& who, FirstError& errors) {
  std::vector<char> page(kPageSize);
  const Status s = mapping.peek_reference(page.data());
  if (!s.ok()) errors.note(who, s);
  *out = ReadStampedBlock(page.data());
  return s.ok();
}

bool IsStamp(const BlockReading& r, const Stamp& expected) {
  return r.state == BlockState::kStamped && r.stamp.kind == expected.kind && r.stamp.ino == expected.ino &&
         r.stamp.index == expected.index && r.stamp.generation == expected.generation;
}

}  // namespace

ReuseCheck ReportFreedUnderReference(StressContext& ctx, const char* change, TargetFile& changed, TargetMapping& mapping,
                                     const Stamp& expected, const std::string& who, std::atomic<uint64_t>& fill_bytes,
                                     FirstError& errors) {
  const Status synced = changed.fsync();
  if (!synced.ok()) errors.note(who, synced);
  ReuseCheck check;
  std::vector<std::unique_ptr<TargetFile>> files;
  for (uint64_t n = 0; fill_bytes.load() < kMaxFillBytes && Peek(mapping, &check.reading, who, errors) &&
                       IsStamp(check.reading, expected);
       ++n) {
    const uint64_t pages = n < kSmallFillFiles ? 1 : kFillPages;
    std::unique_ptr<TargetFile> f;
    Status s = ctx.target.create(fmt::format("fill{}", n), &f);
    if (s.ok()) s = StampPages(*f, pages, n + 1, /*oracle=*/nullptr);
    if (f != nullptr) f->close(), files.push_back(std::move(f));
    fill_bytes.fetch_add(pages * kPageSize);
    if (s.code() == StatusCode::kNoSpace) break;
    if (!s.ok()) {
      errors.note(who, s);
      break;
    }
  }
  check.reused = Peek(mapping, &check.reading, who, errors) && !IsStamp(check.reading, expected);
  check.fill_bytes = fill_bytes.load();
  const std::string seen =
      check.reused ? fmt::format("after {} KiB of other files the reference reads {}: another file's block",
                                 check.fill_bytes >> 10, DescribeReading(check.reading))
                   : fmt::format("after {} KiB of other files the reference still reads its own data (the block "
                                 "was not handed out again in this run)",
                                 check.fill_bytes >> 10);
  ctx.target.checker().report(Violation{
      ViolationKind::kPinnedBlockFreed, 0, expected.ino, uint64_t{expected.index} * kPageSize, who,
      fmt::format("{} returned while page {} of ino {} was referenced (through a pipe): its block went back to "
                  "the allocator under the reference; {}",
                  change, expected.index, expected.ino, seen)});
  for (auto& f : files) (void)ctx.target.remove(std::move(f));
  return check;
}

Status MapAndReference(TargetFile& f, uint32_t pages, uint64_t generation, std::unique_ptr<TargetMapping>* mapping,
                       Stamp* page0) {
  Status s = StampPages(f, pages, generation, /*oracle=*/nullptr);
  if (s.ok()) s = f.mmap(pages, mapping);
  if (s.ok()) s = (*mapping)->touch(0, /*write=*/true);
  if (s.ok()) s = (*mapping)->take_reference(0);
  *page0 = Stamp{};
  page0->kind = static_cast<uint16_t>(StampKind::kFile);
  page0->ino = f.ino();
  page0->generation = generation;
  return s;
}

ReferenceOutlivesMapping::ReferenceOutlivesMapping(StressContext& ctx, const char* who, const char* change_worker,
                                                   ChangeSpec change)
    : ctx_(ctx), who_(who), change_worker_(change_worker), change_(std::move(change)) {}

Status ReferenceOutlivesMapping::setup() {
  TargetFile* f = nullptr;
  Status s = file(&f);
  if (s.ok()) s = MapAndReference(*f, ctx_.config.victim_pages, ctx_.config.seed, &mapping_, &page0_);
  if (s.ok()) mapping_->unmap();  // The reference outlives its mapping.
  return s;
}

std::vector<WorkerSpec> ReferenceOutlivesMapping::workers() {
  return {{change_worker_, 0x2000, [this](std::atomic<bool>& stop) { change_.run(stop); }, /*watched=*/true},
          {who_, 0x9000, [this](std::atomic<bool>& stop) { run_sequence(stop); }}};
}

nlohmann::json ReferenceOutlivesMapping::counts() const {
  nlohmann::json j = steps_.to_json();
  j["fill_bytes"] = fill_bytes_.load();
  return j;
}

Exercise ReferenceOutlivesMapping::exercised(const ExerciseFacts&) const {
  if (slept_.load() || returned_.load()) return {true, ""};
  return {false, fmt::format("the {} never ran (the run stopped first)", change_.name())};
}

void ReferenceOutlivesMapping::run_sequence(std::atomic<bool>& stop) {
  steps_.add(fmt::format("page 0 of ino {} referenced (vmsplice into a pipe), then munmapped", page0_.ino));
  slept_.store(change_.start_and_settle(kChangeSettle, stop));
  if (slept_.load()) {
    steps_.add(fmt::format("{} asleep on the reference ({})", change_.name(), WhereIs(ctx_, change_worker_)));
  } else {
    returned_.store(!stop.load());
    steps_.add(fmt::format("{} returned at once (error {}) while page 0 was referenced", change_.name(),
                           change_.watch().last_result()));
    const ReuseCheck c = ReportFreedUnderReference(ctx_, change_.name(), ctx_.target.victim(), *mapping_, page0_,
                                                   who_, fill_bytes_, errors_);
    steps_.add(fmt::format("{} KiB of other files written; the reference reads {}", c.fill_bytes >> 10,
                           DescribeReading(c.reading)));
  }
  DropReferenceAndAwait(*mapping_, change_, slept_.load(), steps_, stop);
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
