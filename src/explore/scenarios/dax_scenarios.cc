// The explore scenarios of the layout-breaking protocol: each a class
// deriving from ExploreModelBase, built by the functions at the end
// (dax_scenarios.h), which the scenario table (explore/explore_scenario.cc)
// names.

#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/sync/task.h"
#include "daxbreak/explore/explore_model_base.h"
#include "explore/scenarios/dax_scenarios.h"

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

}  // namespace

std::unique_ptr<ExploreModel> BuildRace2018(const ModelEnv& env) { return BuildTruncate<kRace2018>(env); }
std::unique_ptr<ExploreModel> BuildGupFast(const ModelEnv& env) { return Build<GupFastScan>(env); }
std::unique_ptr<ExploreModel> BuildLockedEntry(const ModelEnv& env) { return Build<LockedEntry>(env); }
std::unique_ptr<ExploreModel> BuildEvictPinned(const ModelEnv& env) { return Build<EvictPinned>(env); }
std::unique_ptr<ExploreModel> BuildLostWake(const ModelEnv& env) { return BuildTruncate<kLostWake>(env); }
std::unique_ptr<ExploreModel> BuildBeyondEof(const ModelEnv& env) { return BuildTruncate<kBeyondEof>(env); }
std::unique_ptr<ExploreModel> BuildSignal(const ModelEnv& env) { return Build<SignalDuringBreak>(env); }
std::unique_ptr<ExploreModel> BuildUnmappedPin(const ModelEnv& env) { return BuildTruncate<kUnmappedPin>(env); }
std::unique_ptr<ExploreModel> BuildRefault(const ModelEnv& env) { return Build<RefaultDuringBreak>(env); }
std::unique_ptr<ExploreModel> BuildZeroRange(const ModelEnv& env) { return BuildFallocate<kZeroRange>(env); }
std::unique_ptr<ExploreModel> BuildCollapse(const ModelEnv& env) { return BuildFallocate<kCollapse>(env); }

}  // namespace daxbreak
