#include "daxbreak/io/disk_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "daxbreak/base/device_header.h"
#include "daxbreak/base/path_claim.h"

namespace daxbreak {
namespace {

// An aligned 4 KiB buffer for O_DIRECT transfers.
struct AlignedPage {
  AlignedPage() { ptr = static_cast<char*>(std::aligned_alloc(kPageSize, kPageSize)); std::memset(ptr, 0, kPageSize); }
  ~AlignedPage() { std::free(ptr); }
  AlignedPage(const AlignedPage&) = delete;
  AlignedPage& operator=(const AlignedPage&) = delete;
  char* ptr;
};

}  // namespace

Status DiskFile::Open(const DiskFileOptions& options, std::unique_ptr<DiskFile>* out) {
  if (options.size_bytes % kPageSize != 0 || options.size_bytes < 16 * kPageSize) {
    return Status::InvalidArgument(fmt::format(
        "--disk-size {} must be a multiple of 4096 and at least 64 KiB", options.size_bytes));
  }
  struct stat st {};
  const bool exists = stat(options.path.c_str(), &st) == 0;
  if (exists && !S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(fmt::format("disk '{}' is not a regular file", options.path));
  }
  if (!exists) {
    Status s = CheckCreatable(options.path, "--disk");
    if (!s.ok()) return s;
  }
  std::unique_ptr<DiskFile> disk(new DiskFile());
  disk->path_ = options.path;
  Status s = disk->claim(options, exists ? static_cast<uint64_t>(st.st_size) : 0, !exists);
  if (!s.ok()) {
    // What this call created must not stay behind: headerless, it would be
    // refused as foreign by the next run.
    if (disk->created_) unlink(options.path.c_str());
    return s;
  }
  *out = std::move(disk);
  return Status::Ok();
}

Status DiskFile::claim(const DiskFileOptions& options, uint64_t old_bytes, bool create) {
  fd_ = open(path_.c_str(), O_RDWR | O_DIRECT | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0), 0644);
  if (fd_ < 0 && errno == EINVAL) {
    return Status::Environment(fmt::format(
        "the file system of disk '{}' refuses O_DIRECT (EINVAL); put --disk on a disk-backed "
        "file system such as ext4 or xfs",
        path_));
  }
  if (fd_ < 0) return Status::FromErrno(errno, fmt::format("open '{}' O_DIRECT", path_));
  created_ = create;
  Status s = LockExclusive(fd_, path_, "disk");
  if (!s.ok()) return s;
  // Judge the contents before anything is written.
  AlignedPage page;
  if (old_bytes > 0) {
    const ssize_t n = pread(fd_, page.ptr, kPageSize, 0);
    if (n < 0) return Status::FromErrno(errno, fmt::format("read '{}'", path_));
    DeviceHeader h{};
    const PathContents contents =
        ClassifyContents(page.ptr, static_cast<uint64_t>(n), old_bytes, HeaderRole::kDisk, &h);
    if (contents != PathContents::kOurs && !options.force) return RefuseContents(path_, HeaderRole::kDisk, contents);
  }
  s = allocate(options.size_bytes);
  if (!s.ok()) return s;
  DeviceHeader h{};
  BuildDeviceHeader(HeaderRole::kDisk, options.size_bytes, 1, &h);
  std::memset(page.ptr, 0, kPageSize);
  std::memcpy(page.ptr, &h, sizeof(h));
  const ssize_t n = pwrite(fd_, page.ptr, kPageSize, 0);
  if (n < 0 && errno == EINVAL) {
    return Status::Environment(fmt::format("the file system of disk '{}' refuses O_DIRECT writes (EINVAL)", path_));
  }
  if (n != static_cast<ssize_t>(kPageSize)) {
    return Status::FromErrno(n < 0 ? errno : EIO, fmt::format("write header of '{}'", path_));
  }
  return Status::Ok();
}

Status DiskFile::allocate(uint64_t bytes) {
  // Say it before writing anything: a disk larger than the free space would
  // only fill the file system.
  struct statvfs vfs {};
  struct stat st {};
  if (fstatvfs(fd_, &vfs) == 0 && fstat(fd_, &st) == 0) {
    const uint64_t have = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize + static_cast<uint64_t>(st.st_blocks) * 512;
    if (bytes > have) {
      return Status::NoSpace(fmt::format(
          "--disk-size {}: the file system of disk '{}' has only {} bytes free; choose a smaller --disk-size",
          bytes, path_, have));
    }
  }
  if (ftruncate(fd_, static_cast<off_t>(bytes)) != 0) {
    return Status::FromErrno(errno, fmt::format("size '{}' to {} bytes", path_, bytes));
  }
  const int err = posix_fallocate(fd_, 0, static_cast<off_t>(bytes));
  if (err != 0) return Status::FromErrno(err, fmt::format("allocate {} bytes for disk '{}'", bytes, path_));
  size_bytes_ = bytes;
  return Status::Ok();
}

DiskFile::~DiskFile() {
  if (fd_ >= 0) close(fd_);
}

Status DiskFile::write_block(uint64_t block, const void* data) {
  AlignedPage buf;
  std::memcpy(buf.ptr, data, kPageSize);
  const ssize_t n = pwrite(fd_, buf.ptr, kPageSize, static_cast<off_t>(block * kPageSize));
  if (n != static_cast<ssize_t>(kPageSize)) {
    return Status::FromErrno(n < 0 ? errno : EIO, fmt::format("write block {} of '{}'", block, path_));
  }
  return Status::Ok();
}

Status DiskFile::read_block(uint64_t block, void* data) {
  AlignedPage buf;
  const ssize_t n = pread(fd_, buf.ptr, kPageSize, static_cast<off_t>(block * kPageSize));
  if (n != static_cast<ssize_t>(kPageSize)) {
    return Status::FromErrno(n < 0 ? errno : EIO, fmt::format("read block {} of '{}'", block, path_));
  }
  std::memcpy(data, buf.ptr, kPageSize);
  return Status::Ok();
}

}  // namespace daxbreak
