// Short stress runs of each protocol through the real runner (real threads,
// real io_uring DIO): `fixed` and `modern-mapcount-wake` stay clean, `no-break`
// and `retry-flag` are caught. (`modern` is left out: its layout thread can
// stall for the whole run; the explore tests pin that down deterministically.) The buggy runs stop at the first violation; their time limits are
// generous caps, not expectations.

#include "daxbreak/workload/stress_runner.h"

#include <gtest/gtest.h>

#include "testing/test_rig.h"

namespace daxbreak {
namespace {

using testing::TempDir;

StressConfig ShortConfig(const TempDir& dir, Protocol protocol, int seconds) {
  StressConfig c;
  c.device_path = dir.file("dev.pmem");
  c.device_bytes = 16 << 20;
  c.disk_path = dir.file("disk");
  c.disk_bytes = 1 << 20;
  c.threads = 2;
  c.duration = std::chrono::seconds(seconds);
  c.seed = 42;
  c.protocol = protocol;
  c.stop_on_violation = GetProtocolInfo(protocol).buggy;
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
  RUN_OR_SKIP(ShortConfig(dir, Protocol::kFixed, 3), &report);
  EXPECT_EQ(report.violation_count, 0u) << report.violations_text;
  EXPECT_EQ(report.exit_code(), 0);
  EXPECT_GT(report.counts["dio_read"].get<uint64_t>(), 0u);
  EXPECT_GT(report.counts["truncate"].get<uint64_t>() + report.counts["punch_hole"].get<uint64_t>(), 0u);
  EXPECT_GT(report.counts["pages_verified"].get<uint64_t>(), 0u);
  const nlohmann::json j = report.to_json();
  EXPECT_EQ(j["seed"], 42u);
  EXPECT_EQ(j["config"]["protocol"], "fixed");
  EXPECT_EQ(j["violation_count"], 0u);
}

// The candidate fix on real threads: no violation, and layout changes keep
// completing while DIO re-faults and pins the mapped pages.
TEST(StressRunnerTest, ModernMapcountWakeIsCleanAndLayoutChangesComplete) {
  TempDir dir;
  StressReport report;
  RUN_OR_SKIP(ShortConfig(dir, Protocol::kModernMapcountWake, 3), &report);
  EXPECT_EQ(report.violation_count, 0u) << report.violations_text;
  EXPECT_GT(report.counts["truncate"].get<uint64_t>() + report.counts["punch_hole"].get<uint64_t>(), 10u);
  EXPECT_GT(report.counts["dio_read"].get<uint64_t>(), 0u);
}

class BuggyStressTest : public ::testing::TestWithParam<Protocol> {};

TEST_P(BuggyStressTest, IsCaught) {
  TempDir dir;
  StressReport report;
  RUN_OR_SKIP(ShortConfig(dir, GetParam(), 120), &report);
  EXPECT_GT(report.violation_count, 0u);
  EXPECT_EQ(report.exit_code(), 1);
}

INSTANTIATE_TEST_SUITE_P(Stress, BuggyStressTest, ::testing::Values(Protocol::kNoBreak, Protocol::kRetryFlag),
                         [](const ::testing::TestParamInfo<Protocol>& info) {
                           return info.param == Protocol::kNoBreak ? "no_break" : "retry_flag";
                         });

TEST(StressRunnerTest, RefusesAForeignDevice) {
  TempDir dir;
  StressConfig c = ShortConfig(dir, Protocol::kFixed, 1);
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
