// The kernel target without a VM: the parsers of what the kernel prints, the
// report's verdicts (a run that exercised nothing never exits 0) and the
// refusal of a file that is not DAX.

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "daxbreak/stress/stress_runner.h"
#include "stress/target/host_facts.h"
#include "stress/target/kmsg.h"

namespace daxbreak {
namespace {

TEST(HostFactsTest, ParsesThePinCounters) {
  const FollPinCounts c = ParseFollPinCounts("nr_free_pages 5\nnr_foll_pin_acquired 118454\nnr_foll_pin_released 118453\n");
  ASSERT_TRUE(c.acquired && c.released);
  EXPECT_EQ(*c.acquired, 118454u);
  EXPECT_EQ(*c.released, 118453u);
  EXPECT_FALSE(ParseFollPinCounts("nr_free_pages 5\n").acquired.has_value());
}

TEST(KmsgTest, WarningsAreTheLinesThatMatter) {
  EXPECT_TRUE(IsKernelWarning("WARNING: CPU: 1 PID: 7 at fs/dax.c:339 dax_disassociate_entry+0x6f/0x80"));
  EXPECT_TRUE(IsKernelWarning("BUG: kernel NULL pointer dereference, address: 0000000000000101"));
  EXPECT_TRUE(IsKernelWarning("INFO: task truncate:77 blocked for more than 120 seconds."));
  EXPECT_FALSE(IsKernelWarning("EXT4-fs (pmem0): mounted filesystem with ordered data mode"));
  EXPECT_EQ(KmsgMessage("4,1234,56789,-;WARNING: at fs/dax.c\n"), "WARNING: at fs/dax.c");
}

StressReport Report(bool exercised, uint64_t violations) {
  StressReport r;
  r.ran = true;
  r.exercised = exercised;
  r.violation_count = violations;
  r.kmsg = {{"watched", false}, {"warnings", nlohmann::json::array()}};
  return r;
}

TEST(StressReportTest, ARunThatTookNoPinDoesNotExitZero) {
  StressReport r = Report(false, 0);
  r.not_exercised_why = "nr_foll_pin_acquired did not move";
  EXPECT_EQ(r.exit_code(), 3);
  EXPECT_EQ(r.outcome(), "not exercised");
  EXPECT_NE(r.to_text().find("NOT EXERCISED: nr_foll_pin_acquired did not move"), std::string::npos);
  EXPECT_EQ(Report(true, 0).exit_code(), 0);
  EXPECT_EQ(Report(true, 0).outcome(), "clean");
}

TEST(StressReportTest, AStallIsAFindingWhatEverElse) {
  StressReport r = Report(false, 1);
  r.stall = {{"op", "punch"}, {"cause", "lost wake-up"}, {"steps", {"a"}}, {"where", "w"}, {"stalled_seconds", 5.0}};
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_EQ(r.outcome(), "stall (lost wake-up)");
  EXPECT_EQ(r.to_json()["outcome"], "stall (lost wake-up)");
}

TEST(KernelTargetTest, RefusesAFileThatIsNotDaxAndLeavesNothingBehind) {
  char dir[] = "/tmp/daxbreak-kernel-test.XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  StressConfig c;
  c.target = TargetKind::kKernel;
  c.file_path = std::string(dir) + "/victim";
  c.disk_path = std::string(dir) + "/disk";
  c.duration = std::chrono::seconds(1);
  int fd = open(dir, O_RDONLY);
  bool dax = true;
  const Status probe = IsDaxFile(fd, &dax);
  close(fd);
  if (probe.ok() && dax) GTEST_SKIP() << dir << " is on a DAX mount";
  StressReport r;
  const Status s = RunStress(c, &r);
  EXPECT_FALSE(r.ran);
  EXPECT_TRUE(s.code() == StatusCode::kRefused || s.code() == StatusCode::kEnvironment) << s.ToString();
  EXPECT_EQ(access(c.file_path.c_str(), F_OK), -1) << "the refused run left " << c.file_path;
  rmdir(dir);
}

}  // namespace
}  // namespace daxbreak
