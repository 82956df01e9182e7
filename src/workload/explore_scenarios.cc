// The built-in explore scenarios. Each is a class deriving from
// ExploreModelBase; the table at the end names them, and RegisterExploreScenario()
// adds a user's.

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/sync/task.h"
#include "daxbreak/workload/explore_model_base.h"
#include "iomap_scenarios.h"
#include "crash_scenarios.h"
#include "journal_scenarios.h"

namespace daxbreak {
namespace {

using ModelBase = ExploreModelBase;

// Truncate to 0 against the completion of a DIO that was in flight when the
// model started. The set-up decides the shape: how large the file is, which
// pages the DIO pins, and whether the mapping is gone already.
struct TruncateSetup {
  uint64_t file_bytes;
  uint64_t map_pages;
  uint64_t pin_first;
  uint64_t pin_nr;
  bool munmap_first;
};

class TruncateVsCompletion final : public ModelBase {
 public:
  TruncateVsCompletion(const ModelEnv& env, const TruncateSetup& setup) : ModelBase(env) {
    make_file(setup.file_bytes, setup.map_pages);
    dio_in_flight(setup.pin_first, setup.pin_nr);
    if (setup.munmap_first) vma_.reset();  // munmap: the pin outlives the mapping.
  }
  void add_threads(ControlledScheduler& s) override {
    add_truncate_thread(s, 0);
    add_completion_thread(s);
  }
};

// GUP-fast racing the busy-page scan: a DIO pins a mapped page while a
// truncate unmaps and scans. (With `modern` this deadlocks: the slow path
// re-faults the page while truncate sleeps, the new mapping's reference keeps
// it above idle 0, and the unpin wakes nobody. See `refault` and README.)
class GupFastScan final : public ModelBase {
 public:
  explicit GupFastScan(const ModelEnv& env) : ModelBase(env) { make_file(kPageSize, 1); }
  void add_threads(ControlledScheduler& s) override {
    add_truncate_thread(s, 0);
    s.add_thread("dio", [this] {
      (void)dio_.dio_read(kPageSize, *vma_, vma_->address_of(0), kPageSize);
      dio_.close();
    });
    add_completion_thread(s, /*more=*/true);
  }
};

// The page is faulted back in while the break sleeps on it: a DIO holds a pin
// on mapped page 0, truncate unmaps it and waits, a user thread touches the
// page, the DIO completes. The model of `daxbreak kernel --scenario refault`'s vmsplice run,
// where Linux 6.17 stays asleep until munmap and 6.1 wakes at once.
class RefaultDuringBreak final : public ModelBase {
 public:
  explicit RefaultDuringBreak(const ModelEnv& env) : ModelBase(env) {
    make_file(kPageSize, 1);
    dio_in_flight(0, 1);
  }
  void add_threads(ControlledScheduler& s) override {
    add_truncate_thread(s, 0);
    s.add_thread("touch", [this] {
      char byte = 0;
      (void)user_load(*vma_, vma_->address_of(0), &byte, 1);
    });
    add_completion_thread(s);
  }
};

// The scan meets a locked entry: fsync locks each DAX entry in turn while a
// DIO pins page 0 and truncate scans.
class LockedEntry final : public ModelBase {
 public:
  explicit LockedEntry(const ModelEnv& env) : ModelBase(env) {
    make_file(2 * kPageSize, 2);
    dio_in_flight(0, 1);
  }
  void add_threads(ControlledScheduler& s) override {
    s.add_thread("fsync", [this] { (void)fs_.fsync(file_.get()); });
    add_truncate_thread(s, 0);
    add_completion_thread(s);
  }
};

// A layout change by fallocate against the completion of a DIO that pins
// one page of a mapped file: zero range (the pinned page becomes an unwritten
// extent) or collapse range (the pinned page moves to a lower offset).
struct FallocateSetup {
  uint64_t file_pages;
  uint64_t pin_page;
  uint32_t mode;
  uint64_t offset_pages;
  uint64_t len_pages;
};

class FallocateVsCompletion final : public ModelBase {
 public:
  FallocateVsCompletion(const ModelEnv& env, const FallocateSetup& setup) : ModelBase(env), setup_(setup) {
    make_file(setup.file_pages * kPageSize, setup.file_pages);
    dio_in_flight(setup.pin_page, 1);
  }
  void add_threads(ControlledScheduler& s) override {
    s.add_thread("fallocate", [this] {
      (void)fs_.fallocate(file_.get(), setup_.mode, setup_.offset_pages * kPageSize,
                          setup_.len_pages * kPageSize);
    });
    add_completion_thread(s);
  }

