// The dpor strategy (dynamic partial-order reduction, explore/dpor.h):
//
// - soundness: for every scenario small enough (at most kSmall schedules
//   unreduced, with no bound), the set of outcomes a dpor search reaches
//   (how each run ended, its violation kinds, the model's final state)
//   equals the set the unreduced search reaches; for the larger catalogue
//   scenarios it contains every outcome of the unreduced search within one
//   preemption;
// - the test can fail: with a dependent pair of steps declared independent
//   (DependencyMutation) the comparison finds a difference;
// - every buggy protocol row is found in the scenario it names, as the kind
//   its row says, and its schedule replays to it;
// - every correct row is `complete` (every interleaving class explored) and
//   clean in every scenario;
// - the certificate: `bounded` when a preemption bound or the depth limit
//   cut something, `complete` otherwise;
// - shards: 4 shards of refault get at most twice the mean each, and merged
//   they equal the whole search, as two jobs do.
//
// The small scenarios below use the sync layer directly: the orders that
// matter are a lost update (atomic load and store), a wake before the
// waiter sets its flag or joins the queue (wait and wake), a try-lock
// against an unlock (lock and unlock), two locks taken in opposite orders
// (a deadlock), a reader-writer semaphore, and a signal against an
// interruptible sleep.
//
// Under a sanitizer (DAXBREAK_DPOR_SMALL=1, tests/CMakeLists.txt), where a
// schedule costs about ten times more, the largest cases are skipped.

#include <algorithm>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "daxbreak/explore/explore_scenario.h"
#include "daxbreak/explore/explorer.h"
#include "daxbreak/sync/mutex.h"
#include "daxbreak/sync/rwsem.h"
#include "daxbreak/sync/sync_atomic.h"
#include "daxbreak/sync/task.h"
#include "daxbreak/sync/wait_var.h"
#include "explore/dpor.h"
#include "testing/param_name.h"

namespace daxbreak {
namespace {

using testing::ParamName;

// "Small enough" for the unreduced comparison: the 100k schedules.
constexpr uint64_t kSmall = 100000;

bool Sanitized() { return std::getenv("DAXBREAK_DPOR_SMALL") != nullptr; }

// ----------------------------------------------------------- small scenarios

// Three threads increment one counter by a load and a store: any count from 1
// to 3 can be left.
class LostUpdate final : public ExploreModel {
 public:
  explicit LostUpdate(const ModelEnv&) {}
  void add_threads(ControlledScheduler& s) override {
    for (int i = 0; i < 3; ++i) {
      s.add_thread(fmt::format("inc{}", i), [this] {
        const int v = x_.load("read");
        x_.store(v + 1, "write");
      });
    }
  }
  std::string final_state() override { return fmt::format("x={}", x_.peek()); }

 private:
  SyncAtomic<int> x_{0};
};

// The waker wakes before it sets the flag: a waiter that joins the queue
// after the wake and tests the flag before it is set sleeps for ever. A
// third thread takes a lock of its own meanwhile.
class EarlyWake final : public ExploreModel {
 public:
  explicit EarlyWake(const ModelEnv&) {}
  void add_threads(ControlledScheduler& s) override {
    s.add_thread("waiter", [this] {
      (void)wait_var_event(&key_, [this] { return flag_.load("test") != 0; }, false);
      woke_ = 1;
    });
    s.add_thread("waker", [this] {
      wake_up_var(&key_);
      flag_.store(1, "set");
    });
    s.add_thread("other", [this] {
      MutexLock lock(&other_);
      noise_.store(1, "noise");
    });
  }
  std::string final_state() override { return fmt::format("woke={}", woke_); }

 private:
  char key_ = 0;  // The wait queue's key: another object than the flag.
  SyncAtomic<int> flag_{0};
  SyncAtomic<int> noise_{0};
  Mutex other_{"other"};
  int woke_ = 0;
};

// One sleep on a wait queue against one wake of it: the wake reaches the
// sleeper only if it joined the queue first, else the sleeper sleeps for
// ever. Only the wait and the wake order the two (prepare_to_wait's place in
// the queue is all the state there is).
class WakeOrder final : public ExploreModel {
 public:
  explicit WakeOrder(const ModelEnv&) {}
  void add_threads(ControlledScheduler& s) override {
    s.add_thread("sleeper", [this] {
      const WaitQueueEntry entry(&key_);
      entry.schedule(/*interruptible=*/false);
    });
    s.add_thread("waker", [this] { wake_up_var(&key_); });
  }

