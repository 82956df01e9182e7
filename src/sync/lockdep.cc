#include "daxbreak/sync/lockdep.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "daxbreak/sync/scheduler_hook.h"
#include "daxbreak/sync/task.h"

namespace daxbreak {
namespace {

std::atomic<uint64_t> next_generation{1};

// Set while the calling thread is inside the checker (a report takes the
// checker's Mutex, which would come back here).
thread_local bool tls_in_lockdep = false;

LockOrderGraph* CurrentGraph() {
  if (tls_in_lockdep) return nullptr;
  if (SchedulerHook* h = current_scheduler_hook()) return h->lock_order_graph();
  LockOrderGraph& g = LockOrderGraph::free_mode();
  return g.enabled() ? &g : nullptr;
}

std::string Join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace

// The edges this OS thread already gave a graph, so that plain threads take
// the graph's lock only for a new edge.
struct LockdepCache {
  const LockOrderGraph* graph = nullptr;
  uint64_t generation = 0;
  std::set<std::pair<const char*, const char*>> seen;
};
thread_local LockdepCache tls_cache;

LockOrderGraph::LockOrderGraph() : generation_(next_generation.fetch_add(1)) {}

LockOrderGraph& LockOrderGraph::free_mode() {
  static auto* graph = new LockOrderGraph();  // Never destroyed: threads may outlive statics.
  return *graph;
}

void LockOrderGraph::reset() {
  std::lock_guard<std::mutex> lock(mu_);
  next_.clear();
  why_.clear();
  reported_.clear();
  generation_.store(next_generation.fetch_add(1));
}

size_t LockOrderGraph::edges() const {
  std::lock_guard<std::mutex> lock(mu_);
  return why_.size();
}

bool LockOrderGraph::reaches(const std::string& from, const std::string& to, std::vector<std::string>* path) const {
  path->push_back(from);
  if (from == to) return true;
  auto it = next_.find(from);
  if (it != next_.end()) {
    for (const std::string& n : it->second) {
      if (std::find(path->begin(), path->end(), n) != path->end()) continue;
      if (reaches(n, to, path)) return true;
    }
  }
  path->pop_back();
  return false;
}

void LockOrderGraph::add(const std::vector<const char*>& held, const char* cls) {
  const std::string thread = Task::current().name();
  std::vector<Violation> cycles;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const char* h : held) {
      if (std::strcmp(h, cls) == 0) continue;
      const std::pair<std::string, std::string> edge{h, cls};
      if (why_.count(edge) != 0) continue;
      std::vector<std::string> path;
      if (reaches(cls, h, &path)) {
        const auto key = std::minmax(edge.first, edge.second);
        if (reported_.insert({key.first, key.second}).second) {
          std::vector<std::string> witnesses;
          for (size_t i = 0; i + 1 < path.size(); ++i) {
            witnesses.push_back(fmt::format("{} -> {} ({})", path[i], path[i + 1], why_[{path[i], path[i + 1]}]));
          }
          cycles.push_back(Violation{
              ViolationKind::kLockOrderCycle, 0, 0, 0, thread,
              fmt::format("lock order cycle: {} takes {} holding {}; the other order: {}", thread, cls, h,
                          Join(witnesses, ", "))});
        }
      }
      next_[edge.first].insert(edge.second);
      why_[edge] = thread;
    }
  }
  ViolationSink* sink = sink_.load();
  if (sink == nullptr || cycles.empty()) return;
  // The report is a scheduling point in explore mode, and the scheduler may
  // abandon the run there (AbortSchedule): the flag must come down anyway.
  struct InLockdep {
    InLockdep() { tls_in_lockdep = true; }
    ~InLockdep() { tls_in_lockdep = false; }
  } in_lockdep;
  for (Violation& v : cycles) sink->report(std::move(v));
}

void lockdep_acquire(const char* cls) {
  LockOrderGraph* g = CurrentGraph();
  if (g == nullptr) return;
  const std::vector<const char*>& held = Task::current().held_locks();
  if (held.empty()) return;
  LockdepCache& c = tls_cache;
  const uint64_t generation = g->generation();
  if (c.graph != g || c.generation != generation) {
    c.graph = g;
    c.generation = generation;
    c.seen.clear();
  }
  bool fresh = false;
  for (const char* h : held) fresh |= c.seen.insert({h, cls}).second;
  if (fresh) g->add(held, cls);
}

void lockdep_acquired(const char* cls) {
  if (CurrentGraph() == nullptr) return;
  Task::current().held_locks().push_back(cls);
}

void lockdep_release(const char* cls) {
  std::vector<const char*>& held = Task::current().held_locks();
  for (auto it = held.rbegin(); it != held.rend(); ++it) {
    if (std::strcmp(*it, cls) == 0) {
      held.erase(std::next(it).base());
      return;
    }
  }
}

}  // namespace daxbreak
