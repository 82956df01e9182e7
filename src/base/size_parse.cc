#include "daxbreak/base/size_parse.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iterator>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace daxbreak {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits `text` into a leading unsigned decimal number and the rest.
bool SplitNumber(std::string_view text, uint64_t* value, std::string_view* suffix) {
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, *value);
  if (ec != std::errc() || ptr == begin) return false;
  *suffix = std::string_view(ptr, static_cast<size_t>(end - ptr));
  return true;
}

}  // namespace

Status ParseSize(std::string_view text, uint64_t* bytes) {
  uint64_t value = 0;
  std::string_view suffix;
  if (!SplitNumber(text, &value, &suffix)) {
    return Status::InvalidArgument(
        fmt::format("'{}' is not a size (want a non-negative number such as 64M or 1G)", text));
  }
  // K, M, G, T and KiB ... TiB are powers of 1024; KB ... TB powers of 1000
  // (GNU dd and truncate read them so).
  const std::string s = Lower(suffix);
  static constexpr std::pair<const char*, uint64_t> kUnits[] = {
      {"", 1},           {"b", 1},
      {"k", 1ULL << 10}, {"kib", 1ULL << 10}, {"kb", 1000ULL},
      {"m", 1ULL << 20}, {"mib", 1ULL << 20}, {"mb", 1000'000ULL},
      {"g", 1ULL << 30}, {"gib", 1ULL << 30}, {"gb", 1000'000'000ULL},
      {"t", 1ULL << 40}, {"tib", 1ULL << 40}, {"tb", 1000'000'000'000ULL},
  };
  const auto* unit = std::find_if(std::begin(kUnits), std::end(kUnits), [&](const auto& u) { return s == u.first; });
  if (unit == std::end(kUnits)) {
    return Status::InvalidArgument(fmt::format(
        "'{}' has an unknown size suffix '{}' (K/M/G/T or KiB/MiB/GiB/TiB: powers of 1024; KB/MB/GB/TB: of 1000)", text,
        suffix));
  }
  if (value > UINT64_MAX / unit->second) return Status::InvalidArgument(fmt::format("'{}' is too large", text));
  *bytes = value * unit->second;
  return Status::Ok();
}

Status ParseDuration(std::string_view text, std::chrono::nanoseconds* out) {
  uint64_t value = 0;
  std::string_view suffix;
  if (!SplitNumber(text, &value, &suffix)) {
    return Status::InvalidArgument(
        fmt::format("'{}' is not a duration (want e.g. 100us, 500ms, 60s, 2m, 1h)", text));
  }
  const std::string s = Lower(suffix);
  uint64_t ns_per_unit = 0;
  if (s == "ns") ns_per_unit = 1ULL;
  else if (s == "us") ns_per_unit = 1'000ULL;
  else if (s == "ms") ns_per_unit = 1'000'000ULL;
  else if (s.empty() || s == "s") ns_per_unit = 1'000'000'000ULL;
  else if (s == "m") ns_per_unit = 60'000'000'000ULL;
  else if (s == "h") ns_per_unit = 3'600'000'000'000ULL;
  else {
    return Status::InvalidArgument(
        fmt::format("'{}' has an unknown duration suffix '{}' (choose from ns, us, ms, s, m, h)", text, suffix));
  }
  if (value > UINT64_MAX / ns_per_unit / 2) {
    return Status::InvalidArgument(fmt::format("'{}' is too long", text));
  }
  *out = std::chrono::nanoseconds(static_cast<int64_t>(value * ns_per_unit));
  return Status::Ok();
}

std::string FormatSize(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes);
  size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) v /= 1024, ++unit;
  if (unit == 0 || v == static_cast<double>(static_cast<uint64_t>(v))) return fmt::format("{:.0f} {}", v, kUnits[unit]);
  return fmt::format("{:.1f} {}", v, kUnits[unit]);
}

std::string FormatCount(double v) {
  if (v >= 1e9) return fmt::format("{:.1f}G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.1f}M", v / 1e6);
  if (v >= 1e4) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

}  // namespace daxbreak
