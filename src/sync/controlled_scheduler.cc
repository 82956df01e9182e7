#include "daxbreak/sync/controlled_scheduler.h"

#include <cstring>

#include <exception>

namespace daxbreak {

bool StepsDependent(const PendingStep& a, const PendingStep& b) {
  const bool a_marker = a.op == SyncOp::kSyncPoint, b_marker = b.op == SyncOp::kSyncPoint;
  if (a_marker || b_marker) return false;
  if (a.obj == nullptr || b.obj == nullptr) return true;
  if (a.obj != b.obj) return false;
  return !(a.op == SyncOp::kAtomicLoad && b.op == SyncOp::kAtomicLoad);
}

bool StepsMayBeCoEnabled(const PendingStep& a, const PendingStep& b) {
  if (a.obj == nullptr || a.obj != b.obj) return true;
  const auto excludes = [](const PendingStep& waiter, const PendingStep& holder) {
    if (!waiter.blocks) return false;
    if (waiter.op == SyncOp::kLock) return holder.op == SyncOp::kUnlock || holder.op == SyncOp::kUnlockShared;
    if (waiter.op == SyncOp::kLockShared) return holder.op == SyncOp::kUnlock;
    return false;
  };
  return !excludes(a, b) && !excludes(b, a);
}

ControlledScheduler::ControlledScheduler(SchedulePolicy* policy, uint64_t max_steps,
                                         bool record_trace, WaitTable* waits, FiberPool* fibers)
    : own_waits_(waits == nullptr ? std::make_unique<WaitTable>() : nullptr),
      waits_(waits == nullptr ? own_waits_.get() : waits),
      own_fibers_(fibers == nullptr ? std::make_unique<FiberPool>() : nullptr),
      fibers_(fibers == nullptr ? own_fibers_.get() : fibers),
      policy_(policy),
      max_steps_(max_steps),
      record_trace_(record_trace) {}

ControlledScheduler::~ControlledScheduler() {
  for (ModelThread& t : threads_) {
    if (t.fiber != nullptr) fibers_->release(t.fiber);
  }
}

uint32_t ControlledScheduler::add_thread(std::string name, std::function<void()> body) {
  const uint32_t id = static_cast<uint32_t>(threads_.size());
  ModelThread t;
  t.body = std::move(body);
  t.task = Task::Create(name);
  threads_.push_back(std::move(t));
  names_.push_back(std::move(name));
  return id;
}

void ControlledScheduler::resume(uint32_t id) {
  running_ = id;
  set_current_scheduler_hook(this);
  Task::SetCurrent(threads_[id].task.get());
  threads_[id].fiber->resume();
  Task::SetCurrent(nullptr);
  set_current_scheduler_hook(nullptr);
}

ControlledScheduler::Outcome ControlledScheduler::run() {
  pending_.assign(threads_.size(), PendingStep{});
  for (uint32_t i = 0; i < threads_.size(); ++i) {
    ModelThread& t = threads_[i];
    t.fiber = fibers_->acquire([&t] {
      try {
        t.body();
      } catch (const AbortSchedule&) {
      }
      t.finished = true;
    });
    resume(i);  // Up to its first scheduling point.
  }
  std::vector<uint32_t> runnable;
  const auto mark_if_finished = [this](uint32_t id) {
    if (threads_[id].finished) pending_[id] = PendingStep{SyncOp::kSyncPoint, nullptr, "exit"};
  };
  for (uint32_t i = 0; i < threads_.size(); ++i) mark_if_finished(i);
  const auto finish = [&](Outcome outcome) {
    policy_->end(Decision{runnable, current_, steps_, pending_});
    return outcome == Outcome::kCompleted ? outcome : abort(outcome);
  };
  for (;;) {
    runnable.clear();
    bool unfinished = false;
    for (uint32_t i = 0; i < threads_.size(); ++i) {
      unfinished |= !threads_[i].finished;
      if (can_run(threads_[i])) runnable.push_back(i);
    }
    if (runnable.empty()) return finish(unfinished ? Outcome::kDeadlock : Outcome::kCompleted);
    if (steps_ >= max_steps_) return finish(Outcome::kStepLimit);
    uint32_t pick = runnable[0];
    if (runnable.size() > 1 || policy_->choose_forced()) {
      pick = policy_->choose(Decision{runnable, current_, steps_, pending_});
      if (pick == SchedulePolicy::kAbandon) return finish(Outcome::kPruned);
      if (runnable.size() > 1) decisions_.push_back(pick);
    }
    policy_->observe(pick, Decision{runnable, current_, steps_, pending_});
    if (record_trace_) trace_.push_back(TraceEvent{steps_, pick, pending_[pick].op, pending_[pick].what, pending_[pick].obj});
    ++steps_;
    current_ = pick;
    threads_[pick].ready = nullptr;
    resume(pick);
    mark_if_finished(pick);
  }
}

ControlledScheduler::Outcome ControlledScheduler::abort(Outcome outcome) {
  if (outcome == Outcome::kDeadlock) {
    for (uint32_t i = 0; i < threads_.size(); ++i) {
      if (threads_[i].finished) continue;
      // Who holds what it waits for: the lock classes each task holds
      // (lockdep.h), so the report reads as a wait chain.
      std::string holders;
      for (uint32_t j = 0; j < threads_.size(); ++j) {
        if (j == i || threads_[j].finished) continue;
        for (const char* cls : threads_[j].task->held_locks()) {
          if (std::strcmp(pending_[i].what, cls) == 0) {
            holders += (holders.empty() ? " (held by " : ", ") + names_[j];
            break;
          }
        }
      }
      deadlock_report_ += names_[i] + " blocked at " + pending_[i].what + (holders.empty() ? "" : holders + ")") + "; ";
    }
  }
  aborting_ = true;
  for (uint32_t i = 0; i < threads_.size(); ++i) {
    if (!threads_[i].finished) resume(i);
  }
  return outcome;
}

bool ControlledScheduler::pause(SyncOp op, const void* obj, const char* what,
                                const std::function<bool()>* ready) {
  // While a thread unwinds after an abort its destructors still unlock
  // things; those are no longer scheduling points.
  if (std::uncaught_exceptions() > 0) return false;
  if (aborting_) return true;
  const uint32_t self = running_;
  pending_[self] = PendingStep{op, obj, what, ready != nullptr};
  threads_[self].ready = ready;
  threads_[self].fiber->suspend();
  return aborting_;
}

void ControlledScheduler::note_value(const void* obj, uint64_t before, uint64_t after) {
  // The caller's step is the last one recorded: nothing else ran since.
  if (!record_trace_ || trace_.empty() || trace_.back().thread != running_ || trace_.back().obj != obj) return;
  trace_.back().has_values = true;
  trace_.back().before = before;
  trace_.back().after = after;
}

bool ControlledScheduler::yield(SyncOp op, const void* obj, const char* what) {
  return pause(op, obj, what, nullptr);
}

void ControlledScheduler::block_until(SyncOp op, const void* obj, const char* what,
                                      const std::function<bool()>& ready) {
  if (pause(op, obj, what, ready ? &ready : nullptr)) throw AbortSchedule{};
}

}  // namespace daxbreak
