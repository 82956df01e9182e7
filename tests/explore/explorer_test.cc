// The protocol table under the deterministic explorer: every row that names
// a scenario is found there with the default strategy, its schedule replays
// to the same finding 20 times, and the correct protocols run every schedule
// of bounded depth clean. `modern` (6.15+) is correct on safety but stalls
// when a page is faulted back in while the break sleeps, as Linux 6.17 does:
// the stall is asserted as a finding, and the candidate fixes
// `modern-mapcount-wake` and `modern-refault-wake` (the rule of daxbreak's
// kernel patch) run clean. The GUP-fast window is closed by the IPI
// TLB flush and open with a broadcast one, and both sides are asserted.

#include "daxbreak/explore/explorer.h"

#include <gtest/gtest.h>

#include "daxbreak/explore/explore_scenario.h"
#include "explore/schedule_policies.h"
#include "testing/param_name.h"

namespace daxbreak {
namespace {

using testing::ParamName;

// A protocol and the scenario it is run in.
struct Case {
  const ProtocolTraits* protocol;
  std::string scenario;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.protocol->name << " in " << c.scenario; }

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  return ParamName(std::string(info.param.protocol->name) + "_" + info.param.scenario);
}

ExploreOptions Options(const Case& c) {
  ExploreOptions o;
  o.protocol = c.protocol;
  o.scenario = c.scenario;
  // ext4 unless the row or the scenario is another file system's.
  const ExploreScenarioInfo* info = FindExploreScenario(c.scenario);
  if (const FsModel* fs = FirstApplicableFs(*c.protocol, info ? info->applies_to : "")) o.fs = fs;
  return o;
}

// Every row that names the scenario catching it, and no-break in the
// scenarios of the fallocate modes.
std::vector<Case> CaughtCases() {
  std::vector<Case> out;
  for (const ProtocolTraits* p : AllProtocols()) {
    if (!p->catches_in.empty() && p->catches_at == DaxPageSize::k4K) out.push_back({p, std::string(p->catches_in)});
  }
  for (const char* scenario : {"zero-range", "collapse"}) out.push_back({&BuiltinProtocol("no-break"), scenario});
  return out;
}

class CaughtVariantTest : public ::testing::TestWithParam<Case> {};

TEST_P(CaughtVariantTest, FoundByDefaultStrategyAndReplayed) {
  const ExploreOptions o = Options(GetParam());
  ExploreResult r;
  ASSERT_TRUE(Explore(o, &r).ok());
  ASSERT_TRUE(r.found) << o.protocol->name << " not found in " << r.schedules << " schedules";
  EXPECT_LE(r.schedules, 10000u);
  if (o.scenario == o.protocol->catches_in) {
    EXPECT_EQ(r.kind == "deadlock", o.protocol->catches_as == CatchKind::kStall)
        << "the row says it shows as a " << CatchKindName(o.protocol->catches_as) << ", found " << r.kind;
  }
  EXPECT_TRUE(r.confirmed);
  for (int i = 0; i < 20; ++i) {
    RunResult again;
    ASSERT_TRUE(Replay(o, r.schedule, false, &again).ok());
    EXPECT_EQ(again.schedule_mismatch, "");
    EXPECT_EQ(again.kind(), r.kind);
  }
}

INSTANTIATE_TEST_SUITE_P(Table, CaughtVariantTest, ::testing::ValuesIn(CaughtCases()), CaseName);

class CorrectProtocolTest : public ::testing::TestWithParam<Case> {};

TEST_P(CorrectProtocolTest, EveryScheduleWithTwoPreemptionsIsClean) {
  ExploreOptions o = Options(GetParam());
  o.strategy = Strategy::kDfs;
  o.preemptions = 2;
  o.schedules = 0;
  ExploreResult r;
  ASSERT_TRUE(Explore(o, &r).ok());
  EXPECT_FALSE(r.found) << r.to_text(o);
  EXPECT_TRUE(r.exhausted);
  EXPECT_GT(r.schedules, 10u);
}

// The scenario where `modern` stalls with the IPI TLB flush: a page faulted
// back in while the break sleeps keeps its count above idle 0, and nothing
// wakes the breaker.
bool ModernStalls(std::string_view scenario) { return scenario == "refault"; }

std::vector<Case> CleanCases() {
  std::vector<Case> out;
  for (const ExploreScenarioInfo* s : ExploreScenarios()) {
    if (s->by_name_only) continue;  // The 2 MiB models: dpor in pmd_explore_test.cc.
    out.push_back({&BuiltinProtocol("fixed"), std::string(s->name)});
    if (!ModernStalls(s->name)) out.push_back({&BuiltinProtocol("modern"), std::string(s->name)});
    out.push_back({&BuiltinProtocol("modern-mapcount-wake"), std::string(s->name)});
    out.push_back({&BuiltinProtocol("modern-refault-wake"), std::string(s->name)});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Dfs, CorrectProtocolTest, ::testing::ValuesIn(CleanCases()), CaseName);

// Both sides of the re-fault stall: `modern` deadlocks where a page is
// re-faulted under a sleeping break, with the default strategy and under
// dfs, and the schedule replays to it. In gup-fast that takes a broadcast TLB
// flush: with the IPI flush the scan never sees GUP-fast's speculative
// reference, so the break never sleeps there (CorrectProtocolTest covers
// modern in gup-fast with ipi; fixed, modern-mapcount-wake and
// modern-refault-wake are clean in both scenarios).
struct StallCase {
  const char* scenario;
  TlbFlushMode tlb_flush;
};

class ModernStallTest : public ::testing::TestWithParam<StallCase> {};

TEST_P(ModernStallTest, FoundByDefaultAndByDfsAndReplayed) {
  for (const Strategy strategy : {Strategy::kPct, Strategy::kDfs}) {
    ExploreOptions o;
    o.protocol = &BuiltinProtocol("modern");
    o.scenario = GetParam().scenario;
    o.tlb_flush = GetParam().tlb_flush;
    o.strategy = strategy;
    ExploreResult r;
    ASSERT_TRUE(Explore(o, &r).ok());
    ASSERT_TRUE(r.found) << "no stall in " << r.schedules << " schedules";
    EXPECT_EQ(r.kind, "deadlock");
    EXPECT_TRUE(r.confirmed);
    RunResult again;
    ASSERT_TRUE(Replay(o, r.schedule, false, &again).ok());
    EXPECT_EQ(again.kind(), "deadlock");
  }
}

INSTANTIATE_TEST_SUITE_P(Modern, ModernStallTest,
                         ::testing::Values(StallCase{"refault", TlbFlushMode::kIpi},
                                           StallCase{"gup-fast", TlbFlushMode::kBroadcast}),
                         [](const ::testing::TestParamInfo<StallCase>& info) {
                           return ParamName(std::string(info.param.scenario) + "_" +
                                            std::string(TlbFlushModeName(info.param.tlb_flush)));
                         });

// The GUP-fast window of docs/protocol.md, 'GUP-fast and the TLB flush'. With
// a broadcast TLB flush a GUP-fast that read the PTE before the unmap takes its
// reference after the scan passed the page: random search finds the busy page
// at dax_disassociate_entry. With the IPI flush (the default) the same search
// runs clean. With 6.15's refcounts the speculative reference fails on a page
// at count 0, so `modern-mapcount-wake` and `modern-refault-wake` are clean
// even without the wait.
TEST(TlbFlushTest, BroadcastOpensTheGupFastWindowForFixedOnly) {
  ExploreOptions o;
  o.scenario = "gup-fast";
  o.strategy = Strategy::kRandom;
  o.schedules = 20000;
  o.tlb_flush = TlbFlushMode::kBroadcast;
  ExploreResult r;
  ASSERT_TRUE(Explore(o, &r).ok());
  ASSERT_TRUE(r.found) << "broadcast: no finding in " << r.schedules << " schedules";
  EXPECT_EQ(r.kind, "busy_page_disassociated");
  EXPECT_TRUE(r.confirmed);
  EXPECT_NE(r.replay_command.find("--tlb-flush broadcast"), std::string::npos) << r.replay_command;
  for (const Violation& v : r.run.violations) {
    EXPECT_NE(v.kind, ViolationKind::kDmaAfterFree) << "the speculative reference never does I/O";
    EXPECT_NE(v.kind, ViolationKind::kDataCorruption);
  }
  o.tlb_flush = TlbFlushMode::kIpi;
  ASSERT_TRUE(Explore(o, &r).ok());
  EXPECT_FALSE(r.found) << r.to_text(o);
  o.tlb_flush = TlbFlushMode::kBroadcast;
  for (const char* fix : {"modern-mapcount-wake", "modern-refault-wake"}) {
    o.protocol = &BuiltinProtocol(fix);
    ASSERT_TRUE(Explore(o, &r).ok());
    EXPECT_FALSE(r.found) << fix << ": " << r.to_text(o);
  }
}

// The sleep-set reduction is checked against the catalogue: with and without
// it, dfs (every schedule within the bound, every finding counted) finds the
// same kinds in every caught cell and in every scenario of `fixed`, and it
// runs fewer schedules.
class ReductionSoundnessTest : public ::testing::TestWithParam<Case> {};

TEST_P(ReductionSoundnessTest, SameKindsWithAndWithoutSleepSets) {
  ExploreOptions o = Options(GetParam());
  o.strategy = Strategy::kDfs;
  o.schedules = 0;
  o.keep_going = true;
  ExploreResult reduced, full;
  ASSERT_TRUE(Explore(o, &reduced).ok());
  o.reduction = false;
  ASSERT_TRUE(Explore(o, &full).ok());
  EXPECT_TRUE(reduced.exhausted && full.exhausted);
  std::vector<std::string> a, b;
  for (const auto& [k, f] : reduced.findings) a.push_back(k);
  for (const auto& [k, f] : full.findings) b.push_back(k);
  EXPECT_EQ(a, b);
  EXPECT_LT(reduced.schedules, full.schedules);
}

std::vector<Case> SoundnessCases() {
  std::vector<Case> out = CaughtCases();
  for (const ExploreScenarioInfo* s : ExploreScenarios()) {
    if (!s->by_name_only) out.push_back({&BuiltinProtocol("fixed"), std::string(s->name)});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Catalogue, ReductionSoundnessTest, ::testing::ValuesIn(SoundnessCases()), CaseName);

// Shards and jobs: the parts of one search, merged, are the search. Each case
// compares the schedules counted and the findings (kind, count, first
// schedule) of four shards merged with one unsharded run, and of two jobs.
void ExpectSameSearch(const ExploreResult& a, const ExploreResult& b) {
  EXPECT_EQ(a.schedules, b.schedules);
  EXPECT_EQ(a.found, b.found);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.schedule, b.schedule);
  ASSERT_EQ(a.findings.size(), b.findings.size());
  for (const auto& [k, f] : a.findings) {
    ASSERT_TRUE(b.findings.count(k)) << k;
    EXPECT_EQ(f.count, b.findings.at(k).count) << k;
    EXPECT_EQ(f.first_schedule, b.findings.at(k).first_schedule) << k;
  }
}

void ExpectShardsMergeToTheWhole(ExploreOptions o) {
  ExploreResult whole;
  ASSERT_TRUE(Explore(o, &whole).ok());
  std::vector<std::pair<ExploreOptions, ExploreResult>> shards(4);
  for (uint32_t i = 0; i < 4; ++i) {
    shards[i].first = o;
    shards[i].first.shard_index = i;
    shards[i].first.shard_count = 4;
    shards[i].first.split_depth = 3;
    ASSERT_TRUE(Explore(shards[i].first, &shards[i].second).ok());
    // Through the JSON report, as `daxbreak merge` reads it.
    ExploreOptions parsed_o;
    ExploreResult parsed_r;
    ASSERT_TRUE(ParseExploreJson(shards[i].second.to_json(shards[i].first), &parsed_o, &parsed_r).ok());
    shards[i] = {parsed_o, parsed_r};
  }
  ExploreOptions merged_o;
  ExploreResult merged;
  ASSERT_TRUE(MergeExploreResults(shards, &merged_o, &merged).ok());
  ExpectSameSearch(merged, whole);
  EXPECT_EQ(merged.exhausted, whole.exhausted);
  o.jobs = 2;
  ExploreResult two_jobs;
  ASSERT_TRUE(Explore(o, &two_jobs).ok());
  if (o.strategy != Strategy::kDfs || o.keep_going || !whole.found) ExpectSameSearch(two_jobs, whole);
}

TEST(ShardTest, DfsEveryFindingCounted) {
  ExploreOptions o;
  o.scenario = "race2018";
  o.protocol = &BuiltinProtocol("retry-flag");
  o.strategy = Strategy::kDfs;
  o.schedules = 0;
  o.keep_going = true;
  o.split_depth = 3;
  ExpectShardsMergeToTheWhole(o);
}

TEST(ShardTest, DfsCleanProtocol) {
  ExploreOptions o;
  o.scenario = "gup-fast";
  o.strategy = Strategy::kDfs;
  o.schedules = 0;
  o.split_depth = 3;
  ExpectShardsMergeToTheWhole(o);
}

TEST(ShardTest, RandomAndPctStopAtTheSameFinding) {
  for (Strategy strategy : {Strategy::kRandom, Strategy::kPct}) {
    ExploreOptions o;
    o.scenario = "race2018";
    o.protocol = &BuiltinProtocol("retry-flag");
    o.strategy = strategy;
    o.schedules = 20000;
    ExpectShardsMergeToTheWhole(o);
  }
}

TEST(ShardTest, MergeRefusesIncompleteOrMixedShards) {
  ExploreOptions o;
  o.scenario = "race2018";
  o.strategy = Strategy::kRandom;
  o.schedules = 100;
  o.shard_count = 2;
  ExploreResult r;
  ASSERT_TRUE(Explore(o, &r).ok());
  ExploreOptions merged_o;
  ExploreResult merged;
  EXPECT_EQ(MergeExploreResults({{o, r}}, &merged_o, &merged).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MergeExploreResults({{o, r}, {o, r}}, &merged_o, &merged).code(), StatusCode::kInvalidArgument);
  ExploreOptions other = o;
  other.shard_index = 1;
  other.seed = 2;
  EXPECT_EQ(MergeExploreResults({{o, r}, {other, r}}, &merged_o, &merged).code(), StatusCode::kInvalidArgument);
}

TEST(ExplorerTest, TimeBudgetEndsTheSearch) {
  ExploreOptions o;
  o.scenario = "refault";
  o.strategy = Strategy::kRandom;
  o.schedules = 0;
  o.time_budget_seconds = 0.2;
  ExploreResult r;
  ASSERT_TRUE(Explore(o, &r).ok());
  EXPECT_TRUE(r.timed_out);
  EXPECT_GT(r.schedules, 10u);
}

TEST(ScheduleStringTest, RoundTrip) {
  const std::vector<uint32_t> d = {0, 0, 0, 1, 2, 2, 0};
  const std::string s = EncodeSchedule(d);
  EXPECT_EQ(s, "0*3.1.2*2.0");
  std::vector<uint32_t> back;
  ASSERT_TRUE(DecodeSchedule(s, &back).ok());
  EXPECT_EQ(back, d);
  EXPECT_FALSE(DecodeSchedule("0*x.1", &back).ok());
  EXPECT_FALSE(DecodeSchedule("", &back).ok());
  ASSERT_TRUE(DecodeSchedule("-", &back).ok());
  EXPECT_TRUE(back.empty());
}

TEST(ExplorerTest, TraceReadsLikeTheReport) {
  ExploreOptions o;
  o.protocol = &BuiltinProtocol("retry-flag");
  o.scenario = "race2018";
  ExploreResult r;
  ASSERT_TRUE(Explore(o, &r).ok());
  ASSERT_TRUE(r.found);
  RunResult traced;
  ASSERT_TRUE(Replay(o, r.schedule, true, &traced).ok());
  const std::string diagram = RenderTraceDiagram(traced);
  EXPECT_NE(diagram.find("dax_layout_busy_page_range:return"), std::string::npos) << diagram;
  EXPECT_NE(diagram.find("page_ref_dec"), std::string::npos);
  EXPECT_NE(diagram.find("!! " + r.kind), std::string::npos) << diagram;
  const nlohmann::json j = TraceEventsJson(traced);
  EXPECT_GT(j["traceEvents"].size(), 10u);
}

TEST(ExplorerTest, UnknownScenarioIsAnError) {
  ExploreOptions o;
  o.scenario = "nope";
  ExploreResult r;
  EXPECT_EQ(Explore(o, &r).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace daxbreak

namespace daxbreak {
namespace {

// The lock-order checker on the zero-range deadlock (docs/models/journal.md,
// 'The lock-order checker'): the order jbd2_handle -> writeback (a flush under
// a handle) against writeback -> jbd2_handle (the conversion at I/O
// completion) is reported from schedules that complete; the schedules that
// deadlock report the wait chain.
TEST(LockOrderTest, FlushUnderHandleCycleWithoutADeadlock) {
  ExploreOptions o;
  o.scenario = "zero-unwritten";
  o.protocol = &BuiltinProtocol("flush-under-handle");
  o.keep_going = true;
  o.schedules = 2000;
  ExploreResult r;
  ASSERT_TRUE(Explore(o, &r).ok());
  ASSERT_EQ(r.findings.count("lock_order_cycle"), 1u) << r.to_text(o);
  ASSERT_EQ(r.findings.count("deadlock"), 1u) << r.to_text(o);
  RunResult cycle;
  ASSERT_TRUE(Replay(o, r.findings.at("lock_order_cycle").first_schedule, false, &cycle).ok());
  EXPECT_EQ(cycle.outcome, ControlledScheduler::Outcome::kCompleted);
  ASSERT_FALSE(cycle.violations.empty());
  EXPECT_EQ(cycle.violations[0].kind, ViolationKind::kLockOrderCycle);
  EXPECT_NE(cycle.violations[0].detail.find("jbd2_handle"), std::string::npos) << cycle.violations[0].detail;
  EXPECT_NE(cycle.violations[0].detail.find("writeback"), std::string::npos) << cycle.violations[0].detail;
  RunResult stuck;
  ASSERT_TRUE(Replay(o, r.findings.at("deadlock").first_schedule, false, &stuck).ok());
  EXPECT_EQ(stuck.kind(), "deadlock");
  EXPECT_NE(stuck.deadlock.find("end-io blocked at jbd2_handle (held by zero)"), std::string::npos) << stuck.deadlock;
  EXPECT_NE(stuck.deadlock.find("zero blocked at writeback (held by end-io)"), std::string::npos) << stuck.deadlock;
}

}  // namespace
}  // namespace daxbreak

namespace daxbreak {
namespace {

// The correct forms of the cached-mapping, journal and crash scenarios
// (for cached mappings: the atomic sequence, every change counted,
// iomap_valid in iomap_write_begin()), under random and pct as well as dfs
// with 2 preemptions.
TEST(Section8Test, FixedFormsAreCleanUnderRandomPctAndDfs) {
  const std::pair<const char*, std::vector<const char*>> cases[] = {
      {"stale-unwritten", {"fixed"}},
      {"racy-seq", {"fixed"}},
      {"zero-unwritten", {"dirty-folio-batch", "no-flush-on-hole", "zero-hole-flush"}},
      {"zero-hole", {"dirty-folio-batch", "no-flush-on-hole"}},
      {"fsync-dio", {"oe-before-em", "dio-fsync-rwsem"}},
  };
  for (const auto& [scenario, protocols] : cases) {
    for (const char* protocol : protocols) {
      for (Strategy strategy : {Strategy::kRandom, Strategy::kPct, Strategy::kDfs}) {
        ExploreOptions o;
        o.scenario = scenario;
        o.protocol = &BuiltinProtocol(protocol);
        o.strategy = strategy;
        o.schedules = strategy == Strategy::kDfs ? 0 : 20000;
        ExploreResult r;
        ASSERT_TRUE(Explore(o, &r).ok());
        EXPECT_FALSE(r.found) << r.to_text(o);
      }
    }
  }
}

// A crash finding replays from its schedule, and its trace shows where the
// power was cut.
TEST(Section8Test, CrashFindingShowsThePowerCut) {
  ExploreOptions o;
  o.scenario = "fsync-dio";
  o.protocol = &BuiltinProtocol("em-before-oe");
  ExploreResult r;
  ASSERT_TRUE(Explore(o, &r).ok());
  ASSERT_TRUE(r.found);
  EXPECT_EQ(r.kind, "stale_data_after_crash");
  RunResult traced;
  ASSERT_TRUE(Replay(o, r.schedule, true, &traced).ok());
  const std::string diagram = RenderTraceDiagram(traced);
  EXPECT_NE(diagram.find("power_cut"), std::string::npos) << diagram;
  EXPECT_NE(diagram.find("first stale_data_after_crash"), std::string::npos) << diagram;
}

}  // namespace
}  // namespace daxbreak