 private:
  char key_ = 0;
};

// A try-lock against a lock holder: it fails only between the holder's lock
// and unlock.
class TryLock final : public ExploreModel {
 public:
  explicit TryLock(const ModelEnv&) {}
  void add_threads(ControlledScheduler& s) override {
    s.add_thread("holder", [this] {
      m_.lock();
      data_ = 1;
      m_.unlock();
    });
    s.add_thread("trier", [this] {
      if (m_.try_lock()) {
        got_ = 1 + data_;
        m_.unlock();
      }
    });
  }
  std::string final_state() override { return fmt::format("got={}", got_); }

 private:
  Mutex m_{"m"};
  int data_ = 0;  // Guarded by m_.
  int got_ = 0;   // 0: the try failed; else 1 + what it saw.
};

// Two locks taken in opposite orders: a deadlock in some runs, a lock-order
// cycle reported in all that get that far.
class LockOrder final : public ExploreModel {
 public:
  explicit LockOrder(const ModelEnv&) {}
  void add_threads(ControlledScheduler& s) override {
    s.add_thread("ab", [this] {
      MutexLock a(&a_);
      MutexLock b(&b_);
      ++n_;
    });
    s.add_thread("ba", [this] {
      MutexLock b(&b_);
      MutexLock a(&a_);
      ++n_;
    });
  }
  std::string final_state() override { return fmt::format("n={}", n_); }

 private:
  Mutex a_{"lock_a"};
  Mutex b_{"lock_b"};
  int n_ = 0;  // Guarded by both.
};

// Two readers and a writer: each reader sees the value before or after the
// write.
class Readers final : public ExploreModel {
 public:
  explicit Readers(const ModelEnv&) {}
  void add_threads(ControlledScheduler& s) override {
    s.add_thread("writer", [this] {
      WriteLock w(&sem_);
      value_ = 1;
    });
    for (int i = 0; i < 2; ++i) {
      s.add_thread(fmt::format("reader{}", i), [this, i] {
        ReadLock r(&sem_);
        seen_[i] = value_;
      });
    }
  }
  std::string final_state() override { return fmt::format("seen={}{}", seen_[0], seen_[1]); }

 private:
  RwSem sem_{"sem"};
  int value_ = 0;  // Guarded by sem_.
  int seen_[2] = {-1, -1};
};

// A signal against an interruptible sleep: the sleeper returns OK when the
// flag is set first, EINTR when the signal comes first.
class Signal final : public ExploreModel {
 public:
  explicit Signal(const ModelEnv&) {}
  void add_threads(ControlledScheduler& s) override {
    s.add_thread("sleeper", [this] {
      task_.store(&Task::current(), "publish");
      status_ = wait_var_event(&flag_, [this] { return flag_.load("test") != 0; }, true).code();
      task_.store(nullptr, "retire");
    });
    s.add_thread("signaller", [this] {
      if (Task* t = task_.load("find")) send_signal(*t);
    });
    s.add_thread("setter", [this] {
      flag_.store(1, "set");
      wake_up_var(&flag_);
    });
  }
  std::string final_state() override { return fmt::format("status={}", StatusCodeName(status_)); }

