#include "daxbreak/io/disk_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "daxbreak/pmem/device_header.h"
#include "daxbreak/pmem/path_claim.h"

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
        "disk size {} must be a multiple of 4096 and at least 64 KiB", options.size_bytes));
  }
  std::unique_ptr<DiskFile> disk(new DiskFile());
  disk->path_ = options.path;
  struct stat st {};
  const bool exists = stat(options.path.c_str(), &st) == 0;
  if (exists && !S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(fmt::format("disk '{}' is not a regular file", options.path));
  }
  // Judge the contents with a buffered read before anything is written.
  if (exists && st.st_size > 0) {
    const int rfd = open(options.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (rfd < 0) return Status::FromErrno(errno, fmt::format("open '{}'", options.path));
    char page0[kPageSize] = {};
    const ssize_t n = pread(rfd, page0, sizeof(page0), 0);
    close(rfd);
    if (n < 0) return Status::FromErrno(errno, fmt::format("read '{}'", options.path));
    DeviceHeader h{};
    if (ClassifyContents(page0, static_cast<uint64_t>(n), static_cast<uint64_t>(st.st_size),
                         HeaderRole::kDisk, &h) == PathContents::kForeign &&
        !options.force) {
      return RefuseForeign(options.path, "disk");
    }
  }
  disk->fd_ = open(options.path.c_str(), O_RDWR | O_CREAT | O_DIRECT | O_CLOEXEC, 0644);
  if (disk->fd_ < 0 && errno == EINVAL) {
    return Status::Environment(fmt::format(
        "the file system of disk '{}' refuses O_DIRECT (EINVAL); put --disk on a disk-backed "
        "file system such as ext4 or xfs",
        options.path));
  }
  if (disk->fd_ < 0) return Status::FromErrno(errno, fmt::format("open '{}' O_DIRECT", options.path));
  if (ftruncate(disk->fd_, static_cast<off_t>(options.size_bytes)) != 0) {
    return Status::FromErrno(errno, fmt::format("size '{}'", options.path));
  }
  disk->size_bytes_ = options.size_bytes;
  AlignedPage header;
  DeviceHeader h{};
  BuildDeviceHeader(HeaderRole::kDisk, options.size_bytes, 1, &h);
  std::memcpy(header.ptr, &h, sizeof(h));
  const ssize_t n = pwrite(disk->fd_, header.ptr, kPageSize, 0);
  if (n < 0 && errno == EINVAL) {
    return Status::Environment(fmt::format(
        "the file system of disk '{}' refuses O_DIRECT writes (EINVAL)", options.path));
  }
  if (n != static_cast<ssize_t>(kPageSize)) {
    return Status::FromErrno(n < 0 ? errno : EIO, fmt::format("write header of '{}'", options.path));
  }
  *out = std::move(disk);
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
