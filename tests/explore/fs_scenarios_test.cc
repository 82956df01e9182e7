// The file-system axis under the explorer: the xfs remap and the virtiofs
// window reclaim, both sides (a buggy row that applies is found and replays,
// `fixed` is clean with a complete dpor certificate), virtiofs's page-0
// truncate against its fix, the refusals of a row or scenario off its file
// systems, and the ext4 documents unchanged by the axis.

#include <cctype>

#include <gtest/gtest.h>

#include "daxbreak/explore/explore_scenario.h"
#include "daxbreak/explore/explorer.h"

namespace daxbreak {
namespace {

ExploreOptions Dpor(const char* scenario, const char* protocol, const char* fs) {
  ExploreOptions o;
  o.scenario = scenario;
  o.protocol = &BuiltinProtocol(protocol);
  o.fs = &BuiltinFsModel(fs);
  o.strategy = Strategy::kDpor;
  o.schedules = 0;
  return o;
}

struct FsCase {
  const char* scenario;
  const char* buggy;  // A row that applies to `fs` and breaks in the scenario.
  const char* fs;
  const char* kind;   // What it shows as first (the entry of a busy page deleted).
};

void PrintTo(const FsCase& c, std::ostream* os) { *os << c.buggy << " in " << c.scenario << " on " << c.fs; }

class FsScenarioTest : public ::testing::TestWithParam<FsCase> {};

TEST_P(FsScenarioTest, BuggyRowFoundAndReplayed) {
  const FsCase& c = GetParam();
  const ExploreOptions o = Dpor(c.scenario, c.buggy, c.fs);
  ExploreResult r;
  ASSERT_TRUE(Explore(o, &r).ok());
  ASSERT_TRUE(r.found) << r.to_text(o);
  EXPECT_EQ(r.kind, c.kind);
  EXPECT_TRUE(r.confirmed);
  EXPECT_NE(r.replay_command.find(std::string("--fs ") + c.fs), std::string::npos) << r.replay_command;
}

TEST_P(FsScenarioTest, FixedCleanAndComplete) {
  const FsCase& c = GetParam();
  const ExploreOptions o = Dpor(c.scenario, "fixed", c.fs);
  ExploreResult r;
  ASSERT_TRUE(Explore(o, &r).ok());
  EXPECT_FALSE(r.found) << r.to_text(o);
  EXPECT_EQ(r.certificate(o).verdict, Certificate::Verdict::kComplete) << r.certificate(o).text;
  EXPECT_GT(r.schedules, 1u);
}

INSTANTIATE_TEST_SUITE_P(
    Fs, FsScenarioTest,
    ::testing::Values(FsCase{"xfs-remap", "no-break", "xfs", "busy_page_disassociated"},
                      FsCase{"window-reclaim", "mapped-only", "virtiofs", "busy_page_disassociated"},
                      FsCase{"beyond-eof", "virtiofs-page0", "virtiofs", "busy_page_disassociated"},
                      FsCase{"race2018", "virtiofs-page0", "virtiofs", "busy_page_disassociated"}),
    [](const ::testing::TestParamInfo<FsCase>& info) {
      std::string name = std::string(info.param.scenario) + "_" + info.param.buggy;
      for (char& ch : name) ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return name;
    });

TEST(FsAxisTest, ARowOrAScenarioOffItsFileSystemsIsRefused) {
  ExploreResult r;
  Status s = Explore(Dpor("beyond-eof", "virtiofs-page0", "ext4"), &r);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("virtiofs-page0 applies to virtiofs, not to ext4"), std::string::npos) << s.message();
  s = Explore(Dpor("xfs-remap", "fixed", "ext4"), &r);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("xfs-remap runs on xfs, not on ext4"), std::string::npos) << s.message();
  EXPECT_EQ(Explore(Dpor("collapse", "fixed", "virtiofs"), &r).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Explore(Dpor("race2018", "no-break", "virtiofs"), &r).code(), StatusCode::kInvalidArgument);
  RunResult run;
  EXPECT_EQ(Replay(Dpor("window-reclaim", "fixed", "xfs"), "0", false, &run).code(), StatusCode::kInvalidArgument);
}

// The default file system leaves the documents as they were: no "fs" key,
// no "--fs" in the replay command; another one names itself in both.
TEST(FsAxisTest, Ext4DocumentsDoNotNameTheFileSystem) {
  ExploreOptions o = Dpor("race2018", "no-break", "ext4");
  ExploreResult r;
  ASSERT_TRUE(Explore(o, &r).ok());
  ASSERT_TRUE(r.found);
  EXPECT_FALSE(r.to_json(o)["config"].contains("fs"));
  EXPECT_EQ(r.replay_command.find("--fs"), std::string::npos);
  EXPECT_EQ(r.to_text(o).find(", fs "), std::string::npos);
  o.fs = &BuiltinFsModel("xfs");
  ASSERT_TRUE(Explore(o, &r).ok());
  EXPECT_EQ(r.to_json(o)["config"]["fs"], "xfs");
  EXPECT_NE(r.to_text(o).find(", fs xfs"), std::string::npos);
}

// The same search on xfs and on ext4 gives the same tree for a scenario that
// only truncates: xfs's truncate breaks where ext4's does.
TEST(FsAxisTest, TruncateScenariosSearchTheSameTreeOnExt4AndXfs) {
  for (const char* protocol : {"fixed", "no-break"}) {
    ExploreOptions o = Dpor("race2018", protocol, "ext4");
    o.keep_going = true;
    ExploreResult a, b;
    ASSERT_TRUE(Explore(o, &a).ok());
    o.fs = &BuiltinFsModel("xfs");
    ASSERT_TRUE(Explore(o, &b).ok());
    EXPECT_EQ(a.schedules, b.schedules) << protocol;
    EXPECT_EQ(a.found, b.found) << protocol;
  }
}

}  // namespace
}  // namespace daxbreak
