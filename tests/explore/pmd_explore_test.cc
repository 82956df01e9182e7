// The PMD scenarios under the explorer, both sides: `pmd-head-only` (a scan
// that looks at a 2 MiB entry's first page only) is found at --page-size 2m
// and clean at 4k, where every entry has one page; `fixed` is clean at 2m
// with a complete dpor certificate. `modern` stalls in pmd-punch at 2m only:
// the touch of another subpage maps the whole folio again while the break
// sleeps on it (its `refault` stall, widened to 2 MiB by the compound
// folio); the candidate fix modern-mapcount-wake is clean there.

#include <string>

#include <gtest/gtest.h>

#include "daxbreak/explore/explorer.h"

namespace daxbreak {
namespace {

ExploreOptions Dpor(std::string_view scenario, std::string_view protocol, DaxPageSize size) {
  ExploreOptions o;
  o.scenario = std::string(scenario);
  o.protocol = FindProtocol(protocol);
  o.page_size = size;
  o.strategy = Strategy::kDpor;
  o.schedules = 0;
  return o;
}

class PmdScenarioTest : public ::testing::TestWithParam<const char*> {};

TEST_P(PmdScenarioTest, HeadOnlyScanFoundAt2mOnly) {
  ExploreResult at2m, at4k;
  ASSERT_TRUE(Explore(Dpor(GetParam(), "pmd-head-only", DaxPageSize::k2M), &at2m).ok());
  EXPECT_TRUE(at2m.found) << at2m.schedules << " schedules";
  EXPECT_EQ(at2m.kind, "busy_page_disassociated");  // Then pinned_block_freed, at the free.
  EXPECT_TRUE(at2m.confirmed);
  const ExploreOptions o4k = Dpor(GetParam(), "pmd-head-only", DaxPageSize::k4K);
  ASSERT_TRUE(Explore(o4k, &at4k).ok());
  EXPECT_FALSE(at4k.found) << at4k.kind;
  EXPECT_EQ(at4k.certificate(o4k).verdict, Certificate::Verdict::kComplete);
}

TEST_P(PmdScenarioTest, CorrectRowsCleanAt2m) {
  for (const char* row : {"fixed", "modern-mapcount-wake"}) {
    const ExploreOptions o = Dpor(GetParam(), row, DaxPageSize::k2M);
    ExploreResult r;
    ASSERT_TRUE(Explore(o, &r).ok());
    EXPECT_FALSE(r.found) << row << ": " << r.kind;
    EXPECT_EQ(r.certificate(o).verdict, Certificate::Verdict::kComplete) << row;
  }
}

TEST(PmdModernTest, RefaultOfAnotherSubpageStallsTheBreakAt2mOnly) {
  ExploreResult at2m, at4k;
  ASSERT_TRUE(Explore(Dpor("pmd-punch", "modern", DaxPageSize::k2M), &at2m).ok());
  EXPECT_TRUE(at2m.found);
  EXPECT_EQ(at2m.kind, "deadlock");
  const ExploreOptions o4k = Dpor("pmd-punch", "modern", DaxPageSize::k4K);
  ASSERT_TRUE(Explore(o4k, &at4k).ok());
  EXPECT_FALSE(at4k.found) << at4k.kind;
  EXPECT_EQ(at4k.certificate(o4k).verdict, Certificate::Verdict::kComplete);
  ExploreResult truncate;
  ASSERT_TRUE(Explore(Dpor("pmd-truncate", "modern", DaxPageSize::k2M), &truncate).ok());
  EXPECT_FALSE(truncate.found) << truncate.kind;  // No refault there.
}

INSTANTIATE_TEST_SUITE_P(Scenarios, PmdScenarioTest, ::testing::Values("pmd-truncate", "pmd-punch"),
                         [](const auto& info) { return std::string(info.param) == "pmd-truncate" ? "truncate" : "punch"; });

}  // namespace
}  // namespace daxbreak
