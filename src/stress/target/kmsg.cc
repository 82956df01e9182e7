#include "stress/target/kmsg.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace daxbreak {

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

std::vector<std::string> KmsgWatch::read_records() {
  std::vector<std::string> out;
  std::array<char, 8192> record;
  while (fd_ >= 0) {
    // One read() is one record; EPIPE means records were overwritten before
    // we read them: go on with the next.
    const ssize_t n = read(fd_, record.data(), record.size());
    if (n < 0 && errno == EPIPE) continue;
    if (n <= 0) break;
    out.emplace_back(record.data(), static_cast<size_t>(n));
  }
  return out;
}

}  // namespace daxbreak
