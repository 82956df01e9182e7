#include "stress/target/host_facts.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace daxbreak {
namespace {

#ifndef XFS_SUPER_MAGIC
constexpr unsigned long kXfsMagic = 0x58465342;
#else
constexpr unsigned long kXfsMagic = XFS_SUPER_MAGIC;
#endif
#ifndef STATX_ATTR_DAX
constexpr uint64_t kStatxAttrDax = 0x00200000;
#else
constexpr uint64_t kStatxAttrDax = STATX_ATTR_DAX;
#endif

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

Status IsDaxFile(int fd, bool* dax) {
  struct statx stx {};
  if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) != 0) {
    return Status::Environment(fmt::format("statx: {}", strerror(errno)));
  }
  if ((stx.stx_attributes_mask & kStatxAttrDax) == 0) {
    return Status::Environment("this kernel does not report STATX_ATTR_DAX (Linux 5.8+ does)");
  }
  *dax = (stx.stx_attributes & kStatxAttrDax) != 0;
  return Status::Ok();
}

std::string FsTypeName(int fd) {
  struct statfs sfs {};
  if (fstatfs(fd, &sfs) != 0) return "?";
  switch (static_cast<unsigned long>(sfs.f_type)) {
    case EXT4_SUPER_MAGIC: return "ext4";
    case kXfsMagic: return "xfs";
    case TMPFS_MAGIC: return "tmpfs";
    case BTRFS_SUPER_MAGIC: return "btrfs";
    case OVERLAYFS_SUPER_MAGIC: return "overlay";
    case V9FS_MAGIC: return "9p";
    default: return fmt::format("0x{:x}", static_cast<unsigned long>(sfs.f_type));
  }
}

FollPinCounts ParseFollPinCounts(std::string_view vmstat) {
  FollPinCounts c;
  std::istringstream in{std::string(vmstat)};
  std::string name;
  uint64_t value = 0;
  while (in >> name >> value) {
    if (name == "nr_foll_pin_acquired") c.acquired = value;
    if (name == "nr_foll_pin_released") c.released = value;
  }
  return c;
}

FollPinCounts ReadFollPinCounts() { return ParseFollPinCounts(ReadAll("/proc/vmstat")); }

std::string ThreadWchan(pid_t tid) {
  std::ifstream in(fmt::format("/proc/self/task/{}/wchan", tid));
  std::string name;
  if (!std::getline(in, name)) return "?";
  return name;
}

std::string ThreadStack(pid_t tid) {
  std::istringstream in(ReadAll(fmt::format("/proc/self/task/{}/stack", tid)));
  std::string line, out;
  while (std::getline(in, line)) {
    // "[<0>] ext4_break_layouts+0x12c/0x1c0 [ext4]": keep the function.
    const size_t sp = line.find("] ");
    std::string frame = sp == std::string::npos ? line : line.substr(sp + 2);
    const size_t plus = frame.find('+');
    if (plus != std::string::npos) frame.resize(plus);
    out += out.empty() ? frame : " <- " + frame;
  }
  return out;
}

std::string ThreadWhere(pid_t tid) {
  const std::string stack = ThreadStack(tid);
  return fmt::format("wchan {}{}", ThreadWchan(tid), stack.empty() ? "" : ", stack " + stack);
}

}  // namespace daxbreak
