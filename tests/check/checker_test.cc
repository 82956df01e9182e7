#include "daxbreak/check/checker.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace daxbreak {
namespace {

TEST(CheckerTest, CountsAllKeepsCap) {
  Checker checker(3);
  EXPECT_EQ(checker.first_violation_ns(), -1);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) checker.report({ViolationKind::kDmaAfterFree, 1, 2, 3, "t", "d"});
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(checker.violation_count(), 20u);
  EXPECT_EQ(checker.count(ViolationKind::kDmaAfterFree), 20u);
  EXPECT_EQ(checker.count(ViolationKind::kDataCorruption), 0u);
  EXPECT_EQ(checker.violations().size(), 3u);
  EXPECT_GE(checker.first_violation_ns(), 0);
  const nlohmann::json j = checker.to_json();
  EXPECT_EQ(j["violation_count"], 20u);
  EXPECT_EQ(j["violations"].size(), 3u);
  EXPECT_EQ(j["violations"][0]["kind"], "dma_after_free");
  EXPECT_NE(checker.to_text().find("and 17 more"), std::string::npos);
}

TEST(CheckerTest, KindNamesRoundTrip) {
  for (auto k : {ViolationKind::kBusyPageDisassociated, ViolationKind::kPinnedBlockFreed,
                 ViolationKind::kDmaAfterFree, ViolationKind::kDataCorruption,
                 ViolationKind::kPartialChangeOnEintr}) {
    EXPECT_EQ(ParseViolationKind(ViolationKindName(k)), k);
  }
  EXPECT_FALSE(ParseViolationKind("nope").has_value());
}

}  // namespace
}  // namespace daxbreak