 private:
  const FallocateSetup setup_;
};

// Eviction (unlink of an unmapped file, as at unmount) while a DIO holds a pin.
class EvictPinned final : public ModelBase {
 public:
  explicit EvictPinned(const ModelEnv& env) : ModelBase(env) {
    make_file(kPageSize, 1);
    dio_in_flight(0, 1);
    vma_.reset();
  }
  void add_threads(ControlledScheduler& s) override {
    s.add_thread("unlink", [this] { (void)fs_.unlink("file"); });
    add_completion_thread(s);
  }
};

// A break interrupted by a signal: a truncate waits for a pinned page while
// another thread signals it. An EINTR must leave the file as it was.
class SignalDuringBreak final : public ModelBase {
 public:
  explicit SignalDuringBreak(const ModelEnv& env) : ModelBase(env) {
    make_file(2 * kPageSize, 2);
    dio_in_flight(1, 1);
  }
  void add_threads(ControlledScheduler& s) override {
    s.add_thread("truncate", [this] {
      truncate_task_.store(&Task::current(), "publish_task");
      truncate_status_ = fs_.truncate(file_.get(), kPageSize);
      // The Task dies with the thread; a signal after that goes nowhere.
      truncate_task_.store(nullptr, "retire_task");
    });
    s.add_thread("signal", [this] {
      if (Task* t = truncate_task_.load("read_task")) send_signal(*t);
    });
    add_completion_thread(s);
  }
  void check() override {
    if (truncate_status_.code() != StatusCode::kInterrupted) return;
    if (file_->size() != 2 * kPageSize || file_->nr_blocks() != 2) {
      env_.checker->report(Violation{
          ViolationKind::kPartialChangeOnEintr, 0, file_->ino(), file_->size(), "truncate",
          fmt::format("truncate returned EINTR but left size {} and {} blocks (was {} and 2)",
                      file_->size(), file_->nr_blocks(), 2 * kPageSize)});
    }
  }

