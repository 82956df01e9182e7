// LatencyHistogram: every percentile within the stated relative error of the
// exact nearest-rank value of the sorted samples; buckets tile the range.

#include "daxbreak/check/latency_histogram.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace daxbreak {
namespace {

uint64_t ExactPercentile(const std::vector<uint64_t>& sorted, double q) {
  const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * sorted.size())));
  return sorted[rank - 1];
}

TEST(LatencyHistogram, BucketsTileTheRangeWithinTheBound) {
  for (uint32_t i = 0; i + 1 < LatencyHistogram::kBuckets; ++i) {
    const uint64_t lo = LatencyHistogram::BucketLow(i), hi = LatencyHistogram::BucketHigh(i);
    ASSERT_LE(lo, hi);
    ASSERT_EQ(LatencyHistogram::BucketLow(i + 1), hi + 1) << "bucket " << i;
    ASSERT_EQ(LatencyHistogram::BucketOf(lo), i);
    ASSERT_EQ(LatencyHistogram::BucketOf(hi), i);
    ASSERT_LE(static_cast<double>(hi - lo), lo * LatencyHistogram::kRelativeError) << "bucket " << i;
  }
  EXPECT_EQ(LatencyHistogram::BucketHigh(LatencyHistogram::kBuckets - 1), UINT64_MAX);
  EXPECT_EQ(LatencyHistogram::BucketOf(UINT64_MAX), LatencyHistogram::kBuckets - 1);
}

TEST(LatencyHistogram, PercentilesWithinTheBoundOfTheExactValues) {
  std::mt19937_64 rng(7);
  // Log-normal around 20 us with a long tail, as layout changes look.
  std::lognormal_distribution<double> dist(std::log(20000.0), 1.5);
  for (size_t n : {1u, 2u, 10u, 999u, 100000u}) {
    LatencyHistogram h;
    std::vector<uint64_t> values;
    for (size_t i = 0; i < n; ++i) {
      values.push_back(static_cast<uint64_t>(dist(rng)));
      h.record(static_cast<int64_t>(values.back()));
    }
    std::sort(values.begin(), values.end());
    EXPECT_EQ(h.count(), n);
    EXPECT_EQ(h.min(), values.front());
    EXPECT_EQ(h.max(), values.back());
    for (double q : {0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0}) {
      const uint64_t exact = ExactPercentile(values, q);
      const uint64_t got = h.percentile(q);
      EXPECT_GE(got, exact) << "n " << n << " q " << q;
      EXPECT_LE(static_cast<double>(got), exact * (1 + LatencyHistogram::kRelativeError)) << "n " << n << " q " << q;
    }
  }
}

TEST(LatencyHistogram, JsonAndMerge) {
  LatencyHistogram a, b;
  for (int64_t v : {5, 5, 31, 32, 1000}) a.record(v);
  b.record(-3);  // Counts as 0.
  b.record(2000000000);
  a.merge(b);
  const nlohmann::json j = a.to_json();
  EXPECT_EQ(j["count"], 7u);
  EXPECT_EQ(j["min"], 0u);
  EXPECT_EQ(j["max"], 2000000000u);
  EXPECT_EQ(j["p50"], 31u);  // The 4th of 0 5 5 31 32 1000 2e9: small values are exact.
  uint64_t total = 0;
  for (size_t i = 0; i < j["buckets"].size(); ++i) {
    if (i > 0) {
      EXPECT_GT(j["buckets"][i]["le_ns"].get<uint64_t>(), j["buckets"][i - 1]["le_ns"].get<uint64_t>()) << "ascending";
    }
    total += j["buckets"][i]["count"].get<uint64_t>();
  }
  EXPECT_EQ(total, 7u);
  EXPECT_EQ(j["buckets"][0]["le_ns"], 0u);
  EXPECT_EQ(j["buckets"][1], (nlohmann::json{{"le_ns", 5}, {"count", 2}}));
  EXPECT_DOUBLE_EQ(j["relative_error"].get<double>(), 1.0 / 32);
  EXPECT_EQ(LatencyHistogram().to_json()["p99"], 0u);
  EXPECT_EQ(FormatNanoseconds(850), "850 ns");
  EXPECT_EQ(FormatNanoseconds(2003000000), "2.003 s");
}

}  // namespace
}  // namespace daxbreak
