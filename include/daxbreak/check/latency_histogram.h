// LatencyHistogram: a log-linear histogram of durations in nanoseconds, for
// the latency percentiles of a stress run's layout changes (truncate, punch,
// collapse, ...). Debian packages no C++ HdrHistogram, so this is a small one
// of the same kind: values below 2^kSubBits ns have a bucket each; above,
// each power of two [2^e, 2^(e+1)) is cut into 2^kSubBits equal buckets.
// A bucket [lo, hi] is then at most lo / 2^kSubBits wide, so a percentile
// reported as its bucket's upper bound `hi` lies within
//     exact <= reported <= exact * (1 + kRelativeError),  kRelativeError = 2^-kSubBits
// of the exact nearest-rank value (the ceil(q * count)-th smallest), and is
// clamped to the exact min and max. Memory: kBuckets counters (15 KiB).
//
// Source: the bucket layout follows the idea of HdrHistogram (Gil Tene,
// https://github.com/HdrHistogram/HdrHistogram): sub-buckets of fixed
// relative width per power of two. The code is our own.
//
// Thread-safety: none; one writer at a time, or the caller's lock (LayoutWatch
// in check/stall.h records under its Mutex). Copies are independent.

#ifndef DAXBREAK_CHECK_LATENCY_HISTOGRAM_H_
#define DAXBREAK_CHECK_LATENCY_HISTOGRAM_H_

#include <array>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace daxbreak {

class LatencyHistogram {
 public:
  static constexpr uint32_t kSubBits = 5;
  static constexpr double kRelativeError = 1.0 / (1u << kSubBits);
  static constexpr uint32_t kSub = 1u << kSubBits;
  // The linear buckets below kSub, then kSub per power of two up to 2^63.
  static constexpr uint32_t kBuckets = kSub + (64 - kSubBits) * kSub;

  // Adds one duration of `ns` nanoseconds (negative counts as 0).
  void record(int64_t ns);
  // Adds every value of `other` (e.g. per-thread histograms at the end).
  void merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  uint64_t max() const { return max_; }
  // The nearest-rank `q`-quantile (0 < q <= 1) within the bound above; 0
  // when empty.
  uint64_t percentile(double q) const;

  // The bucket a value falls in, and the inclusive bounds of bucket `i`.
  static uint32_t BucketOf(uint64_t ns);
  static uint64_t BucketLow(uint32_t i);
  static uint64_t BucketHigh(uint32_t i);

  // {"count", "min", "p50", "p90", "p99", "p999", "max" (ns),
  //  "relative_error" (kRelativeError), "buckets": [{"le_ns": BucketHigh,
  //  "count": values in that bucket (not cumulative)}, ...] (the non-empty
  //  buckets, ascending)}. The stress report's latency.layout_op_ns.
  nlohmann::json to_json() const;

 private:
  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

// "850 ns", "12.3 us", "4.56 ms", "2.003 s".
std::string FormatNanoseconds(uint64_t ns);

}  // namespace daxbreak

#endif  // DAXBREAK_CHECK_LATENCY_HISTOGRAM_H_
