#include "daxbreak/check/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>

#include <fmt/format.h>

namespace daxbreak {

uint32_t LatencyHistogram::BucketOf(uint64_t ns) {
  if (ns < kSub) return static_cast<uint32_t>(ns);
  const uint32_t e = 63 - static_cast<uint32_t>(std::countl_zero(ns));  // 2^e <= ns.
  const uint32_t shift = e - kSubBits;
  const uint32_t sub = static_cast<uint32_t>(ns >> shift) - kSub;  // 0 .. kSub-1.
  return kSub + shift * kSub + sub;
}

uint64_t LatencyHistogram::BucketLow(uint32_t i) {
  if (i < kSub) return i;
  const uint32_t shift = (i - kSub) / kSub;
  const uint64_t sub = (i - kSub) % kSub;
  return (kSub + sub) << shift;
}

uint64_t LatencyHistogram::BucketHigh(uint32_t i) {
  if (i < kSub) return i;
  const uint32_t shift = (i - kSub) / kSub;
  return BucketLow(i) + ((uint64_t{1} << shift) - 1);
}

void LatencyHistogram::record(int64_t ns) {
  const uint64_t v = ns < 0 ? 0 : static_cast<uint64_t>(ns);
  ++buckets_[BucketOf(v)];
  ++count_;
  min_ = std::min(min_, v);
  max_ = std::max(max_, v);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (uint32_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

uint64_t LatencyHistogram::percentile(double q) const {
  if (count_ == 0) return 0;
  const double wanted = std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(count_));
  const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(wanted));
  uint64_t seen = 0;
  for (uint32_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::clamp(BucketHigh(i), min_, max_);
  }
  return max_;
}

nlohmann::json LatencyHistogram::to_json() const {
  nlohmann::json buckets = nlohmann::json::array();
  for (uint32_t i = 0; i < kBuckets; ++i) {
    if (buckets_[i] != 0) buckets.push_back({{"le_ns", BucketHigh(i)}, {"count", buckets_[i]}});
  }
  return {{"count", count_},        {"min", min()},
          {"p50", percentile(0.5)}, {"p90", percentile(0.9)},
          {"p99", percentile(0.99)}, {"p999", percentile(0.999)},
          {"max", max_},            {"relative_error", kRelativeError},
          {"buckets", buckets}};
}

std::string FormatNanoseconds(uint64_t ns) {
  if (ns < 1000) return fmt::format("{} ns", ns);
  if (ns < 1000000) return fmt::format("{:.1f} us", ns / 1e3);
  if (ns < 1000000000) return fmt::format("{:.2f} ms", ns / 1e6);
  return fmt::format("{:.3f} s", ns / 1e9);
}

}  // namespace daxbreak
