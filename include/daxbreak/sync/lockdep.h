// Lock-order checking, lockdep in small. A lock class is a static name: the
// name of a Mutex or RwSem ("i_rwsem", "folio_lock", "jbd2_handle"), or a
// pseudo-class for a wait on an event that another context signals while it
// is inside that class ("writeback": a task waiting for a folio's writeback
// waits for whoever completes it). Every acquisition, and every such wait,
// adds an edge held -> class for each class the task holds; an edge that
// closes a cycle is reported as a `lock_order_cycle` violation naming both
// orders, whether or not the run deadlocked.
//
// Where edges go: under a scheduler (explore mode) to the graph of that run
// (SchedulerHook::lock_order_graph()); on plain threads (stress) to the
// process-wide graph, once a sink is set on it. Without a sink nothing is
// recorded. Classes a task holds are kept on its Task.
//
// Not modeled: trylocks add no edge; shared and exclusive holds are one
// class; two locks of one class nested (never done by the model) would be a
// self-edge.
//
// Source: kernel/locking/lockdep.c (the idea; none of its machinery).
//
// Thread-safety: thread-safe.

#ifndef DAXBREAK_SYNC_LOCKDEP_H_
#define DAXBREAK_SYNC_LOCKDEP_H_

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "daxbreak/base/violation.h"

namespace daxbreak {

class LockOrderGraph {
 public:
  LockOrderGraph();
  LockOrderGraph(const LockOrderGraph&) = delete;
  LockOrderGraph& operator=(const LockOrderGraph&) = delete;

  // The graph of plain threads.
  static LockOrderGraph& free_mode();

  // Where cycles are reported (nullptr: record nothing). Set before the
  // threads start.
  void set_sink(ViolationSink* sink) { sink_.store(sink); }
  bool enabled() const { return sink_.load(std::memory_order_relaxed) != nullptr; }
  // Forgets every edge (not the sink).
  void reset();

  // The calling task, holding `held` (outermost first), is about to take
  // `cls`: records the edges and reports a cycle each adds.
  void add(const std::vector<const char*>& held, const char* cls);
  // Distinct edges recorded.
  size_t edges() const;
  // A number no other graph or earlier reset() of this one had (for the
  // per-thread cache of known edges).
  uint64_t generation() const { return generation_.load(std::memory_order_relaxed); }

 private:
  // Whether `to` is reachable from `from`; fills `path` (from .. to).
  bool reaches(const std::string& from, const std::string& to, std::vector<std::string>* path) const;

  std::atomic<ViolationSink*> sink_{nullptr};
  mutable std::mutex mu_;  // The checker's own lock: not a modeled lock, never a scheduling point.
  std::map<std::string, std::set<std::string>> next_;              // class -> classes taken inside it
  std::map<std::pair<std::string, std::string>, std::string> why_;  // edge -> the thread that made it
  std::set<std::pair<std::string, std::string>> reported_;
  std::atomic<uint64_t> generation_;
};

// Called by the sync layer: before a task blocks to take `cls` (records the
// edges), once it holds it, and when it lets go.
void lockdep_acquire(const char* cls);
void lockdep_acquired(const char* cls);
void lockdep_release(const char* cls);
// A wait for an event signaled from inside `cls` ("writeback"): the edges of
// an acquisition, nothing held.
inline void lockdep_wait(const char* cls) { lockdep_acquire(cls); }

// Holds the pseudo-class `cls` for its scope (an I/O completion is inside
// "writeback" until it ends the folio's writeback).
class LockdepScope {
 public:
  explicit LockdepScope(const char* cls) : cls_(cls) {
    lockdep_acquire(cls_);
    lockdep_acquired(cls_);
  }
  ~LockdepScope() { lockdep_release(cls_); }
  LockdepScope(const LockdepScope&) = delete;
  LockdepScope& operator=(const LockdepScope&) = delete;

 private:
  const char* const cls_;
};

}  // namespace daxbreak

#endif  // DAXBREAK_SYNC_LOCKDEP_H_
