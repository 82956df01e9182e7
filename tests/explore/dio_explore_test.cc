// The DIO bio-life scenarios under the explorer, both sides. dio-partial: the
// correct rows are clean (truncate waits for the short bio's release), the
// dio-error-leak mutation stalls the break (its pins never go), and
// bio-release-no-wake stalls it (the short bio's release skips the wake).
// dio-dirty-defer: the release runs later on the bio-dirty-work thread; the
// correct rows wait for it, no-break frees the block under it, and
// bio-release-no-wake's skip is on that path too. dio-error-leak is clean
// there (it changes the error path only).

#include <string>

#include <gtest/gtest.h>

#include "daxbreak/explore/explorer.h"

namespace daxbreak {
namespace {

ExploreOptions Dpor(std::string_view scenario, std::string_view protocol) {
  ExploreOptions o;
  o.scenario = std::string(scenario);
  o.protocol = FindProtocol(protocol);
  o.strategy = Strategy::kDpor;
  o.schedules = 0;
  return o;
}

struct Expect {
  const char* scenario;
  const char* protocol;
  const char* kind;  // "" for clean.
};

class DioScenarioTest : public ::testing::TestWithParam<Expect> {};

TEST_P(DioScenarioTest, OutcomeAsTheRowSays) {
  const Expect& e = GetParam();
  const ExploreOptions o = Dpor(e.scenario, e.protocol);
  ASSERT_NE(o.protocol, nullptr) << e.protocol;
  ExploreResult r;
  ASSERT_TRUE(Explore(o, &r).ok());
  if (std::string(e.kind).empty()) {
    EXPECT_FALSE(r.found) << r.kind;
    EXPECT_EQ(r.certificate(o).verdict, Certificate::Verdict::kComplete);
  } else {
    EXPECT_TRUE(r.found) << r.schedules << " schedules";
    EXPECT_EQ(r.kind, e.kind);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rows, DioScenarioTest,
    ::testing::Values(Expect{"dio-partial", "fixed", ""}, Expect{"dio-partial", "modern", ""},
                      Expect{"dio-partial", "linux-4.19-6.14", ""},
                      Expect{"dio-partial", "dio-error-leak", "deadlock"},
                      Expect{"dio-partial", "bio-release-no-wake", "deadlock"},
                      Expect{"dio-dirty-defer", "fixed", ""}, Expect{"dio-dirty-defer", "modern", ""},
                      Expect{"dio-dirty-defer", "dio-error-leak", ""},
                      Expect{"dio-dirty-defer", "no-break", "busy_page_disassociated"},
                      Expect{"dio-dirty-defer", "bio-release-no-wake", "deadlock"}),
    [](const ::testing::TestParamInfo<Expect>& info) {
      std::string name = std::string(info.param.scenario) + "_" + info.param.protocol;
      for (char& c : name) if (c == '-' || c == '.') c = '_';
      return name;
    });

}  // namespace
}  // namespace daxbreak
