#include "stress/target/kmsg.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace daxbreak {

bool IsKernelWarning(std::string_view m) {
  for (std::string_view mark : {"WARNING:", "BUG:", "kernel BUG", "Oops", "general protection fault"}) {
    if (m.find(mark) != std::string_view::npos) return true;
  }
  return m.starts_with("INFO: task ") && m.find(" blocked for more than ") != std::string_view::npos;
}

std::string_view KmsgMessage(std::string_view record) {
  const size_t semi = record.find(';');
  std::string_view m = semi == std::string_view::npos ? record : record.substr(semi + 1);
  while (!m.empty() && m.back() == '\n') m.remove_suffix(1);
  return m;
}

KmsgWatch::~KmsgWatch() {
  if (fd_ >= 0) close(fd_);
}

bool KmsgWatch::open() {
  fd_ = ::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) return false;
  if (lseek(fd_, 0, SEEK_END) < 0) {
    close(fd_);
    fd_ = -1;
    return false;
  }
  return true;
}

std::vector<std::string> KmsgWatch::read_warnings() {
  std::vector<std::string> out;
  std::array<char, 8192> record;
  while (fd_ >= 0) {
    // One read() is one record; EPIPE means records were overwritten before
    // we read them: go on with the next.
    const ssize_t n = read(fd_, record.data(), record.size());
    if (n < 0 && errno == EPIPE) continue;
    if (n <= 0) break;
    const std::string_view m = KmsgMessage(std::string_view(record.data(), static_cast<size_t>(n)));
    if (IsKernelWarning(m)) out.emplace_back(m);
  }
  return out;
}

}  // namespace daxbreak