 private:
  SyncAtomic<Task*> task_{nullptr};
  SyncAtomic<int> flag_{0};
  StatusCode status_ = StatusCode::kOk;
};

template <class Model>
std::unique_ptr<ExploreModel> BuildTest(const ModelEnv& env) {
  return std::make_unique<Model>(env);
}

const std::vector<std::string>& SmallScenarios() {
  static const std::vector<std::string> names = [] {
    const std::pair<const char*, std::unique_ptr<ExploreModel> (*)(const ModelEnv&)> rows[] = {
        {"test-lost-update", BuildTest<LostUpdate>}, {"test-early-wake", BuildTest<EarlyWake>},
        {"test-wake-order", BuildTest<WakeOrder>},    {"test-trylock", BuildTest<TryLock>},
        {"test-lock-order", BuildTest<LockOrder>},    {"test-readers", BuildTest<Readers>},
        {"test-signal", BuildTest<Signal>},
    };
    std::vector<std::string> out;
    for (const auto& [name, build] : rows) {
      EXPECT_TRUE(RegisterExploreScenario({name, "dpor_test", build}).ok()) << name;
      out.emplace_back(name);
    }
    return out;
  }();
  return names;
}

// ------------------------------------------------------------------ helpers

struct Case {
  std::string scenario;
  const ProtocolTraits* protocol;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.protocol->name << " in " << c.scenario; }

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  return ParamName(info.param.scenario + "_" + std::string(info.param.protocol->name));
}

ExploreOptions DporOptions(const Case& c) {
  ExploreOptions o;
  o.scenario = c.scenario;
  o.protocol = c.protocol;
  o.strategy = Strategy::kDpor;
  o.schedules = 0;
  // ext4 unless the row or the scenario is another file system's.
  const ExploreScenarioInfo* info = FindExploreScenario(c.scenario);
  if (const FsModel* fs = FirstApplicableFs(*c.protocol, info ? info->applies_to : "")) o.fs = fs;
  return o;
}

// Every outcome a search reaches (keep_going: no stop at a finding).
ExploreResult Outcomes(ExploreOptions o, uint64_t budget) {
  o.keep_going = true;
  o.collect_outcomes = true;
  o.schedules = budget;
  ExploreResult r;
  EXPECT_TRUE(Explore(o, &r).ok());
  return r;
}

std::string Join(const std::set<std::string>& s) {
  std::string out;
  for (const std::string& x : s) out += "  " + x + "\n";
  return out;
}

// The unreduced search of `c` when it has at most kSmall schedules, else
// nullopt.
std::optional<ExploreResult> Unreduced(const Case& c) {
  ExploreOptions o = DporOptions(c);
  o.reduction = false;
  o.dpor_subtrees = 1;
  ExploreResult r = Outcomes(o, kSmall + 1);
  if (!r.exhausted || r.schedules > kSmall) return std::nullopt;
  return r;
}

// -------------------------------------------------------------- soundness

std::vector<Case> SoundnessCases() {
  std::vector<Case> out;
  for (const std::string& s : SmallScenarios()) out.push_back({s, &BuiltinProtocol("fixed")});
  // fsync-dio, the catalogue's scenario under kSmall unreduced, with each
  // row of a different fsync order.
  // (dio-fsync-rwsem has 603,062 unreduced schedules there: too many.)
  for (const char* p : {"fixed", "em-before-oe", "oe-before-em"}) {
    out.push_back({"fsync-dio", &BuiltinProtocol(p)});
  }
  return out;
}

class DporSoundnessTest : public ::testing::TestWithParam<Case> {};

// Both forms of the search: one DPOR over the whole tree (no plan), and the
// default one cut into subtrees (whose top nodes are expanded in full).
TEST_P(DporSoundnessTest, SameOutcomesAsEveryInterleaving) {
  const Case& c = GetParam();
  const std::optional<ExploreResult> full = Unreduced(c);
  ASSERT_TRUE(full.has_value()) << c.scenario << " has more than " << kSmall << " schedules unreduced";
  EXPECT_GT(full->outcomes.size(), 0u);
  EXPECT_EQ(full->certificate(DporOptions(c)).verdict, Certificate::Verdict::kComplete);
  for (const uint32_t subtrees : {1u, ExploreOptions{}.dpor_subtrees}) {
    ExploreOptions o = DporOptions(c);
    o.dpor_subtrees = subtrees;
    const ExploreResult reduced = Outcomes(o, 0);
    EXPECT_EQ(reduced.outcomes, full->outcomes) << subtrees << " subtrees; dpor:\n" << Join(reduced.outcomes)
                                                 << "unreduced:\n" << Join(full->outcomes);
    EXPECT_EQ(reduced.certificate(o).verdict, Certificate::Verdict::kComplete);
    EXPECT_LE(reduced.schedules, full->schedules);
  }
}

INSTANTIATE_TEST_SUITE_P(Small, DporSoundnessTest, ::testing::ValuesIn(SoundnessCases()), CaseName);

// The small scenarios are the ones the unreduced search can enumerate; they
// must reach more than one outcome each, or there would be nothing to lose.
TEST(DporSoundnessTest, SmallScenariosHaveSeveralOutcomes) {
  for (const std::string& s : SmallScenarios()) {
    const std::optional<ExploreResult> full = Unreduced({s, &BuiltinProtocol("fixed")});
    ASSERT_TRUE(full.has_value()) << s;
    EXPECT_GE(full->outcomes.size(), 2u) << s << ":\n" << Join(full->outcomes);
  }
}

// A mutation of the dependency relation (a dependent pair declared
// independent) makes dpor miss outcomes, and the comparison above sees it.
// The search is one DPOR over the whole tree: in the default one the top
// nodes are expanded in full, which would hide a race decided there.
class DporMutationTest : public ::testing::TestWithParam<DependencyMutation> {
 protected:
  void TearDown() override { SetDependencyMutationForTesting(DependencyMutation::kNone); }
};

TEST_P(DporMutationTest, TheSoundnessComparisonCatchesIt) {
  std::vector<std::string> caught;
  for (const std::string& s : SmallScenarios()) {
    const Case c{s, &BuiltinProtocol("fixed")};
    const std::optional<ExploreResult> full = Unreduced(c);  // Uses no dependency relation.
    ASSERT_TRUE(full.has_value());
    ExploreOptions o = DporOptions(c);
    o.dpor_subtrees = 1;
    SetDependencyMutationForTesting(GetParam());
    const ExploreResult reduced = Outcomes(o, 0);
    SetDependencyMutationForTesting(DependencyMutation::kNone);
    if (reduced.outcomes != full->outcomes) caught.push_back(s);
  }
  EXPECT_FALSE(caught.empty()) << "no small scenario tells the mutated relation from the real one";
}

INSTANTIATE_TEST_SUITE_P(Relation, DporMutationTest,
                         ::testing::Values(DependencyMutation::kWriteReadIndependent,
                                           DependencyMutation::kWakeWaitIndependent,
                                           DependencyMutation::kUnlockLockIndependent),
                         [](const ::testing::TestParamInfo<DependencyMutation>& info) {
                           switch (info.param) {
                             case DependencyMutation::kWriteReadIndependent: return std::string("WriteRead");
                             case DependencyMutation::kWakeWaitIndependent: return std::string("WakeWait");
                             case DependencyMutation::kUnlockLockIndependent: return std::string("UnlockLock");
                             default: return std::string("None");
                           }
                         });

// The catalogue scenarios are too large to enumerate unreduced; dpor must
// still reach every outcome of every schedule with at most one preemption.
std::vector<Case> CatalogueCases() {
  std::vector<Case> out;
  for (const ExploreScenarioInfo* s : ExploreScenarios()) {
    if (s->summary == "dpor_test" || s->name == "racy-seq" || s->by_name_only) continue;
    out.push_back({std::string(s->name), &BuiltinProtocol("fixed")});
  }
  for (const ProtocolTraits* p : AllProtocols()) {
    if (!p->catches_in.empty() && p->catches_in != "racy-seq" && p->catches_at == DaxPageSize::k4K) {
      out.push_back({std::string(p->catches_in), p});
    }
  }
  return out;
}

class DporCoverageTest : public ::testing::TestWithParam<Case> {};

TEST_P(DporCoverageTest, ReachesEveryOutcomeOfOnePreemption) {
  const Case& c = GetParam();
  SmallScenarios();  // Registered before any search.
  ExploreOptions bounded = DporOptions(c);
  bounded.strategy = Strategy::kDfs;
  bounded.preemptions = 1;
  bounded.reduction = false;
  const ExploreResult some = Outcomes(bounded, 0);
  ASSERT_TRUE(some.exhausted);
  const ExploreResult all = Outcomes(DporOptions(c), 0);
  EXPECT_EQ(all.certificate(DporOptions(c)).verdict, Certificate::Verdict::kComplete);
  for (const std::string& outcome : some.outcomes) {
    EXPECT_EQ(all.outcomes.count(outcome), 1u) << "dpor missed: " << outcome;
  }
}

INSTANTIATE_TEST_SUITE_P(Catalogue, DporCoverageTest, ::testing::ValuesIn(CatalogueCases()), CaseName);

// ----------------------------------------------------------- the catalogue

std::vector<Case> CaughtCases() {
  std::vector<Case> out;
  for (const ProtocolTraits* p : AllProtocols()) {
    if (!p->catches_in.empty() && p->catches_at == DaxPageSize::k4K) out.push_back({std::string(p->catches_in), p});
  }
  return out;
}

class DporCaughtTest : public ::testing::TestWithParam<Case> {};

// Stopping at the first finding; a row that shows as a stall may show its
// lock-order cycle first (a warning of the deadlock, in a run that
// completes), so for those the search goes on until it has the deadlock too.
TEST_P(DporCaughtTest, FoundAsItsRowSaysAndReplayed) {
  ExploreOptions o = DporOptions(GetParam());
  const bool stall = o.protocol->catches_as == CatchKind::kStall;
  o.keep_going = stall;
  ExploreResult r;
  ASSERT_TRUE(Explore(o, &r).ok());
  ASSERT_TRUE(r.found) << r.to_text(o);
  EXPECT_TRUE(r.confirmed);
  std::string kind = r.kind, schedule = r.schedule;
  if (stall) {
    ASSERT_EQ(r.findings.count("deadlock"), 1u) << r.to_text(o);
    kind = "deadlock";
    schedule = r.findings.at("deadlock").first_schedule;
    EXPECT_EQ(r.certificate(o).verdict, Certificate::Verdict::kComplete) << r.certificate(o).text;
  } else {
    EXPECT_NE(kind, "deadlock");
    EXPECT_NE(kind, "step_limit");
    const Certificate cert = r.certificate(o);
    EXPECT_EQ(cert.verdict, Certificate::Verdict::kBounded);
    EXPECT_EQ(cert.stopped_by, "first finding");
  }
  for (int i = 0; i < 5; ++i) {
    RunResult again;
    ASSERT_TRUE(Replay(o, schedule, false, &again).ok());
    EXPECT_EQ(again.schedule_mismatch, "");
    EXPECT_EQ(again.kind(), kind);
  }
}

INSTANTIATE_TEST_SUITE_P(Table, DporCaughtTest, ::testing::ValuesIn(CaughtCases()), CaseName);

std::vector<Case> CorrectCases() {
  std::vector<Case> out;
  for (const ExploreScenarioInfo* s : ExploreScenarios()) {
    if (s->summary == "dpor_test") continue;
    for (const ProtocolTraits* p : AllProtocols()) {
      if (p->status != ProtocolStatus::kCorrect && p->status != ProtocolStatus::kCandidateFix) continue;
      // racy-seq has about half a million interleaving classes (8 s in the
      // release build): one row here; bench/ and the CLI cover the others.
      if (s->name == "racy-seq" && p->name != "fixed") continue;
      if (p->cycles_in == s->name) continue;  // UnfairCycleTest below.
      out.push_back({std::string(s->name), p});
    }
  }
  return out;
}

class DporCompleteTest : public ::testing::TestWithParam<Case> {};

TEST_P(DporCompleteTest, CleanAndComplete) {
  if (Sanitized() && GetParam().scenario == "racy-seq") GTEST_SKIP() << "too large under a sanitizer";
  const ExploreOptions o = DporOptions(GetParam());
  ExploreResult r;
  ASSERT_TRUE(Explore(o, &r).ok());
  EXPECT_FALSE(r.found) << r.to_text(o);
  const Certificate cert = r.certificate(o);
  EXPECT_EQ(cert.verdict, Certificate::Verdict::kComplete) << cert.text;
  EXPECT_EQ(cert.text.rfind("complete: every interleaving class explored (", 0), 0u) << cert.text;
  EXPECT_NE(cert.text.find("), no bound"), std::string::npos) << cert.text;
  EXPECT_TRUE(r.exhausted);
  EXPECT_EQ(r.bound_cut, 0u);
  EXPECT_EQ(r.depth_cut, 0u);
}

INSTANTIATE_TEST_SUITE_P(Table, DporCompleteTest, ::testing::ValuesIn(CorrectCases()), CaseName);

// A row's unfair cycle (ProtocolTraits::cycles_in): unbounded dpor reaches
// the depth limit, and in the cut run one thread is kept out for most of it; a preemption bound, which allows only finite unfair
// stretches, leaves every run clean and complete. modern-refault-wake in
// refault: the touching thread's fault wakes the break, which unmaps the page
// and sleeps on the pin again, and the pin's completion (the starved thread)
// ends it.
class UnfairCycleTest : public ::testing::TestWithParam<const ProtocolTraits*> {};

TEST_P(UnfairCycleTest, OnlyAStarvedThreadKeepsItGoing) {
  const ProtocolTraits* p = GetParam();
  const Case c{std::string(p->cycles_in), p};
  ExploreOptions o = DporOptions(c);
  o.max_steps = 4000;
  ExploreResult r;
  ASSERT_TRUE(Explore(o, &r).ok());
  ASSERT_TRUE(r.found) << r.to_text(o);
  ASSERT_EQ(r.kind, "step_limit") << r.to_text(o);
  // Each thread's longest stretch of picks without it: one thread is kept
  // out for most of the run, the others take turns all along.
  const std::vector<uint32_t>& picks = r.run.decisions;
  ASSERT_GT(picks.size(), 1000u);
  std::vector<size_t> longest(r.run.thread_names.size(), 0), last(r.run.thread_names.size(), 0);
  for (size_t i = 0; i < picks.size(); ++i) {
    longest[picks[i]] = std::max(longest[picks[i]], i - last[picks[i]]);
    last[picks[i]] = i;
  }
  size_t starved = 0;
  for (size_t t = 0; t < longest.size(); ++t) {
    if (longest[t] > picks.size() / 2) {
      ++starved;
    } else {
      EXPECT_LT(longest[t], 100u) << r.run.thread_names[t] << " waited long too";
    }
  }
  EXPECT_EQ(starved, 1u) << "of " << picks.size() << " picks";

  ExploreOptions bounded = DporOptions(c);
  bounded.dpor_preemptions = 2;
  ExploreResult b;
  ASSERT_TRUE(Explore(bounded, &b).ok());
  EXPECT_FALSE(b.found) << b.to_text(bounded);
  EXPECT_TRUE(b.exhausted);
  EXPECT_EQ(b.depth_cut, 0u);
}

std::vector<const ProtocolTraits*> CyclingRows() {
  std::vector<const ProtocolTraits*> out;
  for (const ProtocolTraits* p : AllProtocols()) {
    if (!p->cycles_in.empty()) out.push_back(p);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Table, UnfairCycleTest, ::testing::ValuesIn(CyclingRows()),
                         [](const ::testing::TestParamInfo<const ProtocolTraits*>& info) {
                           return ParamName(std::string(info.param->name));
                         });

// ------------------------------------------------------------ certificate

TEST(CertificateTest, APreemptionBoundOrTheDepthLimitMakesItBounded) {
  ExploreOptions o = DporOptions({"race2018", &BuiltinProtocol("fixed")});
  ExploreResult whole;
  ASSERT_TRUE(Explore(o, &whole).ok());
  EXPECT_EQ(whole.certificate(o).verdict, Certificate::Verdict::kComplete);

  o.dpor_preemptions = 0;
  ExploreResult bounded;
  ASSERT_TRUE(Explore(o, &bounded).ok());
  const Certificate b = bounded.certificate(o);
  EXPECT_EQ(b.verdict, Certificate::Verdict::kBounded) << b.text;
  EXPECT_GT(b.bound_cut, 0u);
  EXPECT_NE(b.text.find("the bound of 0 preemptions cut"), std::string::npos) << b.text;
  EXPECT_LT(bounded.schedules, whole.schedules);

  o.dpor_preemptions = kNoPreemptionBound;
  o.max_steps = 10;
  ExploreResult cut;
  ASSERT_TRUE(Explore(o, &cut).ok());
  const Certificate d = cut.certificate(o);
  EXPECT_EQ(d.verdict, Certificate::Verdict::kBounded) << d.text;
  EXPECT_GT(d.depth_cut, 0u);
  EXPECT_NE(d.text.find("the depth limit of 10 steps cut"), std::string::npos) << d.text;
  EXPECT_TRUE(cut.found);  // A run cut at the depth limit is a finding (step_limit), never silent.
  EXPECT_EQ(cut.kind, "step_limit");

  const nlohmann::json j = whole.to_json(DporOptions({"race2018", &BuiltinProtocol("fixed")}));
  EXPECT_EQ(j["certificate"]["verdict"], "complete");
  EXPECT_EQ(j["certificate"]["traces"], whole.schedules);
  EXPECT_EQ(j["certificate"]["steps"], whole.steps);
  EXPECT_TRUE(j["certificate"]["stopped_by"].is_null());
}

TEST(CertificateTest, DfsIsCompleteOnlyWhenItsBoundCutNothing) {
  ExploreOptions o;
  o.scenario = "race2018";
  o.strategy = Strategy::kDfs;
  o.schedules = 0;
  ExploreResult two;
  ASSERT_TRUE(Explore(o, &two).ok());
  const Certificate b = two.certificate(o);
  EXPECT_EQ(b.verdict, Certificate::Verdict::kBounded) << b.text;
  EXPECT_GT(b.bound_cut, 0u);
  o.scenario = "evict-pinned";
  o.preemptions = 10;
  ExploreResult ten;
  ASSERT_TRUE(Explore(o, &ten).ok());
  const Certificate c = ten.certificate(o);
  EXPECT_EQ(c.verdict, Certificate::Verdict::kComplete) << c.text;
  o.strategy = Strategy::kRandom;
  o.schedules = 10;
  ExploreResult sampled;
  ASSERT_TRUE(Explore(o, &sampled).ok());
  EXPECT_EQ(sampled.certificate(o).verdict, Certificate::Verdict::kSampled);
}

// ----------------------------------------------------------------- shards

TEST(DporShardTest, RefaultSplitsEvenlyAndMergesToTheWhole) {
  ExploreOptions o = DporOptions({"refault", &BuiltinProtocol("fixed")});
  o.keep_going = true;
  ExploreResult whole;
  ASSERT_TRUE(Explore(o, &whole).ok());
  ASSERT_EQ(whole.certificate(o).verdict, Certificate::Verdict::kComplete);
  std::vector<std::pair<ExploreOptions, ExploreResult>> shards(4);
  for (uint32_t i = 0; i < 4; ++i) {
    shards[i].first = o;
    shards[i].first.shard_index = i;
    shards[i].first.shard_count = 4;
    ExploreResult r;
    ASSERT_TRUE(Explore(shards[i].first, &r).ok());
    // Through the JSON report, as `daxbreak merge` reads it.
    ASSERT_TRUE(ParseExploreJson(r.to_json(shards[i].first), &shards[i].first, &shards[i].second).ok());
  }
  const double mean = static_cast<double>(whole.schedules) / 4;
  for (const auto& [so, sr] : shards) EXPECT_LE(static_cast<double>(sr.schedules), 2 * mean) << so.shard_index;
  ExploreOptions merged_o;
  ExploreResult merged;
  ASSERT_TRUE(MergeExploreResults(shards, &merged_o, &merged).ok());
  EXPECT_EQ(merged.schedules, whole.schedules);
  EXPECT_EQ(merged.steps, whole.steps);
  EXPECT_EQ(merged.found, whole.found);
  EXPECT_EQ(merged.certificate(merged_o).text, whole.certificate(o).text);
  o.jobs = 2;
  ExploreResult two_jobs;
  ASSERT_TRUE(Explore(o, &two_jobs).ok());
  EXPECT_EQ(two_jobs.schedules, whole.schedules);
  EXPECT_EQ(two_jobs.certificate(o).text, whole.certificate(o).text);
}

TEST(DporShardTest, EveryFindingCountedAcrossShards) {
  ExploreOptions o = DporOptions({"race2018", &BuiltinProtocol("retry-flag")});
  o.keep_going = true;
  ExploreResult whole;
  ASSERT_TRUE(Explore(o, &whole).ok());
  ASSERT_TRUE(whole.found);
  std::vector<std::pair<ExploreOptions, ExploreResult>> shards(3);
  for (uint32_t i = 0; i < 3; ++i) {
    shards[i].first = o;
    shards[i].first.shard_index = i;
    shards[i].first.shard_count = 3;
    ASSERT_TRUE(Explore(shards[i].first, &shards[i].second).ok());
  }
  ExploreOptions merged_o;
  ExploreResult merged;
  ASSERT_TRUE(MergeExploreResults(shards, &merged_o, &merged).ok());
  EXPECT_EQ(merged.schedules, whole.schedules);
  ASSERT_EQ(merged.findings.size(), whole.findings.size());
  for (const auto& [kind, f] : whole.findings) {
    ASSERT_EQ(merged.findings.count(kind), 1u) << kind;
    EXPECT_EQ(merged.findings.at(kind).count, f.count) << kind;
    EXPECT_EQ(merged.findings.at(kind).first_schedule, f.first_schedule) << kind;
  }
  EXPECT_EQ(merged.schedule, whole.schedule);
}

}  // namespace
}  // namespace daxbreak
