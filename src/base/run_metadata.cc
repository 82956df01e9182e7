#include "daxbreak/base/run_metadata.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <charconv>
#include <ctime>

#include <fmt/format.h>

#include "daxbreak/version.h"

namespace daxbreak {

std::string UtcTimestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::json RunMetadataJson() {
  struct utsname u {};
  const std::string release = uname(&u) == 0 ? u.release : "";
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return {{"version", DAXBREAK_VERSION}, {"kernel_release", release}, {"hostname", host}, {"utc", UtcTimestamp()}};
}

nlohmann::json SeedJson(uint64_t seed) { return std::to_string(seed); }

nlohmann::json SeedsJson(const std::vector<uint64_t>& seeds) {
  nlohmann::json j = nlohmann::json::array();
  for (uint64_t s : seeds) j.push_back(SeedJson(s));
  return j;
}

Status ParseSeedJson(const nlohmann::json& value, uint64_t* seed) {
  if (value.is_number_unsigned()) {
    *seed = value.get<uint64_t>();
    return Status::Ok();
  }
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, *seed);
    if (!text.empty() && ec == std::errc() && ptr == end) return Status::Ok();
  }
  return Status::InvalidArgument(
      fmt::format("seed {} is not a decimal string or integer in 0..2^64-1",
                  value.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace)));
}

nlohmann::json JsonDocument(std::string_view command, nlohmann::json config) {
  nlohmann::json j;
  j["format_version"] = kJsonFormatVersion;
  j["daxbreak"] = RunMetadataJson();
  j["command"] = command;
  j["config"] = std::move(config);
  return j;
}

}  // namespace daxbreak
