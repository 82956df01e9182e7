#include "daxbreak/base/size_parse.h"

#include <cctype>
#include <charconv>
#include <iterator>
#include <string>

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
  const std::string s = Lower(suffix);
  int shift = 0;
  if (s.empty() || s == "b") shift = 0;
  else if (s == "k" || s == "kb" || s == "kib") shift = 10;
  else if (s == "m" || s == "mb" || s == "mib") shift = 20;
  else if (s == "g" || s == "gb" || s == "gib") shift = 30;
  else if (s == "t" || s == "tb" || s == "tib") shift = 40;
  else return Status::InvalidArgument(fmt::format("'{}' has an unknown size suffix '{}'", text, suffix));
  if (shift > 0 && value > (UINT64_MAX >> shift)) {
    return Status::InvalidArgument(fmt::format("'{}' is too large", text));
  }
  *bytes = value << shift;
  return Status::Ok();
}

Status ParseDuration(std::string_view text, std::chrono::nanoseconds* out) {
  uint64_t value = 0;
  std::string_view suffix;
  if (!SplitNumber(text, &value, &suffix)) {
    return Status::InvalidArgument(
        fmt::format("'{}' is not a duration (want e.g. 500ms, 60s, 2m, 1h)", text));
  }
  const std::string s = Lower(suffix);
  uint64_t ns_per_unit = 0;
  if (s == "ms") ns_per_unit = 1'000'000ULL;
  else if (s.empty() || s == "s") ns_per_unit = 1'000'000'000ULL;
  else if (s == "m") ns_per_unit = 60'000'000'000ULL;
  else if (s == "h") ns_per_unit = 3'600'000'000'000ULL;
  else return Status::InvalidArgument(fmt::format("'{}' has an unknown duration suffix '{}'", text, suffix));
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
