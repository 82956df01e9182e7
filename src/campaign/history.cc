// history.log and history.time beside a campaign's results folder
// (AppendCampaignHistory() in results.h).

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "daxbreak/base/text_file.h"
#include "daxbreak/campaign/results.h"

namespace daxbreak {
namespace {

Status Errno(const std::string& what, const std::string& path) {
  return Status::IoError(fmt::format("{} '{}': {}", what, path, std::strerror(errno)));
}

// history.time with the durations of `summary`'s cells put in, under their
// names, sorted.
std::string MergedTimes(const std::string& path, const nlohmann::json& summary) {
  std::map<std::string, std::string> times;
  std::ifstream in(path);
  for (std::string name, seconds; in >> name >> seconds;) times[name] = seconds;
  for (const nlohmann::json& c : summary["cells"]) {
    times[c.value("name", "?")] = fmt::format("{:.3f}", c.value("seconds", 0.0));
  }
  std::string out;
  for (const auto& [name, seconds] : times) out += name + " " + seconds + "\n";
  return out;
}

}  // namespace

Status AppendCampaignHistory(const std::string& results_dir, const nlohmann::json& summary) {
  const std::filesystem::path dir(results_dir);
  const std::string parent = dir.parent_path().string();
  const std::string log = parent + "/history.log", time = parent + "/history.time";
  const int fd = open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot open", log);
  Status s = Status::Ok();
  if (flock(fd, LOCK_EX) != 0) {
    s = Errno("cannot lock", log);
  } else {
    const std::string line = fmt::format(
        "{} {} {} cells {} passed {} failed {} skipped {} errors {}{}\n", summary["daxbreak"].value("utc", "?"),
        dir.filename().string(), summary["config"].value("mode", "?"), summary.value("run", 0),
        summary.value("passed", 0), summary.value("failed", 0), summary.value("skipped", 0), summary.value("errors", 0),
        summary["interrupted_by"].is_string() ? " interrupted " + summary["interrupted_by"].get<std::string>() : "");
    if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) s = Errno("cannot write", log);
    // A whole new history.time replaces the old one, so a crash never leaves half of it.
    if (s.ok()) s = WriteTextFile(time + ".new", MergedTimes(time, summary));
    if (s.ok() && rename((time + ".new").c_str(), time.c_str()) != 0) s = Errno("cannot rename over", time);
  }
  close(fd);  // Drops the lock.
  return s;
}

}  // namespace daxbreak
