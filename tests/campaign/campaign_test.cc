#include "daxbreak/campaign/campaign.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "daxbreak/campaign/results.h"

namespace daxbreak {
namespace {

TEST(CampaignTest, NamesExpandFromListsGlobsAndAllInTableOrder) {
  const std::vector<std::string> known = {"fixed", "modern", "modern-mapcount-wake", "no-break"};
  std::vector<std::string> out;
  ASSERT_TRUE(ExpandNames("--protocols", "no-break,modern*", known, &out).ok());
  EXPECT_EQ(out, (std::vector<std::string>{"modern", "modern-mapcount-wake", "no-break"}));
  ASSERT_TRUE(ExpandNames("--protocols", "all,fixed", known, &out).ok());
  EXPECT_EQ(out, known);
  const Status s = ExpandNames("--protocols", "fixed,fxed", known, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'fxed'"), std::string::npos) << s.message();
}

TEST(CampaignTest, SeedsAreListsAndRanges) {
  std::vector<uint64_t> seeds;
  ASSERT_TRUE(ParseSeedList("--seeds", "7,1-3,2", &seeds).ok());
  EXPECT_EQ(seeds, (std::vector<uint64_t>{7, 1, 2, 3}));
  for (const char* bad : {"", "-1", "3-1", "x", "1-", "0-100000"}) {
    EXPECT_FALSE(ParseSeedList("--seeds", bad, &seeds).ok()) << bad;
  }
}

TEST(CampaignTest, ExpectationsComeFromTheRows) {
  EXPECT_EQ(ExpectFor(BuiltinProtocol("fixed"), "race2018"), Expectation::kClean);
  EXPECT_EQ(ExpectFor(BuiltinProtocol("modern-mapcount-wake"), "refault"), Expectation::kClean);
  EXPECT_EQ(ExpectFor(BuiltinProtocol("modern-refault-wake"), "race2018"), Expectation::kClean);
  EXPECT_EQ(ExpectFor(BuiltinProtocol("modern-refault-wake"), "refault"), Expectation::kAny);  // Its unfair cycle.
  EXPECT_EQ(ExpectFor(BuiltinProtocol("modern"), "refault"), Expectation::kStall);
  EXPECT_EQ(ExpectFor(BuiltinProtocol("no-break"), "race2018"), Expectation::kFound);
  EXPECT_EQ(ExpectFor(BuiltinProtocol("no-break"), "refault"), Expectation::kAny);
}

// A cell per file system, and none where the row or the scenario does not
// apply; an ext4 cell keeps the name it had before the axis.
TEST(CampaignTest, CellsPerFileSystemLeaveOutWhatDoesNotApply) {
  CampaignOptions o;
  o.scenarios = {"beyond-eof", "xfs-remap", "collapse"};
  o.protocols = {&BuiltinProtocol("fixed"), &BuiltinProtocol("virtiofs-page0"), &BuiltinProtocol("eintr-partial")};
  o.file_systems = {&BuiltinFsModel("ext4"), &BuiltinFsModel("xfs"), &BuiltinFsModel("virtiofs")};
  std::vector<std::string> names;
  for (const CampaignCell& c : CampaignCells(o)) names.push_back(c.name());
  EXPECT_EQ(names, (std::vector<std::string>{
                       "explore.beyond-eof.fixed.seed1", "explore.beyond-eof.fixed.xfs.seed1",
                       "explore.beyond-eof.fixed.virtiofs.seed1", "explore.beyond-eof.virtiofs-page0.virtiofs.seed1",
                       "explore.beyond-eof.eintr-partial.seed1", "explore.xfs-remap.fixed.xfs.seed1",
                       "explore.collapse.fixed.seed1", "explore.collapse.fixed.xfs.seed1",
                       "explore.collapse.eintr-partial.seed1"}));
}

TEST(CampaignTest, ACampaignJudgesEachCell) {
  CampaignOptions o;
  o.scenarios = {"race2018"};
  o.protocols = {&BuiltinProtocol("fixed"), &BuiltinProtocol("retry-flag")};
  o.seeds = {1, 2};
  o.explore.schedules = 3000;
  o.jobs = 2;
  int calls = 0;
  std::vector<CellOutcome> outcomes;
  ASSERT_TRUE(RunCampaign(o, [&](const CellOutcome&) { ++calls; }, &outcomes).ok());
  ASSERT_EQ(outcomes.size(), 4u);
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(outcomes[0].cell.name(), "explore.race2018.fixed.seed1");
  EXPECT_FALSE(outcomes[0].found);
  EXPECT_TRUE(outcomes[0].met);
  EXPECT_EQ(outcomes[2].cell.expect, Expectation::kFound);
  EXPECT_TRUE(outcomes[2].found);
  EXPECT_TRUE(outcomes[2].met);
  EXPECT_NE(outcomes[2].replay.find("--protocol retry-flag"), std::string::npos);
  EXPECT_NE(outcomes[2].trace_text.find("truncate"), std::string::npos);
}

TEST(CampaignTest, AMissedExpectationIsNotMet) {
  CampaignOptions o;
  o.scenarios = {"refault"};
  o.protocols = {&BuiltinProtocol("no-break")};  // Not caught in refault: any.
  o.explore.schedules = 100;
  std::vector<CellOutcome> outcomes;
  ASSERT_TRUE(RunCampaign(o, nullptr, &outcomes).ok());
  EXPECT_TRUE(outcomes[0].met);
  // modern stalls in refault; asked to be found as a violation it misses.
  ProtocolTraits row = BuiltinProtocol("modern");
  row.name = "modern-as-violation";
  row.catches_as = CatchKind::kViolation;
  ASSERT_TRUE(RegisterProtocol(row).ok());
  o.protocols = {FindProtocol("modern-as-violation")};
  ASSERT_TRUE(RunCampaign(o, nullptr, &outcomes).ok());
  EXPECT_EQ(outcomes[0].kind, "deadlock");
  EXPECT_FALSE(outcomes[0].met);
}

TEST(CampaignTest, ShardsDealTheCellsOut) {
  CampaignOptions o;
  o.scenarios = {"race2018", "refault"};
  o.protocols = {&BuiltinProtocol("fixed"), &BuiltinProtocol("modern"), &BuiltinProtocol("no-break")};
  o.seeds = {1, 2};
  std::vector<std::string> all, dealt;
  for (const CampaignCell& c : CampaignCells(o)) all.push_back(c.name());
  o.shard_count = 5;
  for (o.shard_index = 0; o.shard_index < 5; ++o.shard_index) {
    const std::vector<CampaignCell> cells = CampaignCells(o);
    EXPECT_EQ(cells.size(), o.shard_index < 2 ? 3u : 2u) << o.shard_index;  // 12 cells over 5 shards.
    for (const CampaignCell& c : cells) dealt.push_back(c.name());
  }
  std::sort(all.begin(), all.end());
  std::sort(dealt.begin(), dealt.end());
  EXPECT_EQ(dealt, all);
  std::vector<CellOutcome> outcomes;
  EXPECT_EQ(RunCampaign(o, nullptr, &outcomes).code(), StatusCode::kInvalidArgument);  // Shard 5 of 5.
}

TEST(CampaignTest, AnyCellsAreSkippedInTheCountsJunitAndThePage) {
  CampaignOptions o;
  o.scenarios = {"refault"};
  o.protocols = {&BuiltinProtocol("fixed"), &BuiltinProtocol("no-break")};  // clean, any.
  o.explore.schedules = 100;
  std::vector<CellOutcome> outcomes;
  ASSERT_TRUE(RunCampaign(o, nullptr, &outcomes).ok());
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_FALSE(CellSkipped(outcomes[0]));
  EXPECT_TRUE(CellSkipped(outcomes[1]));
  const nlohmann::json summary = CampaignResults::Summary(o, outcomes, 0);
  EXPECT_EQ(summary["passed"], 1);
  EXPECT_EQ(summary["skipped"], 1);
  EXPECT_EQ(summary["failed"], 0);
  const std::string xml = CampaignJunitXml(outcomes, "host", "2026-12-07T10:55:00Z", {{"seeds", "1"}});
  EXPECT_NE(xml.find("<skipped message=\"expectation any"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<property name=\"seeds\" value=\"1\""), std::string::npos) << xml;
  const std::string html = CampaignHtml(summary, outcomes);
  EXPECT_NE(html.find("<div class=\"o passed\""), std::string::npos);
  EXPECT_NE(html.find("<div class=\"o skipped\""), std::string::npos);
  EXPECT_NE(html.find("href=\"cells/explore.refault.no-break.seed1.json\""), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST(CampaignTest, AStressCellShowsItsLatencyHistogram) {
  CellOutcome o;
  o.cell = {CampaignMode::kStress, "collision<x>", &BuiltinProtocol("fixed"), 1, Expectation::kClean};
  o.met = true;
  // Fine buckets are summed per power of two: 1500 and 2000 ns share the row
  // up to 2048 ns.
  o.report = {{"latency",
               {{"layout_op_ns",
                 {{"count", 5}, {"p50", 900}, {"p99", 1900}, {"max", 2000},
                  {"buckets", {{{"le_ns", 1000}, {"count", 3}}, {{"le_ns", 1500}, {"count", 1}}, {{"le_ns", 2000}, {"count", 1}}}}}}}}};
  CampaignOptions options;
  options.mode = CampaignMode::kStress;
  options.scenarios = {o.cell.scenario};
  options.protocols = {o.cell.protocol};
  const std::string html = CampaignHtml(CampaignResults::Summary(options, {o}, 0), {o});
  EXPECT_NE(html.find("&le; 1.0 us</td><td><span class=\"bar\" style=\"width:301px\"></span> 3"),
            std::string::npos) << html;
  EXPECT_NE(html.find("&le; 2.0 us</td><td><span class=\"bar\" style=\"width:201px\"></span> 2"),
            std::string::npos);
  EXPECT_NE(html.find("5 ops, p50 900 ns, p99 1.9 us, max 2.0 us"), std::string::npos);
  EXPECT_NE(html.find("collision&lt;x&gt;"), std::string::npos);  // Names are escaped.
  EXPECT_EQ(html.find("collision<x>"), std::string::npos);
  o.report = {{"latency", {{"longest_layout_op_seconds", 0.0125}}}};
  EXPECT_NE(CampaignHtml(CampaignResults::Summary(options, {o}, 0), {o}).find("Longest layout change: 12.500 ms"),
            std::string::npos);
}

}  // namespace
}  // namespace daxbreak
