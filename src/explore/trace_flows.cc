#include "explore/trace_flows.h"

#include <deque>
#include <map>
#include <set>
#include <string>

namespace daxbreak {
namespace {

// Bookkeeping objects of the model, not of the kernel: no arrows.
const std::set<std::string, std::less<>> kQuiet = {"allocator", "checker", "dio_queue", "first_error",
                                                   "namespace", "oracle"};

bool IsWrite(const TraceEvent& e) {
  return e.has_values && (e.op == SyncOp::kAtomicStore || e.op == SyncOp::kAtomicRmw);
}
bool IsRead(const TraceEvent& e) {
  return e.has_values && (e.op == SyncOp::kAtomicLoad || e.op == SyncOp::kAtomicRmw);
}
bool IsUnlock(const TraceEvent& e) { return e.op == SyncOp::kUnlock || e.op == SyncOp::kUnlockShared; }
bool IsLock(const TraceEvent& e) { return e.op == SyncOp::kLock || e.op == SyncOp::kLockShared; }
bool GoesOn(const TraceEvent& e) {
  return IsLock(e) || e.op == SyncOp::kAtomicStore || e.op == SyncOp::kAtomicRmw || e.op == SyncOp::kWake ||
         e.op == SyncOp::kSnapshot;
}

// What the walk over the trace remembers, per object and per thread.
class FlowWalk {
 public:
  explicit FlowWalk(const std::vector<TraceEvent>& trace) : trace_(trace) {}

  std::vector<TraceFlow> run() {
    for (size_t i = 0; i < trace_.size(); ++i) {
      const TraceEvent& e = trace_[i];
      woken(i, e);
      if (e.obj == nullptr || kQuiet.count(e.what) != 0) continue;
      if (e.op == SyncOp::kWait) asleep_on_[e.thread] = e.obj;
      if (e.op == SyncOp::kWake) wake(i, e);
      if (IsUnlock(e)) last_unlock_[e.obj] = i;
      if (IsLock(e)) handoff(i, e);
      const bool referenced = reference(i, e);
      if (IsRead(e) && !referenced) reads(i, e);
      if (IsWrite(e)) {
        last_write_[e.obj] = i;
        read_since_[e.obj].clear();
      }
    }
    return std::move(flows_);
  }

 private:
  void add(size_t from, size_t to, std::string_view kind) {
    if (trace_[from].thread != trace_[to].thread) flows_.push_back({from, to, kind});
  }

  // The first step of a thread a wake let go on. Between prepare_to_wait()
  // and schedule() a thread reads its condition and may drop a lock
  // (ext4_wait_dax_page() drops invalidate_lock); a lock taken or a write
  // means it went on without sleeping.
  void woken(size_t i, const TraceEvent& e) {
    if (GoesOn(e)) asleep_on_.erase(e.thread);
    auto it = pending_wake_.find(e.thread);
    if (it == pending_wake_.end()) return;
    add(it->second, i, "wake");
    pending_wake_.erase(it);
  }

  void wake(size_t i, const TraceEvent& e) {
    for (auto it = asleep_on_.begin(); it != asleep_on_.end();) {
      if (it->second == e.obj && it->first != e.thread) {
        pending_wake_[it->first] = i;
        it = asleep_on_.erase(it);
      } else {
        ++it;
      }
    }
  }

  void handoff(size_t i, const TraceEvent& e) {
    auto it = last_unlock_.find(e.obj);
    if (it == last_unlock_.end()) return;
    add(it->second, i, "handoff");
    last_unlock_.erase(it);
  }

  // A count raised is a reference taken; the next drop of it, the oldest
  // taken first, is its release. Returns whether `e` released one.
  bool reference(size_t i, const TraceEvent& e) {
    if (e.op != SyncOp::kAtomicRmw || !e.has_values) return false;
    std::deque<size_t>& open = takes_[e.obj];
    if (e.after > e.before) {
      open.push_back(i);
      return false;
    }
    if (e.after >= e.before || open.empty()) return false;
    const size_t take = open.front();
    open.pop_front();
    add(take, i, "reference");
    return trace_[take].thread != e.thread;
  }

  // Reads-from: the first read of each other thread that saw the last write.
  void reads(size_t i, const TraceEvent& e) {
    auto it = last_write_.find(e.obj);
    if (it == last_write_.end() || trace_[it->second].after != e.before) return;
    if (!read_since_[e.obj].insert(e.thread).second) return;
    add(it->second, i, "reads");
  }

  const std::vector<TraceEvent>& trace_;
  std::vector<TraceFlow> flows_;
  std::map<uint32_t, const void*> asleep_on_;    // Thread -> the key it sleeps on.
  std::map<uint32_t, size_t> pending_wake_;      // Thread -> the wake that woke it.
  std::map<const void*, size_t> last_unlock_;    // Lock -> its last unlock.
  std::map<const void*, std::deque<size_t>> takes_;  // Count -> raises not yet dropped.
  std::map<const void*, size_t> last_write_;     // Atomic -> its last write.
  std::map<const void*, std::set<uint32_t>> read_since_;  // Atomic -> threads that read that write.
};

}  // namespace

std::vector<TraceFlow> TraceFlows(const std::vector<TraceEvent>& trace) { return FlowWalk(trace).run(); }

}  // namespace daxbreak
