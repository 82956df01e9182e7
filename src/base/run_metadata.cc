#include "daxbreak/base/run_metadata.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <ctime>

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

nlohmann::json JsonDocument(std::string_view command, nlohmann::json config) {
  nlohmann::json j;
  j["daxbreak"] = RunMetadataJson();
  j["command"] = command;
  j["config"] = std::move(config);
  return j;
}

}  // namespace daxbreak
