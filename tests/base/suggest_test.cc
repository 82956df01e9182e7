#include "daxbreak/base/suggest.h"

#include <gtest/gtest.h>

namespace daxbreak {
namespace {

TEST(EditDistanceTest, InsertDeleteSubstituteIgnoringCase) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("stress", "stres"), 1u);
  EXPECT_EQ(EditDistance("stress", "strress"), 1u);
  EXPECT_EQ(EditDistance("stress", "strass"), 1u);
  EXPECT_EQ(EditDistance("JSON", "json"), 0u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("json", "jsno"), 1u);  // A swap is one edit.
}

TEST(DidYouMeanTest, OffersTheClosestCloseName) {
  const std::vector<std::string> names = {"stress", "explore", "replay", "merge", "list", "run"};
  EXPECT_EQ(ClosestName("strss", names), "stress");
  EXPECT_EQ(ClosestName("explor", names), "explore");
  EXPECT_EQ(ClosestName("rplay", names), "replay");
  EXPECT_EQ(DidYouMean("lst", names), "; did you mean 'list'?");
  // Nothing close: no guess.
  EXPECT_EQ(ClosestName("frobnicate", names), "");
  EXPECT_EQ(DidYouMean("zzzzzz", names), "");
  // A prefix of a long name is offered.
  EXPECT_EQ(ClosestName("expl", names), "explore");
  // An exact name is not "suggested".
  EXPECT_EQ(ClosestName("run", {"run"}), "");
}

TEST(DidYouMeanTest, ReadsACommaSeparatedList) {
  EXPECT_EQ(DidYouMean("retry-flg", std::string_view("fixed, retry-flag, none")), "; did you mean 'retry-flag'?");
  EXPECT_EQ(DidYouMean("jsno", std::string_view("text,json")), "; did you mean 'json'?");
}

}  // namespace
}  // namespace daxbreak
