#include "daxbreak/sync/controlled_scheduler.h"

#include <exception>

#include "daxbreak/sync/task.h"

namespace daxbreak {
namespace {

thread_local uint32_t tls_model_thread = 0;

}  // namespace

ControlledScheduler::ControlledScheduler(SchedulePolicy* policy, uint64_t max_steps,
                                         bool record_trace, WaitTable* waits)
    : own_waits_(waits == nullptr ? std::make_unique<WaitTable>() : nullptr),
      waits_(waits == nullptr ? own_waits_.get() : waits),
      policy_(policy),
      max_steps_(max_steps),
      record_trace_(record_trace) {}

ControlledScheduler::~ControlledScheduler() {
  for (std::thread& t : os_threads_) {
    if (t.joinable()) t.join();
  }
}

uint32_t ControlledScheduler::add_thread(std::string name, std::function<void()> body) {
  auto t = std::make_unique<ModelThread>();
  t->body = std::move(body);
  threads_.push_back(std::move(t));
  names_.push_back(std::move(name));
  return static_cast<uint32_t>(threads_.size() - 1);
}

uint32_t ControlledScheduler::self_id() const { return tls_model_thread; }

void ControlledScheduler::thread_main(uint32_t self) {
  tls_model_thread = self;
  Task::current().set_name(names_[self]);
  set_current_scheduler_hook(this);
  threads_[self]->go.acquire();
  bool run_body;
  {
    std::lock_guard<std::mutex> lock(mu_);
    run_body = !aborting_;
  }
  if (run_body) {
    try {
      threads_[self]->body();
    } catch (const AbortSchedule&) {
    }
  }
  set_current_scheduler_hook(nullptr);
  hand_off_finished(self);
}

ControlledScheduler::Outcome ControlledScheduler::run() {
  for (uint32_t i = 0; i < threads_.size(); ++i) os_threads_.emplace_back([this, i] { thread_main(i); });
  {
    std::lock_guard<std::mutex> lock(mu_);
    const int first = pick_locked(0);
    threads_[static_cast<uint32_t>(first)]->go.release();
  }
  done_.acquire();
  for (std::thread& t : os_threads_) t.join();
  return outcome_;
}

int ControlledScheduler::pick_locked(uint32_t current) {
  std::vector<uint32_t> runnable;
  for (uint32_t i = 0; i < threads_.size(); ++i) {
    const ModelThread& t = *threads_[i];
    if (!t.finished && (!t.ready || t.ready())) runnable.push_back(i);
  }
  if (runnable.empty()) return -1;
  if (runnable.size() == 1) return static_cast<int>(runnable[0]);
  const uint32_t choice = policy_->choose(runnable, current, steps_);
  decisions_.push_back(choice);
  return static_cast<int>(choice);
}

void ControlledScheduler::begin_abort_locked(Outcome outcome) {
  aborting_ = true;
  outcome_ = outcome;
  if (outcome == Outcome::kDeadlock) {
    for (uint32_t i = 0; i < threads_.size(); ++i) {
      if (!threads_[i]->finished) {
        deadlock_report_ += names_[i] + " blocked at " + threads_[i]->blocked_at + "; ";
      }
    }
  }
}

void ControlledScheduler::yield(SyncOp op, const void* obj, const char* what) {
  block_until(op, obj, what, {});
}

void ControlledScheduler::block_until(SyncOp op, const void* /*obj*/, const char* what,
                                      const std::function<bool()>& ready) {
  // While a thread unwinds after an abort its destructors still unlock
  // things; those are no longer scheduling points.
  if (std::uncaught_exceptions() > 0) return;
  const uint32_t self = self_id();
  ModelThread& me = *threads_[self];
  std::unique_lock<std::mutex> lock(mu_);
  if (aborting_) throw AbortSchedule{};
  if (record_trace_) trace_.push_back(TraceEvent{steps_, self, op, what});
  if (++steps_ > max_steps_) {
    begin_abort_locked(Outcome::kStepLimit);
    throw AbortSchedule{};
  }
  me.ready = ready;
  me.blocked_at = what;
  const int next = pick_locked(self);
  if (next < 0) {
    begin_abort_locked(Outcome::kDeadlock);
    throw AbortSchedule{};
  }
  if (static_cast<uint32_t>(next) != self) {
    threads_[static_cast<uint32_t>(next)]->go.release();
    lock.unlock();
    me.go.acquire();
    lock.lock();
    if (aborting_) throw AbortSchedule{};
  }
  me.ready = nullptr;
}

void ControlledScheduler::hand_off_finished(uint32_t self) {
  std::lock_guard<std::mutex> lock(mu_);
  threads_[self]->finished = true;
  threads_[self]->ready = nullptr;
  if (!aborting_) {
    const int next = pick_locked(self);
    if (next >= 0) {
      threads_[static_cast<uint32_t>(next)]->go.release();
      return;
    }
    // Nobody can run: if anyone is unfinished, that is a deadlock.
    for (auto& t : threads_) {
      if (!t->finished) {
        begin_abort_locked(Outcome::kDeadlock);
        break;
      }
    }
  }
  // Aborting: unwind the unfinished threads one at a time; the last one out
  // ends the run.
  for (auto& t : threads_) {
    if (!t->finished) {
      t->go.release();
      return;
    }
  }
  done_.release();
}

}  // namespace daxbreak
