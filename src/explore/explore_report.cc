// Text and JSON renderings of exploration results and traces.

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include <fmt/format.h>

#include "daxbreak/base/run_metadata.h"
#include "daxbreak/base/signal_name.h"
#include "daxbreak/check/checker.h"
#include "daxbreak/explore/explorer.h"
#include "explore/trace_flows.h"

namespace daxbreak {
namespace {

// Locks that only guard bookkeeping; left out of the diagram.
const std::set<std::string> kQuietLocks = {"allocator", "checker", "dio_queue", "i_mmap_rwsem",
                                           "namespace", "oracle", "i_data_sem", "ptl", "first_error"};

bool ShowInDiagram(const TraceEvent& e) {
  // Loads are left out, except the reads of the extent sequence: in the
  // stale-mapping races they are the decisions (the cookie a mapping gets,
  // the value a racy increment starts from, the check).
  if (e.op == SyncOp::kAtomicLoad) return e.what.find("i_es_seq") != std::string::npos;
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
  const bool stuck = run.outcome == ControlledScheduler::Outcome::kDeadlock;
  if (stuck && run.kind() == "deadlock") {
    return "deadlock: " + run.deadlock +
           (run.violation_count > 0 ? fmt::format("and {} violation(s)", run.violation_count) : "");
  }
  if (run.violation_count > 0) return fmt::format("{} violation(s), first {}", run.violation_count, run.kind());
  if (stuck) return "deadlock: " + run.deadlock;
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
  size_t reported = 0;
  for (const TraceEvent& e : run.trace) {
    const std::string indent(kWidth * e.thread, ' ');
    // The checker's lock is taken once per report, in the order kept.
    if (e.op == SyncOp::kLock && e.what == Checker::kLockName && reported < run.violations.size()) {
      out += indent + "!! " + std::string(ViolationKindName(run.violations[reported++].kind)) + "\n";
    }
    if (!ShowInDiagram(e)) continue;
    std::string text = Describe(e);
    // Small values (counts, flags) help; PTEs and pointers would only clutter.
    if (e.has_values && e.before < 1000 && e.after < 1000) {
      text += e.before == e.after ? fmt::format(" ={}", e.after) : fmt::format(" {}->{}", e.before, e.after);
    }
    if (text.size() > kWidth - 2) text.resize(kWidth - 2);
    out += indent + text + "\n";
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
  // Objects get small ids in order of first use: addresses differ between runs.
  std::map<const void*, size_t> ids;
  size_t reported = 0;
  for (const TraceEvent& e : run.trace) {
    nlohmann::json args = {{"op", SyncOpName(e.op)}, {"what", e.what}};
    if (e.obj != nullptr) args["object"] = fmt::format("obj{}", ids.emplace(e.obj, ids.size() + 1).first->second);
    if (e.has_values) {
      args["before"] = e.before;
      args["after"] = e.after;
    }
    events.push_back({{"name", Describe(e)}, {"cat", SyncOpName(e.op)}, {"ph", "X"}, {"ts", e.step}, {"dur", 1},
                      {"pid", 1}, {"tid", e.thread}, {"args", args}});
    // The checker's lock is taken once per report, in the order kept.
    if (e.op == SyncOp::kLock && e.what == Checker::kLockName && reported < run.violations.size()) {
      const Violation& v = run.violations[reported++];
      events.push_back({{"name", fmt::format("VIOLATION {}", ViolationKindName(v.kind))},
                        {"cat", "violation"}, {"ph", "i"}, {"s", "g"}, {"ts", e.step}, {"pid", 1}, {"tid", e.thread},
                        {"args", {{"kind", ViolationKindName(v.kind)}, {"severity", SeverityName(ViolationSeverity(v.kind))},
                                  {"pfn", v.pfn}, {"ino", v.ino}, {"file_offset", v.file_offset}, {"detail", v.detail}}}});
    }
  }
  if (!run.deadlock.empty()) {
    const uint64_t end = run.trace.empty() ? 0 : run.trace.back().step + 1;
    events.push_back({{"name", "DEADLOCK"}, {"cat", "violation"}, {"ph", "i"}, {"s", "g"}, {"ts", end}, {"pid", 1},
                      {"tid", 0}, {"args", {{"blocked", run.deadlock}}}});
  }
  // Arrows between threads (explore/trace_flows.h): a flow start on the
  // first step's slice, its end on the second's ("bp": "e" binds it to the
  // slice the step is).
  const std::vector<TraceFlow> flows = TraceFlows(run.trace);
  for (size_t id = 0; id < flows.size(); ++id) {
    const TraceEvent& from = run.trace[flows[id].from];
    const TraceEvent& to = run.trace[flows[id].to];
    events.push_back({{"name", flows[id].kind}, {"cat", "flow"}, {"ph", "s"}, {"id", id + 1}, {"ts", from.step},
                      {"pid", 1}, {"tid", from.thread}});
    events.push_back({{"name", flows[id].kind}, {"cat", "flow"}, {"ph", "f"}, {"bp", "e"}, {"id", id + 1},
                      {"ts", to.step}, {"pid", 1}, {"tid", to.thread}});
  }
  // Keys beside traceEvents are metadata to the trace viewers.
  return {{"format_version", kJsonFormatVersion}, {"traceEvents", events}, {"displayTimeUnit", "ns"}};
}

namespace {

nlohmann::json ViolationsJson(const std::vector<Violation>& violations) {
  nlohmann::json v = nlohmann::json::array();
  for (const Violation& x : violations) {
    v.push_back({{"kind", ViolationKindName(x.kind)},
                 {"severity", SeverityName(ViolationSeverity(x.kind))},
                 {"pfn", x.pfn},
                 {"ino", x.ino},
                 {"file_offset", x.file_offset},
                 {"thread", x.thread},
                 {"detail", x.detail}});
  }
  return v;
}

// Whether finding `a` (of one shard) comes before `b` in the order of a
// single-process search: the lower schedule index (random, pct) or the
// earlier position depth first (dfs).
bool EarlierFinding(Strategy strategy, const FindingSummary& a, const FindingSummary& b) {
  if (strategy == Strategy::kDfs || strategy == Strategy::kDpor) return a.first_position < b.first_position;
  return a.first_index < b.first_index;
}

}  // namespace

namespace {

// What a deadlocked run's threads were blocked on; null when none was.
nlohmann::json DeadlockJson(const RunResult& run) {
  return run.deadlock.empty() ? nlohmann::json(nullptr) : nlohmann::json(run.deadlock);
}

}  // namespace

nlohmann::json RunResultJson(const RunResult& run) {
  return {{"found", run.found()},
          {"kind", run.found() ? nlohmann::json(run.kind()) : nlohmann::json(nullptr)},
          {"outcome", OutcomeLine(run)},
          {"decisions", run.decisions.size()},
          {"schedule_mismatch", run.schedule_mismatch.empty() ? nlohmann::json(nullptr) : nlohmann::json(run.schedule_mismatch)},
          {"violations", ViolationsJson(run.violations)},
          {"deadlock", DeadlockJson(run)}};
}

nlohmann::json ExploreConfigJson(const ExploreOptions& o) {
  nlohmann::json j = {{"scenario", o.scenario},
          {"protocol", o.protocol->name},
          {"tlb_flush", TlbFlushModeName(o.tlb_flush)},
          {"strategy", StrategyName(o.strategy)},
          {"seed", SeedJson(o.seed)},
          {"depth", o.depth},
          {"preemptions", o.preemptions},
          {"dpor_preemptions", o.dpor_preemptions == kNoPreemptionBound ? nlohmann::json(nullptr)
                                                                        : nlohmann::json(o.dpor_preemptions)},
          {"reduction", o.reduction},
          {"keep_going", o.keep_going},
          {"schedules", o.schedules},
          {"time_budget_seconds", o.time_budget_seconds},
          {"max_steps", o.max_steps},
          {"jobs", o.jobs},
          {"shard", {{"index", o.shard_index}, {"count", o.shard_count}}},
          {"split_depth", o.split_depth},
          {"subtrees", o.dpor_subtrees}};
  // The file system only off the default, so ext4 documents read as before.
  if (o.fs->name != DefaultFsModel().name) j["fs"] = o.fs->name;
  // Likewise the page size only for a 2 MiB run.
  if (o.page_size != DaxPageSize::k4K) j["page_size"] = DaxPageSizeName(o.page_size);
  return j;
}

std::string_view CertificateVerdictName(Certificate::Verdict v) {
  switch (v) {
    case Certificate::Verdict::kComplete: return "complete";
    case Certificate::Verdict::kBounded: return "bounded";
    case Certificate::Verdict::kSampled: return "sampled";
  }
  return "?";
}

nlohmann::json Certificate::to_json() const {
  return {{"verdict", CertificateVerdictName(verdict)},
          {"traces", traces},
          {"steps", steps},
          {"bound_cut", bound_cut},
          {"depth_cut", depth_cut},
          {"stopped_by", stopped_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(stopped_by)},
          {"text", text}};
}

Certificate ExploreResult::certificate(const ExploreOptions& o) const {
  Certificate c;
  c.traces = schedules;
  c.steps = steps;
  c.bound_cut = bound_cut;
  c.depth_cut = depth_cut;
  if (interrupted_by != 0) {
    c.stopped_by = std::string(SignalName(interrupted_by));
  } else if (timed_out) {
    c.stopped_by = "time budget";
  } else if (!exhausted) {
    c.stopped_by = found && !o.keep_going ? "first finding" : "schedule budget";
  }
  const std::string counts = fmt::format("{} traces, {} steps", schedules, steps);
  const std::string part = o.shard_count > 1 ? fmt::format("shard {}/{}: ", o.shard_index, o.shard_count) : "";
  if (o.strategy != Strategy::kDfs && o.strategy != Strategy::kDpor) {
    c.verdict = Certificate::Verdict::kSampled;
    c.text = part + fmt::format("sampled: {} schedules ({} steps), no claim of completeness", schedules, steps);
    return c;
  }
  const bool dpor = o.strategy == Strategy::kDpor;
  const bool has_bound = dpor ? o.dpor_preemptions != kNoPreemptionBound : true;
  const uint32_t bound = dpor ? o.dpor_preemptions : o.preemptions;
  if (c.stopped_by.empty() && bound_cut == 0 && depth_cut == 0) {
    c.verdict = Certificate::Verdict::kComplete;
    const std::string what = o.reduction ? "every interleaving class" : "every interleaving";
    c.text = part + fmt::format("complete: {} explored ({}), {}", what, counts,
                                has_bound ? fmt::format("the bound of {} preemptions cut nothing", bound)
                                          : std::string("no bound"));
    return c;
  }
  c.verdict = Certificate::Verdict::kBounded;
  std::vector<std::string> why;
  if (bound_cut > 0) why.push_back(fmt::format("the bound of {} preemptions cut {} branches", bound, bound_cut));
  if (depth_cut > 0) {
    why.push_back(fmt::format("the depth limit of {} steps cut {} runs", o.max_steps, depth_cut));
  }
  if (!c.stopped_by.empty()) why.push_back("the search ended at the " + c.stopped_by);
  std::string joined;
  for (const std::string& w : why) joined += (joined.empty() ? "" : "; ") + w;
  c.text = part + fmt::format("bounded: {} ({})", joined, counts);
  return c;
}

nlohmann::json ExploreResult::to_json(const ExploreOptions& o) const {
  nlohmann::json findings_json = nlohmann::json::object();
  for (const auto& [kind, f] : findings) {
    findings_json[kind] = {{"count", f.count},
                           {"first_schedule", f.first_schedule},
                           {"first_index", f.first_index},
                           {"first_position", f.first_position}};
  }
  nlohmann::json j = JsonDocument("explore", ExploreConfigJson(o));
  j["found"] = found;
  j["kind"] = found ? nlohmann::json(kind) : nlohmann::json(nullptr);
  j["schedules"] = schedules;
  j["pruned"] = pruned;
  j["steps"] = steps;
  j["bound_cut"] = bound_cut;
  j["depth_cut"] = depth_cut;
  j["subtrees"] = subtrees;
  j["exhausted"] = exhausted;
  j["timed_out"] = timed_out;
  j["interrupted_by"] = interrupted_by != 0 ? nlohmann::json(SignalName(interrupted_by)) : nlohmann::json(nullptr);
  j["seconds"] = seconds;
  j["schedule"] = found ? nlohmann::json(schedule) : nlohmann::json(nullptr);
  j["replay"] = found ? nlohmann::json(replay_command) : nlohmann::json(nullptr);
  j["confirmed"] = confirmed;
  j["findings"] = findings_json;
  j["violations"] = ViolationsJson(run.violations);
  j["deadlock"] = DeadlockJson(run);
  j["certificate"] = certificate(o).to_json();
  j["merged_from"] = merged_from;
  if (o.collect_outcomes) j["outcomes"] = outcomes;
  return j;
}

std::string ExploreResult::to_text(const ExploreOptions& o) const {
  std::string out = fmt::format("daxbreak explore: scenario {}, protocol {}, tlb-flush {}, strategy {}, seed {}",
                                o.scenario, o.protocol->name, TlbFlushModeName(o.tlb_flush),
                                StrategyName(o.strategy), o.seed);
  if (o.fs->name != DefaultFsModel().name) out += fmt::format(", fs {}", o.fs->name);
  if (o.page_size != DaxPageSize::k4K) out += fmt::format(", page-size {}", DaxPageSizeName(o.page_size));
  if (o.shard_count > 1) out += fmt::format(", shard {}/{}", o.shard_index, o.shard_count);
  out += "\n";
  const std::string dpor_extent =
      o.dpor_preemptions == kNoPreemptionBound
          ? fmt::format("every interleaving{}", o.reduction ? " class (dpor)" : " (no reduction)")
          : fmt::format("every interleaving{} with at most {} preemptions", o.reduction ? " class (dpor)" : "",
                        o.dpor_preemptions);
  const std::string extent =
      exhausted ? (o.strategy == Strategy::kDpor
                       ? dpor_extent
                       : fmt::format("every schedule with at most {} preemptions{}", o.preemptions,
                                     o.reduction ? " (sleep-set reduction)" : ""))
                : interrupted_by != 0 ? fmt::format("interrupted by {}", SignalName(interrupted_by))
                : timed_out           ? "time budget spent"
                                      : "budget spent";
  std::string certificate_line = certificate(o).text + "\n";
  if (merged_from.is_array()) {
    std::string files;
    for (const nlohmann::json& m : merged_from) files += (files.empty() ? "" : ", ") + m.value("file", "?");
    certificate_line += fmt::format("merged from {} shards: {}\n", merged_from.size(), files);
  }
  if (o.collect_outcomes) {
    certificate_line += fmt::format("outcomes ({}):\n", outcomes.size());
    for (const std::string& x : outcomes) certificate_line += "   " + x + "\n";
  }
  if (!found) {
    out += fmt::format("clean: no violation and no deadlock in {} schedule(s), {:.2f} s ({})\n", schedules, seconds,
                       extent);
    return out + certificate_line;
  }
  if (o.keep_going) {
    out += fmt::format("FOUND {} kind(s) in {} schedule(s), {:.2f} s ({})\n", findings.size(), schedules, seconds,
                       extent);
    for (const auto& [k, f] : findings) {
      out += fmt::format("   {:<24} {} schedule(s), first: {}\n", k, f.count, f.first_schedule);
    }
  } else {
    out += fmt::format("FOUND {} after {} schedule(s), {:.2f} s\n", kind, schedules, seconds);
  }
  out += "   " + OutcomeLine(run) + "\n";
  for (const Violation& v : run.violations) {
    out += "   " + DescribeViolation(v) + "\n";
  }
  out += fmt::format("schedule: {}\nreplay:   {}\nconfirmed by replay: {}\n", schedule, replay_command,
                     confirmed ? "yes" : "NO");
  return out + certificate_line;
}

Status ParseExploreConfig(const nlohmann::json& c, ExploreOptions* o) {
  try {
    *o = ExploreOptions{};
    o->scenario = c.at("scenario").get<std::string>();
    const std::string protocol = c.at("protocol").get<std::string>();
    o->protocol = FindProtocol(protocol);
    if (o->protocol == nullptr) return Status::InvalidArgument(fmt::format("unknown protocol '{}'", protocol));
    const std::string fs = c.value("fs", std::string(DefaultFsModel().name));
    o->fs = FindFsModel(fs);
    if (o->fs == nullptr) return Status::InvalidArgument(fmt::format("unknown file system '{}'", fs));
    const auto tlb = ParseTlbFlushMode(c.at("tlb_flush").get<std::string>());
    const auto strategy = ParseStrategy(c.at("strategy").get<std::string>());
    if (!tlb || !strategy) return Status::InvalidArgument("bad tlb_flush or strategy");
    o->tlb_flush = *tlb;
    o->strategy = *strategy;
    if (c.contains("page_size")) {
      Status ps = ParseDaxPageSize(c.at("page_size").get<std::string>(), &o->page_size);
      if (!ps.ok()) return ps;
    }
    Status seed = ParseSeedJson(c.at("seed"), &o->seed);
    if (!seed.ok()) return seed;
    o->depth = c.at("depth");
    o->preemptions = c.at("preemptions");
    const nlohmann::json dpor_bound = c.value("dpor_preemptions", nlohmann::json(nullptr));
    o->dpor_preemptions = dpor_bound.is_null() ? kNoPreemptionBound : dpor_bound.get<uint32_t>();
    o->reduction = c.at("reduction");
    o->keep_going = c.at("keep_going");
    o->schedules = c.at("schedules");
    o->time_budget_seconds = c.at("time_budget_seconds");
    o->max_steps = c.at("max_steps");
    o->jobs = c.at("jobs");
    o->shard_index = c.at("shard").at("index");
    o->shard_count = c.at("shard").at("count");
    o->split_depth = c.at("split_depth");
    o->dpor_subtrees = c.value("subtrees", o->dpor_subtrees);
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(fmt::format("explore config: {}", e.what()));
  }
  return Status::Ok();
}

Status ParseExploreJson(const nlohmann::json& j, ExploreOptions* o, ExploreResult* r) {
  try {
    if (j.at("command") != "explore") return Status::InvalidArgument("not an explore report");
    Status s = ParseExploreConfig(j.at("config"), o);
    if (!s.ok()) return s;
    *r = ExploreResult{};
    r->found = j.at("found");
    if (r->found) {
      r->kind = j.at("kind").get<std::string>();
      r->schedule = j.at("schedule").get<std::string>();
      r->replay_command = j.at("replay").get<std::string>();
    }
    r->schedules = j.at("schedules");
    r->pruned = j.at("pruned");
    r->steps = j.value("steps", uint64_t{0});
    r->bound_cut = j.value("bound_cut", uint64_t{0});
    r->depth_cut = j.value("depth_cut", uint64_t{0});
    r->subtrees = j.value("subtrees", uint64_t{0});
    r->exhausted = j.at("exhausted");
    r->timed_out = j.at("timed_out");
    if (!j.at("interrupted_by").is_null()) r->interrupted_by = ParseSignalName(j.at("interrupted_by").get<std::string>());
    r->seconds = j.at("seconds");
    r->confirmed = j.at("confirmed");
    for (const auto& [kind, f] : j.at("findings").items()) {
      FindingSummary& s = r->findings[kind];
      s.count = f.at("count");
      s.first_schedule = f.at("first_schedule").get<std::string>();
      s.first_index = f.at("first_index");
      s.first_position = f.at("first_position").get<std::vector<uint32_t>>();
    }
    const nlohmann::json& deadlock = j.at("deadlock");
    r->run.deadlock = deadlock.is_null() ? std::string() : deadlock.get<std::string>();
    for (const auto& v : j.at("violations")) {
      const auto kind = ParseViolationKind(v.at("kind").get<std::string>());
      if (!kind) return Status::InvalidArgument("unknown violation kind in report");
      r->run.violations.push_back(Violation{*kind, v.at("pfn"), v.at("ino"), v.at("file_offset"),
                                            v.at("thread").get<std::string>(), v.at("detail").get<std::string>()});
    }
    r->run.violation_count = r->run.violations.size();
    if (j.contains("outcomes")) r->outcomes = j.at("outcomes").get<std::set<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(fmt::format("explore report: {}", e.what()));
  }
  return Status::Ok();
}

Status MergeExploreResults(const std::vector<std::pair<ExploreOptions, ExploreResult>>& shards,
                           ExploreOptions* options, ExploreResult* merged) {
  if (shards.empty()) return Status::InvalidArgument("no shard results to merge");
  const ExploreOptions& a = shards[0].first;
  const uint32_t count = a.shard_count;
  if (shards.size() != count) {
    return Status::InvalidArgument(fmt::format("{} shard results for a search of {} shards", shards.size(), count));
  }
  std::vector<bool> seen(count, false);
  for (const auto& [o, r] : shards) {
    if (o.scenario != a.scenario || o.protocol != a.protocol || o.fs != a.fs || o.tlb_flush != a.tlb_flush ||
        o.page_size != a.page_size ||
        o.strategy != a.strategy || o.seed != a.seed || o.depth != a.depth || o.preemptions != a.preemptions ||
        o.dpor_preemptions != a.dpor_preemptions || o.max_steps != a.max_steps ||
        o.reduction != a.reduction || o.keep_going != a.keep_going || o.schedules != a.schedules ||
        o.split_depth != a.split_depth || o.dpor_subtrees != a.dpor_subtrees || o.shard_count != count) {
      return Status::InvalidArgument(fmt::format("shard {}/{} was run with other options than shard 0/{}",
                                                 o.shard_index, o.shard_count, count));
    }
    if (o.shard_index >= count || seen[o.shard_index]) {
      return Status::InvalidArgument(fmt::format("shard {}/{} is given twice", o.shard_index, count));
    }
    seen[o.shard_index] = true;
  }
  *options = a;
  options->shard_index = 0;
  options->shard_count = 1;
  std::vector<ExploreResult> parts;
  for (const auto& [o, r] : shards) parts.push_back(r);
  *merged = CombineExploreParts(parts, a.strategy, a.keep_going, /*whole_search=*/true);
  return Status::Ok();
}

ExploreResult CombineExploreParts(const std::vector<ExploreResult>& parts, Strategy strategy, bool keep_going,
                                  bool whole_search) {
  ExploreResult out;
  out.exhausted = true;
  const ExploreResult* first = nullptr;
  for (const ExploreResult& r : parts) {
    out.schedules += r.schedules;
    out.pruned += r.pruned;
    out.steps += r.steps;
    out.bound_cut += r.bound_cut;
    out.depth_cut += r.depth_cut;
    out.subtrees += r.subtrees;
    out.outcomes.insert(r.outcomes.begin(), r.outcomes.end());
    out.exhausted &= r.exhausted;
    out.timed_out |= r.timed_out;
    if (r.interrupted_by != 0) out.interrupted_by = r.interrupted_by;
    out.seconds = std::max(out.seconds, r.seconds);
    for (const auto& [kind, f] : r.findings) {
      auto [it, fresh] = out.findings.emplace(kind, f);
      if (fresh) continue;
      const uint64_t total = it->second.count + f.count;
      if (EarlierFinding(strategy, f, it->second)) it->second = f;
      it->second.count = total;
    }
    if (r.found && (first == nullptr || EarlierFinding(strategy, r.findings.at(r.kind), first->findings.at(first->kind)))) {
      first = &r;
    }
  }
  if (first != nullptr) {
    out.found = true;
    out.kind = first->kind;
    out.schedule = first->schedule;
    out.replay_command = first->replay_command;
    out.confirmed = first->confirmed;
    out.run = first->run;
    // A single process stops at the first finding: it reports that one, and
    // with random and pct it would have run every schedule index up to it
    // and no other.
    if (whole_search && !keep_going) {
      FindingSummary only = first->findings.at(first->kind);
      only.count = 1;
      out.findings = {{first->kind, only}};
      if (strategy != Strategy::kDfs && strategy != Strategy::kDpor) out.schedules = only.first_index + 1;
    }
  }
  return out;
}


}  // namespace daxbreak
