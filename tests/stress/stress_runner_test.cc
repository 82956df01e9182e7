// Short stress runs on the model target through the real runner (real
// threads, real io_uring DIO): `fixed`, `modern-mapcount-wake` and
// `modern-refault-wake` stay clean, `no-break` and `retry-flag` are caught;
// the refault sequences stall `modern` (and, with O_DIRECT as the reference,
// the 6.1-stable row) and not `fixed`; a scenario added through the registry
// runs like a built-in one. The buggy runs stop at the first violation;
// their time limits are generous caps, not expectations.

#include "daxbreak/stress/stress_runner.h"

#include <utility>

#include <gtest/gtest.h>

#include "daxbreak/stress/stress_scenario.h"

#include "testing/param_name.h"
#include "testing/test_rig.h"

namespace daxbreak {
namespace {

using testing::ParamName;
using testing::TempDir;

StressConfig ShortConfig(const TempDir& dir, const ProtocolTraits& protocol, int seconds) {
  StressConfig c;
  c.device_path = dir.file("dev.pmem");
  c.device_bytes = 16 << 20;
  c.disk_path = dir.file("disk");
  c.disk_bytes = 1 << 20;
  c.threads = 2;
  c.duration = std::chrono::seconds(seconds);
  c.seed = 42;
  c.protocol = &protocol;
  c.stop_on_violation = protocol.status != ProtocolStatus::kCorrect &&
                        protocol.status != ProtocolStatus::kCandidateFix;
  return c;
}

// Runs the config; skips the test when the machine has no io_uring or
// O_DIRECT.
#define RUN_OR_SKIP(config, report)                                  \
  do {                                                               \
    Status s_ = RunStress((config), (report));                       \
    if (s_.code() == StatusCode::kEnvironment) GTEST_SKIP() << s_.message(); \
    ASSERT_TRUE(s_.ok()) << s_.ToString();                           \
  } while (0)

TEST(StressRunnerTest, FixedIsClean) {
  TempDir dir;
  StressReport report;
  RUN_OR_SKIP(ShortConfig(dir, BuiltinProtocol("fixed"), 3), &report);
  EXPECT_EQ(report.violation_count, 0u) << report.violations_text;
  EXPECT_EQ(report.exit_code(), 0);
  EXPECT_GT(report.counts["dio_read"].get<uint64_t>(), 0u);
  for (uint32_t i = 0; i < kLayoutOps; ++i) {
    const std::string op(LayoutOpName(static_cast<LayoutOp>(i)));
    EXPECT_GT(report.counts[op].get<uint64_t>(), 0u) << op << " never ran";
  }
  EXPECT_GT(report.counts["writer_layout_ops"].get<uint64_t>(), 0u);
  EXPECT_GT(report.counts["pages_verified"].get<uint64_t>(), 0u);
  const nlohmann::json j = report.to_json();
  EXPECT_EQ(j["config"]["seed"], "42");  // A decimal string (docs/json.md).
  EXPECT_EQ(j["config"]["protocol"], "fixed");
  EXPECT_EQ(j["violation_count"], 0u);
}

// The candidate fixes on real threads (`modern-refault-wake` is the rule of
// daxbreak's kernel patch, patches/refault-stall): no violation, and layout
// changes keep completing while DIO re-faults and pins the mapped pages.
TEST(StressRunnerTest, CandidateFixesAreCleanAndLayoutChangesComplete) {
  for (const char* name : {"modern-mapcount-wake", "modern-refault-wake"}) {
    TempDir dir;
    StressReport report;
    RUN_OR_SKIP(ShortConfig(dir, BuiltinProtocol(name), 3), &report);
    EXPECT_EQ(report.violation_count, 0u) << name << ": " << report.violations_text;
    EXPECT_GT(report.counts["truncate"].get<uint64_t>() + report.counts["punch"].get<uint64_t>(), 10u) << name;
    EXPECT_GT(report.counts["dio_read"].get<uint64_t>(), 0u) << name;
  }
}

// Only the fallocate shifts and zeroing, as generic/503 runs them: fixed is
// clean (the oracle follows every shift of the writer files), no-break is
// caught.
TEST(StressRunnerTest, ZeroCollapseInsertOnly) {
  for (const char* name : {"fixed", "no-break"}) {
    TempDir dir;
    StressConfig c = ShortConfig(dir, BuiltinProtocol(name), name == std::string("fixed") ? 2 : 60);
    ASSERT_TRUE(ParseLayoutOps("zero,collapse,insert", &c.layout_ops).ok());
    StressReport report;
    RUN_OR_SKIP(c, &report);
    EXPECT_EQ(report.counts.contains("truncate"), false);
    EXPECT_GT(report.counts["collapse"].get<uint64_t>(), 0u) << name;
    if (name == std::string("fixed")) {
      EXPECT_EQ(report.violation_count, 0u) << report.violations_text;
      EXPECT_GT(report.counts["writer_layout_ops"].get<uint64_t>(), 0u);
    } else {
      EXPECT_GT(report.violation_count, 0u);
    }
  }
}

class BuggyStressTest : public ::testing::TestWithParam<const char*> {};

TEST_P(BuggyStressTest, IsCaught) {
  TempDir dir;
  StressReport report;
  RUN_OR_SKIP(ShortConfig(dir, BuiltinProtocol(GetParam()), 120), &report);
  EXPECT_GT(report.violation_count, 0u);
  EXPECT_EQ(report.exit_code(), 1);
}

INSTANTIATE_TEST_SUITE_P(Stress, BuggyStressTest, ::testing::Values("no-break", "retry-flag"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return ParamName(info.param);
                         });

// The cached-mapping scenario on real threads, both sides: the correct form
// is clean, a missing iomap_valid check loses a writer's data.
TEST(CachedMappingStressTest, FixedIsCleanAndNoIomapValidIsCaught) {
  for (const char* name : {"fixed", "no-iomap-valid"}) {
    TempDir dir;
    StressConfig c = ShortConfig(dir, BuiltinProtocol(name), name == std::string("fixed") ? 3 : 60);
    c.scenario = "cached-mapping";
    StressReport report;
    RUN_OR_SKIP(c, &report);
    EXPECT_GT(report.counts["buffered_writes"].get<uint64_t>(), 0u) << name;
    EXPECT_GT(report.counts["writeback_passes"].get<uint64_t>(), 0u) << name;
    EXPECT_GT(report.counts["reclaim_passes"].get<uint64_t>(), 0u) << name;
    if (name == std::string("fixed")) {
      EXPECT_EQ(report.violation_count, 0u) << report.violations_text;
      EXPECT_GT(report.counts["punch"].get<uint64_t>(), 0u);
      EXPECT_EQ(report.counts.contains("collapse"), false) << "this oracle does not follow shifts";
    } else {
      EXPECT_GT(report.violation_count, 0u);
      EXPECT_EQ(report.exit_code(), 1);
    }
  }
}

// The refault sequence written once for both targets, on the model: the
// 6.15+ row stalls until munmap, the 1-based row returns once the reference
// is dropped. Both sleep on the reference first (exercised).
TEST(RefaultStressTest, ModernStallsAndFixedReturns) {
  for (const char* name : {"fixed", "modern"}) {
    TempDir dir;
    StressConfig c = ShortConfig(dir, BuiltinProtocol(name), 30);
    c.scenario = "refault";
    c.stall_timeout = std::chrono::seconds(2);
    StressReport report;
    RUN_OR_SKIP(c, &report);
    EXPECT_TRUE(report.exercised) << name << ": " << report.not_exercised_why;
    const std::string steps = report.counts["steps"].dump();
    EXPECT_NE(steps.find("faulted back in"), std::string::npos) << steps;
    if (name == std::string("fixed")) {
      EXPECT_EQ(report.outcome(), "clean") << report.to_text();
      EXPECT_NE(steps.find("the change returned"), std::string::npos) << steps;
      EXPECT_EQ(report.exit_code(), 0);
    } else {
      EXPECT_EQ(report.outcome(), "stall (mapping held a reference)") << report.to_text();
      EXPECT_GE(report.latency["longest_layout_op_seconds"].get<double>(), 2.0) << "the stall must show in the latency";
      EXPECT_EQ(report.exit_code(), 1);
    }
  }
}

// The refault sequence with O_DIRECT reads as the reference: `fixed` returns
// once the reads stop; the 6.1-stable row loses the wake of the last
// completion; `modern` waits on the mapping's reference. All sleep on the
// pinned page first (exercised).
TEST(RefaultDioStressTest, SixOneLosesTheWakeModernStallsFixedReturns) {
  const std::pair<const char*, const char*> rows[] = {{"fixed", "clean"},
                                                      {"linux-6.1-stable", "stall (lost wake-up)"},
                                                      {"modern", "stall (mapping held a reference)"}};
  for (const auto& [name, outcome] : rows) {
    TempDir dir;
    StressConfig c = ShortConfig(dir, BuiltinProtocol(name), 30);
    c.scenario = "refault-dio";
    c.stall_timeout = std::chrono::seconds(2);
    StressReport report;
    RUN_OR_SKIP(c, &report);
    EXPECT_TRUE(report.exercised) << name << ": " << report.not_exercised_why;
    EXPECT_EQ(report.outcome(), outcome) << name << ": " << report.to_text();
    const std::string steps = report.counts["steps"].dump();
    EXPECT_NE(steps.find("faulted back in"), std::string::npos) << name << ": " << steps;
    EXPECT_GT(report.counts["dio_read"].get<uint64_t>(), 0u) << name;
  }
}

// The scripted scenarios of a page reference on both sides: the reference row
// waits for it; the release line of 4.19 to 6.14 frees the block (a scan that
// returns early when nothing is mapped, no final break, a skipped locked
// entry), and the reference then reads another file's data.
struct ReferenceCase {
  const char* scenario;
  const char* buggy_row;
};

class ReferenceScenarioTest : public ::testing::TestWithParam<ReferenceCase> {};

TEST_P(ReferenceScenarioTest, TheReleaseLineFreesTheBlockAndFixedWaits) {
  for (const char* name : {"fixed", GetParam().buggy_row}) {
    TempDir dir;
    StressConfig c = ShortConfig(dir, BuiltinProtocol(name), 5);
    c.scenario = GetParam().scenario;
    c.stop_on_violation = false;
    StressReport report;
    RUN_OR_SKIP(c, &report);
    EXPECT_TRUE(report.exercised) << name << ": " << report.not_exercised_why;
    if (name == std::string("fixed")) {
      EXPECT_EQ(report.outcome(), "clean") << report.to_text();
    } else {
      EXPECT_EQ(report.exit_code(), 1) << report.to_text();
      EXPECT_NE(report.violations_text.find("the reference reads file ino"), std::string::npos)
          << report.violations_text;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Stress, ReferenceScenarioTest,
                         ::testing::Values(ReferenceCase{"evict-pinned", "no-final-break"},
                                           ReferenceCase{"locked-entry", "skip-locked"},
                                           ReferenceCase{"unmapped-pin", "linux-4.19-6.14"}),
                         [](const ::testing::TestParamInfo<ReferenceCase>& info) {
                           return ParamName(info.param.scenario);
                         });

// A page reference that outlives its mapping: the reference row waits for it;
// `mapped-only` (kernels up to 6.14) frees the block, and the reference then
// reads another file's data.
TEST(UnmappedPinStressTest, MappedOnlyFreesTheBlockAndFixedWaits) {
  for (const char* name : {"fixed", "mapped-only"}) {
    TempDir dir;
    StressConfig c = ShortConfig(dir, BuiltinProtocol(name), 30);
    c.scenario = "unmapped-pin";
    StressReport report;
    RUN_OR_SKIP(c, &report);
    EXPECT_TRUE(report.exercised) << name << ": " << report.not_exercised_why;
    const std::string steps = report.counts["steps"].dump();
    if (name == std::string("fixed")) {
      EXPECT_EQ(report.outcome(), "clean") << report.to_text();
      EXPECT_NE(steps.find("asleep on the reference"), std::string::npos) << steps;
    } else {
      EXPECT_EQ(report.exit_code(), 1) << report.to_text();
      EXPECT_NE(report.violations_text.find("the reference reads file ino"), std::string::npos)
          << report.violations_text;
    }
  }
}

// A user's scenario: one row and a builder. Its verdict on exercise decides
// exit 3, its counts reach the report.
class OneShot final : public StressWorkload {
 public:
  explicit OneShot(bool exercise) : exercise_(exercise) {}
  Status setup() override { return Status::Ok(); }
  std::vector<WorkerSpec> workers() override {
    return {{"one", 1, [this](std::atomic<bool>& stop) { ran_.store(true), stop.store(true); }}};
  }
  WorkloadProgress progress() const override { return {}; }
  void final_check(bool) override {}
  nlohmann::json counts() const override { return {{"ran", ran_.load() ? 1 : 0}}; }
  Exercise exercised(const ExerciseFacts&) const override { return {exercise_, "the test said so"}; }
  Status first_error() const override { return Status::Ok(); }

 private:
  const bool exercise_;
  std::atomic<bool> ran_{false};
};

TEST(StressScenarioTest, ARegisteredScenarioRunsAndItsVerdictDecidesExitThree) {
  for (bool exercise : {true, false}) {
    const std::string name = exercise ? "test-one-shot" : "test-one-shot-idle";
    StressScenarioInfo info{.name = name, .summary = "a test", .on_model = true, .on_kernel = false, .needs = {}, .build = nullptr};
    info.build = [exercise](StressContext&) { return std::make_unique<OneShot>(exercise); };
    ASSERT_TRUE(RegisterStressScenario(info).ok());
    EXPECT_EQ(RegisterStressScenario(info).code(), StatusCode::kExists);
    ASSERT_NE(FindStressScenario(name), nullptr);
    TempDir dir;
    StressConfig c = ShortConfig(dir, BuiltinProtocol("fixed"), 10);
    c.scenario = name;
    StressReport report;
    RUN_OR_SKIP(c, &report);
    EXPECT_EQ(report.counts["ran"], 1);
    EXPECT_LT(report.seconds, 5.0) << "the worker's stop ends the run";
    EXPECT_EQ(report.exit_code(), exercise ? 0 : 3);
    c.target = TargetKind::kKernel;
    c.device_path = StressConfig().device_path;
    EXPECT_EQ(c.validate().code(), StatusCode::kInvalidArgument) << "model-only";
  }
}

TEST(StressConfigTest, TheOtherTargetsOptionsAreRefused) {
  StressConfig c;
  c.target = TargetKind::kKernel;
  EXPECT_TRUE(c.validate().ok()) << c.validate().ToString();
  c.protocol = &BuiltinProtocol("modern");
  EXPECT_NE(c.validate().message().find("--protocol applies to the model target only"), std::string::npos);
  c = StressConfig();
  c.file_path = "/mnt/ext4/x";
  EXPECT_NE(c.validate().message().find("--file applies to the kernel target only"), std::string::npos);
  c = StressConfig();
  c.target = TargetKind::kKernel;
  c.scenario = "cached-mapping";
  EXPECT_NE(c.validate().message().find("runs on the model target only"), std::string::npos);
}

TEST(StressRunnerTest, RefusesAForeignDevice) {
  TempDir dir;
  StressConfig c = ShortConfig(dir, BuiltinProtocol("fixed"), 1);
  {
    std::FILE* f = std::fopen(c.device_path.c_str(), "w");
    std::fputs("someone's data", f);
    std::fclose(f);
  }
  StressReport report;
  EXPECT_EQ(RunStress(c, &report).code(), StatusCode::kRefused);
}

}  // namespace
}  // namespace daxbreak
