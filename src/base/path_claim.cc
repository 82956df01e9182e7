#include "daxbreak/base/path_claim.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace daxbreak {

PathContents ClassifyContents(const void* page0, uint64_t len, uint64_t file_bytes,
                              HeaderRole role, DeviceHeader* header) {
  if (file_bytes == 0) return PathContents::kEmpty;
  switch (ReadDeviceHeader(page0, len, role, header)) {
    case HeaderState::kValid: return PathContents::kOurs;
    case HeaderState::kOtherRole: return PathContents::kOtherRole;
    case HeaderState::kCorrupt: return PathContents::kCorrupt;
    case HeaderState::kAbsent: break;
  }
  return PathContents::kForeign;
}

std::string_view RoleName(HeaderRole role) { return role == HeaderRole::kDevice ? "device" : "disk"; }

Status RefuseContents(const std::string& path, HeaderRole role, PathContents contents) {
  const std::string_view what = RoleName(role);
  std::string why;
  switch (contents) {
    case PathContents::kOtherRole:
      why = fmt::format("holds a daxbreak {} header, not a {} header",
                        RoleName(role == HeaderRole::kDevice ? HeaderRole::kDisk : HeaderRole::kDevice), what);
      break;
    case PathContents::kCorrupt:
      why = fmt::format("has a {} header that is corrupt (bad version, page size or checksum)",
                        HeaderMagic(role));
      break;
    default:
      why = fmt::format("holds data daxbreak did not write (no {} header)", HeaderMagic(role));
      break;
  }
  return Status::Refused(fmt::format(
      "{} '{}' {}; refusing to format it. Pass --force to overwrite it, or choose another path", what,
      path, why));
}

std::optional<FileId> PathFileId(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileId{st.st_dev, st.st_ino};
}

FileId FdFileId(int fd) {
  struct stat st {};
  fstat(fd, &st);
  return FileId{st.st_dev, st.st_ino};
}

Status CheckCreatable(const std::string& path, std::string_view what) {
  std::error_code ec;
  const std::filesystem::path dir =
      std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec).parent_path(), ec);
  const std::string d = dir.string() + "/";
  // /dev/shm is an ordinary tmpfs for files; the rest of /dev is device nodes.
  if (d.rfind("/dev/", 0) == 0 && d.rfind("/dev/shm/", 0) != 0) {
    return Status::Environment(fmt::format(
        "{} '{}': no such device (daxbreak never creates files under /dev; check the name with "
        "`daxbreak info` or `ls /dev/dax* /dev/pmem*`)",
        what, path));
  }
  return Status::Ok();
}

pid_t FlockHolderPid(const FileId& id) {
  // Lines look like "3: FLOCK  ADVISORY  WRITE 4242 fd:00:1234 0 EOF"; a
  // waiter's line has "->" after the ordinal.
  std::ifstream locks("/proc/locks");
  const std::string want = fmt::format("{:02x}:{:02x}:{}", major(id.dev), minor(id.dev), id.ino);
  std::string line;
  while (std::getline(locks, line)) {
    std::istringstream in(line);
    std::string ordinal, type, mode, access, file;
    long pid = 0;
    if (!(in >> ordinal >> type) || type == "->" || type != "FLOCK") continue;
    if (in >> mode >> access >> pid >> file && file == want && pid > 0) return static_cast<pid_t>(pid);
  }
  return 0;
}

Status LockExclusive(int fd, const std::string& path, std::string_view what) {
  if (flock(fd, LOCK_EX | LOCK_NB) == 0) return Status::Ok();
  if (errno != EWOULDBLOCK) return Status::FromErrno(errno, fmt::format("flock {} '{}'", what, path));
  const pid_t holder = FlockHolderPid(FdFileId(fd));
  return Status::Refused(fmt::format(
      "{} '{}' is in use by {} (it holds the file's lock); wait for it to end or choose another path",
      what, path, holder > 0 ? fmt::format("pid {}", holder) : std::string("another process")));
}

}  // namespace daxbreak
