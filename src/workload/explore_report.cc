// Text and JSON renderings of exploration results and traces.

#include <set>
#include <string>

#include <fmt/format.h>

#include "daxbreak/workload/explorer.h"

namespace daxbreak {
namespace {

// Locks that only guard bookkeeping; left out of the diagram.
const std::set<std::string> kQuietLocks = {"allocator", "checker", "dio_queue", "i_mmap_rwsem",
                                           "namespace", "oracle", "i_data_sem", "ptl", "first_error"};

bool ShowInDiagram(const TraceEvent& e) {
  if (e.op == SyncOp::kAtomicLoad) return false;
  if (e.what == "prepare_to_wait") return false;
  if (e.op == SyncOp::kLock || e.op == SyncOp::kUnlock || e.op == SyncOp::kLockShared ||
      e.op == SyncOp::kUnlockShared) {
    return kQuietLocks.count(e.what) == 0;
  }
  return true;
}

std::string Describe(const TraceEvent& e) {
  switch (e.op) {
    case SyncOp::kLock: return "lock " + e.what;
    case SyncOp::kUnlock: return "unlock " + e.what;
    case SyncOp::kLockShared: return "lock_shared " + e.what;
    case SyncOp::kUnlockShared: return "unlock_shared " + e.what;
    case SyncOp::kWait: return "sleep (" + e.what + ")";
    case SyncOp::kSyncPoint: return e.what;
    default: return e.what;
  }
}

std::string OutcomeLine(const RunResult& run) {
  if (run.violation_count > 0) return fmt::format("{} violation(s), first {}", run.violation_count, run.kind());
  if (run.outcome == ControlledScheduler::Outcome::kDeadlock) return "deadlock: " + run.deadlock;
  if (run.outcome == ControlledScheduler::Outcome::kStepLimit) return "cut off at the step limit";
  return "clean";
}

}  // namespace

std::string RenderTraceDiagram(const RunResult& run) {
  constexpr size_t kWidth = 40;
  std::string out;
  for (const std::string& name : run.thread_names) out += fmt::format("{:<{}}", name, kWidth);
  out += "\n";
  for (size_t i = 0; i < run.thread_names.size(); ++i) out += fmt::format("{:<{}}", std::string(kWidth - 2, '-'), kWidth);
  out += "\n";
  for (const TraceEvent& e : run.trace) {
    if (!ShowInDiagram(e)) continue;
    std::string line(kWidth * e.thread, ' ');
    std::string text = Describe(e);
    if (text.size() > kWidth - 2) text.resize(kWidth - 2);
    out += line + text + "\n";
  }
  out += "=> " + OutcomeLine(run) + "\n";
  for (const Violation& v : run.violations) {
    out += "   " + DescribeViolation(v) + "\n";
  }
  return out;
}

nlohmann::json TraceEventsJson(const RunResult& run) {
  nlohmann::json events = nlohmann::json::array();
  for (size_t t = 0; t < run.thread_names.size(); ++t) {
    events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", t}, {"args", {{"name", run.thread_names[t]}}}});
  }
  for (const TraceEvent& e : run.trace) {
    events.push_back({{"name", Describe(e)}, {"cat", SyncOpName(e.op)}, {"ph", "X"}, {"ts", e.step}, {"dur", 1},
                      {"pid", 1}, {"tid", e.thread}});
  }
  return {{"traceEvents", events}, {"displayTimeUnit", "ns"}};
}

nlohmann::json ExploreResult::to_json(const ExploreOptions& o) const {
  nlohmann::json j = {{"version", DAXBREAK_VERSION},
                      {"command", "explore"},
                      {"scenario", o.scenario},
                      {"protocol", o.protocol->name},
                      {"tlb_flush", TlbFlushModeName(o.tlb_flush)},
                      {"strategy", StrategyName(o.strategy)},
                      {"seed", o.seed},
                      {"depth", o.depth},
                      {"preemptions", o.preemptions},
                      {"budget", o.schedules},
                      {"found", found},
                      {"kind", found ? nlohmann::json(kind) : nlohmann::json(nullptr)},
                      {"schedules", schedules},
                      {"exhausted", exhausted},
                      {"seconds", seconds},
                      {"schedule", found ? nlohmann::json(schedule) : nlohmann::json(nullptr)},
                      {"replay", found ? nlohmann::json(replay_command) : nlohmann::json(nullptr)},
                      {"confirmed", confirmed}};
  nlohmann::json v = nlohmann::json::array();
  for (const Violation& x : run.violations) {
    v.push_back({{"kind", ViolationKindName(x.kind)}, {"severity", SeverityName(ViolationSeverity(x.kind))}, {"pfn", x.pfn}, {"ino", x.ino}, {"file_offset", x.file_offset},
                 {"thread", x.thread}, {"detail", x.detail}});
  }
  j["violations"] = v;
  j["deadlock"] = run.deadlock;
  return j;
}

std::string ExploreResult::to_text(const ExploreOptions& o) const {
  std::string out = fmt::format("daxbreak explore: scenario {}, protocol {}, tlb-flush {}, strategy {}, seed {}\n",
                                o.scenario, o.protocol->name, TlbFlushModeName(o.tlb_flush),
                                StrategyName(o.strategy), o.seed);
  if (!found) {
    out += fmt::format("clean: no violation and no deadlock in {} schedule(s), {:.2f} s ({})\n", schedules, seconds,
                       exhausted ? fmt::format("every schedule with at most {} preemptions", o.preemptions)
                                 : "budget spent");
    return out;
  }
  out += fmt::format("FOUND {} after {} schedule(s), {:.2f} s\n", kind, schedules, seconds);
  out += "   " + OutcomeLine(run) + "\n";
  for (const Violation& v : run.violations) {
    out += "   " + DescribeViolation(v) + "\n";
  }
  out += fmt::format("schedule: {}\nreplay:   {}\nconfirmed by replay: {}\n", schedule, replay_command,
                     confirmed ? "yes" : "NO");
  return out;
}

}  // namespace daxbreak
