#include "cli_util.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "daxbreak/base/path_claim.h"
#include "daxbreak/base/printable.h"
#include "daxbreak/base/suggest.h"

namespace daxbreak::cli {

int Fail(const std::string& message) {
  std::fprintf(stderr, "daxbreak: %s\n", Printable(message).c_str());
  return kExitUsage;
}

int Fail(const Status& status) { return Fail(status.message()); }

Status ParseProtocolOption(const std::string& text, const ProtocolTraits** out) {
  const ProtocolTraits* protocol = FindProtocol(text);
  if (protocol == nullptr) {
    return Status::InvalidArgument(
        fmt::format("--protocol: unknown protocol '{}' (choose from {}){}", text, ProtocolNameList(),
                    DidYouMean(text, std::string_view(ProtocolNameList()))));
  }
  *out = protocol;
  return Status::Ok();
}

Status ParseFsOption(const std::string& text, const FsModel** out) {
  const FsModel* fs = FindFsModel(text);
  if (fs == nullptr) {
    return Status::InvalidArgument(fmt::format("--fs: unknown file system '{}' (choose from {})", text, FsModelNameList()));
  }
  *out = fs;
  return Status::Ok();
}

Status ParseTlbFlushOption(const std::string& text, TlbFlushMode* out) {
  const auto mode = ParseTlbFlushMode(text);
  if (!mode) {
    return Status::InvalidArgument(
        fmt::format("--tlb-flush: unknown mode '{}' (choose from ipi, broadcast)", text));
  }
  *out = *mode;
  return Status::Ok();
}

Status ParseShardOption(const std::string& text, uint32_t* index, uint32_t* count) {
  const size_t slash = text.find('/');
  uint64_t i = 0, n = 0;
  if (slash == std::string::npos || !ParseUnsigned("--shard", text.substr(0, slash), 0, 1u << 20, &i).ok() ||
      !ParseUnsigned("--shard", text.substr(slash + 1), 1, 1u << 20, &n).ok() || i >= n) {
    return Status::InvalidArgument(fmt::format("--shard: '{}' is not I/N with 0 <= I < N", text));
  }
  *index = static_cast<uint32_t>(i);
  *count = static_cast<uint32_t>(n);
  return Status::Ok();
}

Status ParseUnsigned(const std::string& option, const std::string& text, uint64_t min, uint64_t max,
                     uint64_t* out) {
  uint64_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || v < min || v > max) {
    return Status::InvalidArgument(fmt::format("{}: '{}' is not a whole number in {}..{}", option, text, min, max));
  }
  *out = v;
  return Status::Ok();
}

Status WriteOutput(const std::string& path, const std::string& text) {
  if (path.empty()) {
    // The terminal sees no raw escape sequence of a path the report quotes
    // (a JSON report is valid UTF-8 without control bytes: unchanged).
    const std::string printable = Printable(text);
    std::fwrite(printable.data(), 1, printable.size(), stdout);
    std::fflush(stdout);
    return Status::Ok();
  }
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::IoError(fmt::format("--output: cannot write '{}'", path));
  return Status::Ok();
}

ReportOutput::~ReportOutput() {
  if (fd_ < 0) return;
  close(fd_);
  // A run that failed before it had a report leaves no empty file behind.
  if (created_ && !written_) unlink(path_.c_str());
}

Status ReportOutput::open(const std::string& path, std::string_view option) {
  path_ = path;
  option_ = option;
  if (path.empty()) return Status::Ok();
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    Status s = CheckCreatable(path, option);
    if (!s.ok()) return s;
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    created_ = fd_ >= 0;
  } else {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  }
  if (fd_ < 0) return Status::IoError(fmt::format("{}: cannot open '{}': {}", option, path, std::strerror(errno)));
  return Status::Ok();
}

Status ReportOutput::refuse_same_file(const std::string& other, std::string_view other_option) {
  if (fd_ < 0 || PathFileId(other) != FdFileId(fd_)) return Status::Ok();
  if (created_) unlink(path_.c_str());
  close(fd_);
  fd_ = -1;
  return Status::InvalidArgument(
      fmt::format("{} '{}' is the same file as {} '{}'; the report would overwrite it", option_, path_, other_option, other));
}

Status ReportOutput::write(const std::string& text) {
  if (fd_ < 0) return WriteOutput("", text);
  struct stat st {};
  if (fstat(fd_, &st) == 0 && S_ISREG(st.st_mode) && (ftruncate(fd_, 0) != 0 || lseek(fd_, 0, SEEK_SET) != 0)) {
    return Status::IoError(fmt::format("{}: cannot truncate '{}': {}", option_, path_, std::strerror(errno)));
  }
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::IoError(fmt::format("{}: cannot write '{}': {}", option_, path_, std::strerror(errno)));
    done += static_cast<size_t>(n);
  }
  written_ = true;
  return Status::Ok();
}

namespace {

std::atomic<int> g_stop_signal{0};

void StoreStopSignal(int signo) { g_stop_signal.store(signo); }

}  // namespace

const std::atomic<int>* InstallStopSignals() {
  struct sigaction sa {};
  sa.sa_handler = StoreStopSignal;
  sa.sa_flags = SA_RESETHAND | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  // A closed terminal or ssh session (SIGHUP) must not lose the report either.
  sigaction(SIGHUP, &sa, nullptr);
  return &g_stop_signal;
}

bool ShowStatusLine(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  return isatty(STDERR_FILENO) != 0;
}

uint32_t TerminalWidth() {
  struct winsize ws {};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  uint64_t cols = 0;
  const char* env = std::getenv("COLUMNS");
  if (env != nullptr && ParseUnsigned("COLUMNS", env, 20, 1000, &cols).ok()) return static_cast<uint32_t>(cols);
  return 80;
}

}  // namespace daxbreak::cli
