// The kernel target without a VM: the parsers of what the kernel prints, the
// report's verdicts (a run that exercised nothing never exits 0) and the
// refusal of a file that is not DAX.

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "daxbreak/base/text_file.h"
#include "daxbreak/stress/kernel_log.h"
#include "daxbreak/stress/stress_runner.h"
#include "stress/target/host_facts.h"

namespace daxbreak {
namespace {

TEST(HostFactsTest, ParsesThePinCounters) {
  const FollPinCounts c = ParseFollPinCounts("nr_free_pages 5\nnr_foll_pin_acquired 118454\nnr_foll_pin_released 118453\n");
  ASSERT_TRUE(c.acquired && c.released);
  EXPECT_EQ(*c.acquired, 118454u);
  EXPECT_EQ(*c.released, 118453u);
  EXPECT_FALSE(ParseFollPinCounts("nr_free_pages 5\n").acquired.has_value());
}

TEST(KernelLogTest, WarningsAndOopsesAreTheEventsThatMatter) {
  const std::vector<KernelLogEvent> events = ParseKernelLog({
      "4,1234,56789,-;WARNING: CPU: 1 PID: 7 at fs/dax.c:339 dax_disassociate_entry+0x6f/0x80\n",
      "6,1235,56790,-;EXT4-fs (pmem0): mounted filesystem with ordered data mode",
      "3,1236,56791,-;INFO: task truncate:77 blocked for more than 120 seconds.",
  });
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, ViolationKind::kKernelWarn);
  EXPECT_EQ(events[0].first_line, "WARNING: CPU: 1 PID: 7 at fs/dax.c:339 dax_disassociate_entry+0x6f/0x80");
  EXPECT_EQ(events[1].kind, ViolationKind::kKernelWarn);
}

// The console of Debian 6.17.13 as it died in the O_DIRECT read error
// completion (the lines as qemu's serial port gave them, shortened).
const std::vector<std::string> kQueueWorkPanic = {
    "[   10.412345] BUG: kernel NULL pointer dereference, address: 0000000000000101",
    "[   10.412400] #PF: supervisor read access in kernel mode",
    "[   10.412500] Oops: 0000 [#1] PREEMPT SMP NOPTI",
    "[   10.412600] RIP: 0010:__queue_work+0x24/0x3f0",
    "[   10.412700] Call Trace:",
    "[   10.412710]  <IRQ>",
    "[   10.412720]  ? __die+0x23/0x70",
    "[   10.412730]  queue_work_on+0x3b/0x50",
    "[   10.412740]  iomap_dio_bio_end_io+0x8c/0x160",
    "[   10.412750]  blk_update_request+0x10e/0x460",
    "[   10.412760]  virtblk_done+0x8b/0x110 [virtio_blk]",
    "[   10.412800] ---[ end trace 0000000000000000 ]---",
    "[   10.412900] Kernel panic - not syncing: Fatal exception in interrupt",
};

TEST(KernelLogTest, AnOopsIsOneEventWithItsTraceAndItsKnownBug) {
  const std::vector<KernelLogEvent> events = ParseKernelLog(kQueueWorkPanic);
  ASSERT_EQ(events.size(), 1u);
  const KernelLogEvent& e = events[0];
  EXPECT_EQ(e.kind, ViolationKind::kKernelOops);
  EXPECT_EQ(e.first_line, "BUG: kernel NULL pointer dereference, address: 0000000000000101");
  const std::vector<std::string> want = {"__queue_work", "queue_work_on", "iomap_dio_bio_end_io",
                                         "blk_update_request", "virtblk_done"};
  EXPECT_EQ(e.trace, want) << "the '? __die' guess is not part of the trace";
  ASSERT_NE(e.known, nullptr);
  EXPECT_EQ(e.known->name, "iomap-dio-read-error-wq");
  EXPECT_NE(e.detail().find("known kernel bug outside DAX"), std::string::npos);
}

TEST(KernelLogTest, AnOopsOfAnotherTraceIsNotClassified) {
  std::vector<std::string> other = kQueueWorkPanic;
  other[8] = "[   10.412740]  ext4_end_io_dio+0x8c/0x160";
  const std::vector<KernelLogEvent> events = ParseKernelLog(other);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].known, nullptr);
}

// A run the kernel killed left its provisional report; the console's oops
// completes it.
TEST(KernelLogTest, ACrashCompletesTheReportTheRunLeft) {
  char dir[] = "/tmp/daxbreak-crash-test.XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/r.json";
  StressConfig c;
  c.target = TargetKind::kKernel;
  StressReport provisional;
  provisional.config = c;
  ASSERT_TRUE(WriteTextFile(path, provisional.to_json().dump(2)).ok());
  int added = 0;
  ASSERT_TRUE(AddCrashToReport(path, kQueueWorkPanic, &added).ok());
  EXPECT_EQ(added, 1);
  std::ifstream in(path);
  const nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(j["violation_count"], 1);
  EXPECT_EQ(j["violations_by_kind"]["kernel_oops"], 1);
  EXPECT_EQ(j["outcome"], "violation (kernel_oops)");
  EXPECT_EQ(j["crashed"], true);
  EXPECT_EQ(AddCrashToReport(std::string(dir) + "/none.json", kQueueWorkPanic, &added).code(), StatusCode::kNotFound);
  unlink(path.c_str());
  rmdir(dir);
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
