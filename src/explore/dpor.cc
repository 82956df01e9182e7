#include "explore/dpor.h"

#include <algorithm>
#include <atomic>
#include <bit>

namespace daxbreak {
namespace {

std::atomic<DependencyMutation> g_mutation{DependencyMutation::kNone};

ThreadSet Bit(uint32_t t) { return ThreadSet{1} << t; }
bool Has(ThreadSet s, uint32_t t) { return (s >> t) & 1; }
uint32_t Lowest(ThreadSet s) { return static_cast<uint32_t>(std::countr_zero(s)); }

ThreadSet MaskOf(const std::vector<uint32_t>& threads) {
  ThreadSet m = 0;
  for (uint32_t t : threads) m |= Bit(t);
  return m;
}

bool IsWrite(SyncOp op) { return op == SyncOp::kAtomicStore || op == SyncOp::kAtomicRmw; }

// Whether the mutation declares the pair (a, b) on one object independent.
bool MutatedAway(SyncOp a, SyncOp b) {
  const auto pair = [&](auto is_x, auto is_y) { return (is_x(a) && is_y(b)) || (is_x(b) && is_y(a)); };
  switch (g_mutation.load(std::memory_order_relaxed)) {
    case DependencyMutation::kNone: return false;
    case DependencyMutation::kWriteReadIndependent:
      return pair(IsWrite, [](SyncOp o) { return o == SyncOp::kAtomicLoad; });
    case DependencyMutation::kWakeWaitIndependent:
      return pair([](SyncOp o) { return o == SyncOp::kWake; }, [](SyncOp o) { return o == SyncOp::kWait; });
    case DependencyMutation::kUnlockLockIndependent:
      return pair([](SyncOp o) { return o == SyncOp::kUnlock || o == SyncOp::kUnlockShared; },
                  [](SyncOp o) { return o == SyncOp::kLock || o == SyncOp::kLockShared; });
  }
  return false;
}

// The preemptions of the path through `n` when it takes `x`.
uint32_t PreemptionsAfter(const DporNode& n, uint32_t x) {
  return n.preemptions + ((Has(n.enabled, n.current) && x != n.current) ? 1 : 0);
}

// The next candidate: the thread that ran last if it may, else the lowest.
uint32_t PickFrom(ThreadSet candidates, uint32_t current) {
  return Has(candidates, current) ? current : Lowest(candidates);
}

}  // namespace

void SetDependencyMutationForTesting(DependencyMutation mutation) { g_mutation.store(mutation); }

bool DporDependent(const PendingStep& a, const PendingStep& b) {
  if (!StepsDependent(a, b)) return false;
  return a.obj == nullptr || b.obj == nullptr || !MutatedAway(a.op, b.op);
}

// ---------------------------------------------------------------- split

SplitPolicy::SplitPolicy(const DporItem& item, DporConfig config) : item_(item), config_(config) {}

uint32_t SplitPolicy::choose(const Decision& d) {
  const size_t k = d.step;
  const ThreadSet enabled = MaskOf(d.runnable);
  const bool current_runnable = Has(enabled, d.current);
  const auto take = [&](uint32_t x) {
    if (current_runnable && x != d.current) ++preemptions_;
    picks_.push_back(x);
    return x;
  };
  if (d.pending.size() > kDporMaxThreads) {
    diverged_ = true;
    result_ = Result::kEmpty;
    return kAbandon;
  }
  if (k < item_.prefix.size()) {
    if (!Has(enabled, item_.prefix[k])) {
      diverged_ = true;
      result_ = Result::kEmpty;
      return kAbandon;
    }
    return take(item_.prefix[k]);
  }
  if (k == item_.prefix.size()) asleep_ = config_.reduction ? item_.root_sleep : 0;
  const ThreadSet candidates = enabled & ~asleep_;
  ThreadSet within = 0;
  for (ThreadSet c = candidates; c != 0; c &= c - 1) {
    const uint32_t x = Lowest(c);
    if (preemptions_ + ((current_runnable && x != d.current) ? 1 : 0) <= config_.preemption_bound) within |= Bit(x);
  }
  bound_cut_ += std::popcount(candidates & ~within);
  if (within == 0) {
    result_ = Result::kEmpty;
    return kAbandon;
  }
  if (std::popcount(within) == 1) return take(Lowest(within));
  // A branching node: one child per thread, in depth-first order.
  std::vector<uint32_t> order;
  if (Has(within, d.current)) order.push_back(d.current);
  for (ThreadSet c = within & ~Bit(d.current); c != 0; c &= c - 1) order.push_back(Lowest(c));
  ThreadSet before = 0;  // Siblings explored earlier.
  for (uint32_t x : order) {
    DporItem child;
    child.prefix = picks_;
    child.prefix.push_back(x);
    if (config_.reduction) {
      for (ThreadSet s = (asleep_ | before) & ~Bit(x); s != 0; s &= s - 1) {
        const uint32_t q = Lowest(s);
        if (!DporDependent(d.pending[q], d.pending[x])) child.root_sleep |= Bit(q);
      }
    }
    before |= Bit(x);
    children_.push_back(std::move(child));
  }
  result_ = Result::kChildren;
  return kAbandon;
}

void SplitPolicy::observe(uint32_t thread, const Decision& d) {
  if (!config_.reduction || d.step < item_.prefix.size()) return;
  asleep_ &= ~Bit(thread);
  for (ThreadSet s = asleep_; s != 0; s &= s - 1) {
    const uint32_t q = Lowest(s);
    if (DporDependent(d.pending[q], d.pending[thread])) asleep_ &= ~Bit(q);
  }
}

// ---------------------------------------------------------------- dpor

DporPolicy::DporPolicy(DporItem item, DporConfig config)
    : item_(std::move(item)), config_(config), replay_(item_.prefix.size()), fresh_from_(item_.prefix.size()) {
  static const char kSomeObject = 0;
  for (size_t a = 0; a < kOps; ++a) {
    for (size_t b = 0; b < kOps; ++b) {
      same_object_[a][b] = DporDependent(PendingStep{static_cast<SyncOp>(a), &kSomeObject},
                                         PendingStep{static_cast<SyncOp>(b), &kSomeObject});
    }
  }
}

void DporPolicy::start_run(size_t threads) {
  if (threads != threads_) objects_.clear();
  threads_ = threads;
  events_.clear();
  event_clocks_.clear();
  thread_clocks_.assign(threads * threads, 0);
  thread_events_.assign(threads, 0);
  if (++run_stamp_ == 0) {  // Wrapped: forget every slot.
    slots_.assign(slots_.size(), Slot{});
    run_stamp_ = 1;
  }
  objects_used_ = 0;
  none_events_.clear();
  none_clock_.assign(threads, 0);
  all_events_.clear();
  all_clock_.assign(threads, 0);
  last_thread_ = UINT32_MAX;
}

namespace {

size_t SlotOf(const void* obj, size_t mask) {
  return static_cast<size_t>((reinterpret_cast<uintptr_t>(obj) * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
}

}  // namespace

const DporPolicy::ObjectClocks* DporPolicy::find_object(const void* obj) const {
  if (slots_.empty()) return nullptr;
  for (size_t i = SlotOf(obj, slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
    const Slot& slot = slots_[i];
    if (slot.stamp != run_stamp_) return nullptr;
    if (slot.obj == obj) return &objects_[slot.index];
  }
}

DporPolicy::ObjectClocks& DporPolicy::object_of(const void* obj) {
  if ((objects_used_ + 1) * 2 > slots_.size()) {
    // Grow to keep the table at most half full; re-insert this run's objects.
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(64, old.size() * 2), Slot{});
    for (const Slot& slot : old) {
      if (slot.stamp != run_stamp_) continue;
      size_t i = SlotOf(slot.obj, slots_.size() - 1);
      while (slots_[i].stamp == run_stamp_) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = slot;
    }
  }
  size_t i = SlotOf(obj, slots_.size() - 1);
  for (; slots_[i].stamp == run_stamp_; i = (i + 1) & (slots_.size() - 1)) {
    if (slots_[i].obj == obj) return objects_[slots_[i].index];
  }
  slots_[i] = Slot{obj, static_cast<uint32_t>(objects_used_), run_stamp_};
  if (objects_used_ == objects_.size()) {
    objects_.emplace_back();
    objects_.back().by_op.assign(kOps * threads_, 0);
  }
  ObjectClocks& o = objects_[objects_used_++];
  o.events.clear();
  for (uint32_t ops = o.ops; ops != 0; ops &= ops - 1) {
    std::fill_n(&o.by_op[std::countr_zero(ops) * threads_], threads_, 0);
  }
  o.ops = 0;
  return o;
}

uint32_t DporPolicy::choose(const Decision& d) {
  const size_t k = d.step;
  if (k == 0) start_run(d.pending.size());
  const size_t root = item_.prefix.size();
  if (threads_ > kDporMaxThreads) {
    diverged_ = true;
    return kAbandon;
  }
  if (k < nodes_.size()) {
    const DporNode& n = nodes_[k];
    if (k + 1 == replay_ && k >= root) asleep_ = config_.reduction ? (n.sleep | n.done) & ~Bit(n.taken) : 0;
    if (!Has(MaskOf(d.runnable), n.taken)) {
      diverged_ = true;  // The model did not repeat itself.
      return kAbandon;
    }
    return n.taken;
  }
  DporNode n;
  n.enabled = MaskOf(d.runnable);
  n.current = d.current;
  if (k > 0) n.preemptions = PreemptionsAfter(nodes_[k - 1], nodes_[k - 1].taken);
  if (k < root) {
    // The item's prefix, first run: frozen nodes (never branched from).
    n.taken = item_.prefix[k];
    if (!Has(n.enabled, n.taken)) {
      diverged_ = true;
      return kAbandon;
    }
    n.backtrack = n.done = Bit(n.taken);
    nodes_.push_back(n);
    return n.taken;
  }
  if (k == root) asleep_ = config_.reduction ? item_.root_sleep : 0;
  n.sleep = config_.reduction ? asleep_ : 0;
  const ThreadSet candidates = n.enabled & ~n.sleep;
  ThreadSet within = 0;
  for (ThreadSet c = candidates; c != 0; c &= c - 1) {
    const uint32_t x = Lowest(c);
    if (PreemptionsAfter(n, x) <= config_.preemption_bound) within |= Bit(x);
  }
  if (within == 0) {
    // Sleep-set blocked (every runnable thread's step was explored from an
    // equivalent state), or every thread beyond the bound.
    if (candidates != 0) bound_cut_ += std::popcount(candidates);
    return kAbandon;
  }
  n.taken = PickFrom(within, n.current);
  n.done = Bit(n.taken);
  // Unreduced: every thread from every state.
  n.backtrack = config_.reduction ? n.done : within;
  n.cut = config_.reduction ? 0 : candidates & ~within;
  bound_cut_ += std::popcount(n.cut);
  nodes_.push_back(n);
  asleep_ = n.sleep & ~Bit(n.taken);
  return n.taken;
}

bool DporPolicy::happens_before(size_t i, uint32_t t) const {
  const Event& e = events_[i];
  return e.thread == t || thread_clocks_[t * threads_ + e.thread] >= e.local;
}

void DporPolicy::record(uint32_t t, const PendingStep& step) {
  const size_t k = events_.size();
  Event e{step, t, ++thread_events_[t]};
  events_.push_back(e);
  event_clocks_.resize((k + 1) * threads_);
  uint32_t* clock = clock_of_event(k);
  uint32_t* own = &thread_clocks_[t * threads_];
  std::copy(own, own + threads_, clock);
  const auto join = [&](const uint32_t* other) {
    for (size_t j = 0; j < threads_; ++j) clock[j] = std::max(clock[j], other[j]);
  };
  const auto join_into = [&](uint32_t* into) {
    for (size_t j = 0; j < threads_; ++j) into[j] = std::max(into[j], clock[j]);
  };
  if (step.op == SyncOp::kSyncPoint) {  // A marker depends on nothing.
    clock[t] = e.local;
    std::copy(clock, clock + threads_, own);
    return;
  }
  // The clock is the join of every earlier event the step depends on: on no
  // object, every event; on an object, those on it whose operation it
  // depends on (the relation depends on the operations only) and those on
  // no object.
  ObjectClocks* object = nullptr;
  if (step.obj == nullptr) {
    join(all_clock_.data());
  } else {
    object = &object_of(step.obj);
    if (!none_events_.empty()) join(none_clock_.data());
    const size_t op = static_cast<size_t>(step.op);
    for (uint32_t ops = object->ops; ops != 0; ops &= ops - 1) {
      const size_t other = static_cast<size_t>(std::countr_zero(ops));
      if (same_object_[other][op]) join(&object->by_op[other * threads_]);
    }
  }
  clock[t] = e.local;
  std::copy(clock, clock + threads_, own);
  if (object != nullptr) {
    object->events.push_back(static_cast<uint32_t>(k));
    object->ops |= 1u << static_cast<uint32_t>(step.op);
    join_into(&object->by_op[static_cast<size_t>(step.op) * threads_]);
  } else {
    none_events_.push_back(static_cast<uint32_t>(k));
    join_into(none_clock_.data());
  }
  join_into(all_clock_.data());
  all_events_.push_back(static_cast<uint32_t>(k));
}

void DporPolicy::check_next_step(uint32_t t, const PendingStep& next) {
  if (next.op == SyncOp::kSyncPoint) return;
  // The last step of another thread dependent with `next` and not ordered
  // before t.
  const auto last_racing = [&](const std::vector<uint32_t>& list) -> int64_t {
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
      const Event& e = events_[*it];
      if (e.thread != t && dependent(e.step, next) && StepsMayBeCoEnabled(e.step, next) && !happens_before(*it, t)) {
        return *it;
      }
    }
    return -1;
  };
  int64_t i = -1;
  if (next.obj == nullptr) {
    i = last_racing(all_events_);
  } else {
    if (const ObjectClocks* o = find_object(next.obj)) i = last_racing(o->events);
    i = std::max(i, last_racing(none_events_));
  }
  if (i >= 0) backtrack(static_cast<size_t>(i), t);
}

void DporPolicy::observe(uint32_t thread, const Decision& d) {
  const size_t k = d.step;
  const bool check = k >= fresh_from_;
  // State k: the thread that took the last step has a new next step.
  if (check && last_thread_ != UINT32_MAX) check_next_step(last_thread_, d.pending[last_thread_]);
  record(thread, d.pending[thread]);
  if (check) {
    // State k + 1: every other thread's next step against step k.
    for (uint32_t q = 0; q < d.pending.size(); ++q) {
      if (q != thread && dependent(d.pending[q], d.pending[thread]) &&
          StepsMayBeCoEnabled(d.pending[q], d.pending[thread])) {
        backtrack(k, q);
      }
    }
  }
  last_thread_ = thread;
  if (!config_.reduction) return;
  asleep_ &= ~Bit(thread);
  for (ThreadSet s = asleep_; s != 0; s &= s - 1) {
    const uint32_t q = Lowest(s);
    if (dependent(d.pending[q], d.pending[thread])) asleep_ &= ~Bit(q);
  }
}

void DporPolicy::end(const Decision& d) {
  if (d.step >= fresh_from_ && last_thread_ != UINT32_MAX) check_next_step(last_thread_, d.pending[last_thread_]);
}

void DporPolicy::backtrack(size_t i, uint32_t q) {
  if (i < item_.prefix.size() || i >= nodes_.size()) return;  // Above the item: expanded in full.
  DporNode& n = nodes_[i];
  if (Has(n.enabled, q)) {
    add(n, q);
    return;
  }
  for (ThreadSet s = n.enabled; s != 0; s &= s - 1) add(n, Lowest(s));
}

void DporPolicy::add(DporNode& n, uint32_t x) {
  if (Has(n.backtrack | n.done, x) || Has(n.sleep, x)) return;
  if (PreemptionsAfter(n, x) > config_.preemption_bound) {
    if (!Has(n.cut, x)) ++bound_cut_;
    n.cut |= Bit(x);
    return;
  }
  n.backtrack |= Bit(x);
}

bool DporPolicy::advance() {
  const size_t root = item_.prefix.size();
  asleep_ = 0;
  last_thread_ = UINT32_MAX;  // choose() at step 0 starts the next run's order.
  while (nodes_.size() > root) {
    DporNode& n = nodes_.back();
    const ThreadSet todo = n.backtrack & ~n.done;
    if (todo != 0) {
      n.taken = PickFrom(todo, n.current);
      n.done |= Bit(n.taken);
      replay_ = nodes_.size();
      fresh_from_ = replay_ - 1;
      return true;
    }
    nodes_.pop_back();
  }
  return false;
}

double DporPolicy::fraction_done() const {
  double done = 0, width = 1;
  for (size_t k = item_.prefix.size(); k < nodes_.size(); ++k) {
    const DporNode& n = nodes_[k];
    const double size = std::popcount(n.backtrack | n.done);
    if (size < 2) continue;
    done += width * (std::popcount(n.done) - 1) / size;
    width /= size;
  }
  return std::min(done, 1.0);
}

}  // namespace daxbreak