 private:
  SyncAtomic<Task*> truncate_task_{nullptr};
};

template <class Model>
std::unique_ptr<ExploreModel> Build(const ModelEnv& env) {
  return std::make_unique<Model>(env);
}

template <TruncateSetup kSetup>
std::unique_ptr<ExploreModel> BuildTruncate(const ModelEnv& env) {
  return std::make_unique<TruncateVsCompletion>(env, kSetup);
}

template <FallocateSetup kSetup>
std::unique_ptr<ExploreModel> BuildFallocate(const ModelEnv& env) {
  return std::make_unique<FallocateVsCompletion>(env, kSetup);
}

// The 2018 report: one DIO pins pages X and Y.
constexpr TruncateSetup kRace2018{2 * kPageSize, 2, 0, 2, false};
// A wait whose wake may be lost: one pinned page.
constexpr TruncateSetup kLostWake{kPageSize, 1, 0, 1, false};
// A 1.5-page file whose partial last page, past the new EOF, is pinned.
constexpr TruncateSetup kBeyondEof{kPageSize + kPageSize / 2, 2, 1, 1, false};
// A pin taken through a mapping that is gone by the time truncate runs.
constexpr TruncateSetup kUnmappedPin{kPageSize, 1, 0, 1, true};
// Zero range over both pages of a 2-page file whose page 1 is pinned.
constexpr FallocateSetup kZeroRange{2, 1, kFallocZeroRange | kFallocKeepSize, 0, 2};
// Collapse of page 0 of a 3-page file whose page 2 is pinned (it moves to 1).
constexpr FallocateSetup kCollapse{3, 2, kFallocCollapseRange, 0, 1};

const ExploreScenarioInfo kBuiltin[] = {
    {"race2018", "one DIO pins two pages; truncate races its completion (the 2018 report)", BuildTruncate<kRace2018>},
    {"gup-fast", "a DIO's GUP-fast pin races truncate's unmap and busy-page scan", Build<GupFastScan>},
    {"locked-entry", "fsync holds DAX entry locks while truncate scans past a pinned page", Build<LockedEntry>},
    {"evict-pinned", "an unmapped file is unlinked and evicted while a DIO pins its page", Build<EvictPinned>},
    {"lost-wake", "truncate sleeps on a pinned page; the completion's wake must reach it", BuildTruncate<kLostWake>},
    {"beyond-eof", "truncate to 0 of a 1.5-page file whose partial last page is pinned", BuildTruncate<kBeyondEof>},
    {"signal", "a signal interrupts truncate's wait for a pinned page", Build<SignalDuringBreak>},
    {"unmapped-pin", "truncate of a file whose pinned page is no longer mapped", BuildTruncate<kUnmappedPin>},
    {"refault", "a pinned page is faulted back in while truncate sleeps on it", Build<RefaultDuringBreak>},
    {"zero-range", "zero range over a file whose page is pinned by a DIO", BuildFallocate<kZeroRange>},
    {"collapse", "collapse range moves a page a DIO has pinned", BuildFallocate<kCollapse>},
    {"stale-unwritten", "a buffered write's unwritten mapping goes stale: writeback converts, reclaim drops the folio (seeds/001)", BuildStaleUnwritten},
    {"racy-seq", "two I/O completions advance the extent sequence at once while a buffered write holds a mapping (seeds/000)", BuildRacySeq},
    {"zero-unwritten", "ext4 zeroes a partial block under a journal handle over a dirty unwritten folio, beside a commit (seeds/003)", BuildZeroUnwritten},
    {"zero-hole", "the same over a dirty folio on a hole, as punch hole meets it (seeds/003)", BuildZeroHole},
    {"fsync-dio", "a lockless DIO write into a preallocated extent, a fast fsync, and a power cut (seeds/002)", BuildFsyncDio},
};

// Registered scenarios, in registration order; a deque so that pointers stay
// valid. Names and summaries are owned here.
struct OwnedScenario {
  std::string name;
  std::string summary;
  ExploreScenarioInfo info;
};
std::deque<OwnedScenario>& Registered() {
  static auto* registered = new std::deque<OwnedScenario>();  // Never destroyed: used at exit.
  return *registered;
}

}  // namespace

std::vector<const ExploreScenarioInfo*> ExploreScenarios() {
  std::vector<const ExploreScenarioInfo*> out;
  for (const ExploreScenarioInfo& s : kBuiltin) out.push_back(&s);
  for (const OwnedScenario& s : Registered()) out.push_back(&s.info);
  return out;
}

const ExploreScenarioInfo* FindExploreScenario(std::string_view name) {
  for (const ExploreScenarioInfo* s : ExploreScenarios()) {
    if (s->name == name) return s;
  }
  return nullptr;
}

Status RegisterExploreScenario(const ExploreScenarioInfo& info) {
  if (info.name.empty() || !info.build) {
    return Status::InvalidArgument("a scenario needs a name and a build function");
  }
  if (info.name == "collision" || FindExploreScenario(info.name) != nullptr) {
    return Status::Exists(fmt::format("scenario '{}' exists", info.name));
  }
  OwnedScenario& s = Registered().emplace_back();
  s.name = info.name;
  s.summary = info.summary;
  s.info = {s.name, s.summary, info.build};
  return Status::Ok();
}

}  // namespace daxbreak
