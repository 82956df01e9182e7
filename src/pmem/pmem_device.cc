#include "daxbreak/pmem/pmem_device.h"

#include <fcntl.h>
#include <libpmem2.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "daxbreak/base/path_claim.h"
#include "pmem/sigbus_guard.h"

namespace daxbreak {
namespace {

constexpr uint64_t kDefaultDeviceBytes = 64ULL << 20;
constexpr uint64_t kMinDeviceBytes = 1ULL << 20;

// libpmem2's message for the call that just failed, copied at once (it is
// thread-local and overwritten by later calls).
Status Pmem2Error(int rc, std::string_view what, const std::string& path) {
  const std::string msg = pmem2_errormsg();
  return Status::Environment(fmt::format("{} on '{}' failed ({}): {}", what, path, rc, msg));
}

Status ValidateSize(uint64_t bytes, std::string_view origin) {
  if (bytes % kPageSize != 0) {
    return Status::InvalidArgument(
        fmt::format("{} {} is not a multiple of the 4096-byte page size", origin, bytes));
  }
  if (bytes < kMinDeviceBytes) {
    return Status::InvalidArgument(fmt::format("{} {} is below the 1 MiB minimum", origin, bytes));
  }
  return Status::Ok();
}

bool ProbeMapSync(int fd) {
  void* p = mmap(nullptr, kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0);
  if (p == MAP_FAILED) return false;
  munmap(p, kPageSize);
  return true;
}

StoreGranularity FromPmem2(pmem2_granularity g) {
  switch (g) {
    case PMEM2_GRANULARITY_BYTE: return StoreGranularity::kByte;
    case PMEM2_GRANULARITY_CACHE_LINE: return StoreGranularity::kCacheLine;
    case PMEM2_GRANULARITY_PAGE: return StoreGranularity::kPage;
  }
  return StoreGranularity::kPage;
}

}  // namespace

std::string_view DeviceKindName(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::kRegularFile: return "regular-file";
    case DeviceKind::kDaxFile: return "fs-dax-file";
    case DeviceKind::kDeviceDax: return "device-dax";
  }
  return "?";
}

std::string_view StoreGranularityName(StoreGranularity g) {
  switch (g) {
    case StoreGranularity::kByte: return "BYTE";
    case StoreGranularity::kCacheLine: return "CACHE_LINE";
    case StoreGranularity::kPage: return "PAGE";
  }
  return "?";
}

Status PmemDevice::Open(const PmemDeviceOptions& options, std::unique_ptr<PmemDevice>* out) {
  if (options.size_bytes != 0) {
    Status s = ValidateSize(options.size_bytes, "--size");
    if (!s.ok()) return s;
  }
  std::unique_ptr<PmemDevice> dev(new PmemDevice());
  dev->path_ = options.path;
  struct stat st {};
  bool created = false;
  Status s = dev->open_backing(options, &st, &created);
  if (s.ok()) s = dev->claim_and_format(options, st, /*fresh=*/created || (S_ISREG(st.st_mode) && st.st_size == 0));
  if (!s.ok()) {
    // A file this call created must not stay behind: headerless, it would be
    // refused as foreign next time.
    if (created) unlink(options.path.c_str());
    return s;
  }
  dev->created_ = created;
  *out = std::move(dev);
  return Status::Ok();
}

Status PmemDevice::open_backing(const PmemDeviceOptions& options, struct stat* st, bool* created) {
  const std::string& path = options.path;
  const uint64_t create_bytes = options.size_bytes != 0 ? options.size_bytes : kDefaultDeviceBytes;
  if (stat(path.c_str(), st) != 0) {
    if (errno != ENOENT) return Status::FromErrno(errno, fmt::format("stat '{}'", path));
    Status s = CheckCreatable(path, "--device");
    if (!s.ok()) return s;
    fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) return Status::FromErrno(errno, fmt::format("create '{}'", path));
    *created = true;
  } else {
    if (S_ISDIR(st->st_mode)) return Status::InvalidArgument(fmt::format("device '{}' is a directory", path));
    if (S_ISBLK(st->st_mode)) {
      return Status::Environment(fmt::format(
          "device '{}' is a block device; libpmem2 maps files and device-dax only: mount it "
          "with -o dax and pass a file on it, or create a devdax namespace",
          path));
    }
    fd_ = open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd_ < 0) return Status::FromErrno(errno, fmt::format("open '{}'", path));
  }
  // Lock before anything is read or written: a second run must not format or
  // map a device this one uses.
  Status s = LockExclusive(fd_, path, "device");
  if (!s.ok()) return s;
  const bool empty = *created || (S_ISREG(st->st_mode) && st->st_size == 0);
  if (empty && ftruncate(fd_, static_cast<off_t>(create_bytes)) != 0) {
    if (errno == EFBIG || errno == EINVAL) {
      return Status::InvalidArgument(fmt::format(
          "--size {}: the file system of device '{}' does not allow a file that large", create_bytes, path));
    }
    return Status::FromErrno(errno, fmt::format("size '{}' to {} bytes", path, create_bytes));
  }
  return Status::Ok();
}

Status PmemDevice::claim_and_format(const PmemDeviceOptions& options, const struct stat& st, bool fresh) {
  // A just-created file has a zeroed `st`; it is fresh, so `regular` only
  // matters for paths that existed.
  const bool regular = S_ISREG(st.st_mode);
  // A regular file is judged by pread before it is ever mapped; a device-dax
  // node (no read()) through a mapping that is only read.
  DeviceHeader old{};
  PathContents contents = PathContents::kEmpty;
  const auto refused = [&] {
    return contents != PathContents::kEmpty && contents != PathContents::kOurs && !options.force;
  };
  if (!fresh && regular) {
    char page0[kPageSize] = {};
    const ssize_t n = pread(fd_, page0, sizeof(page0), 0);
    if (n < 0) return Status::FromErrno(errno, fmt::format("read '{}'", path_));
    contents = ClassifyContents(page0, static_cast<uint64_t>(n), static_cast<uint64_t>(st.st_size),
                                HeaderRole::kDevice, &old);
    if (refused()) return RefuseContents(path_, HeaderRole::kDevice, contents);
  }
  // Resize a regular file we may format, if asked for another size.
  if (regular && !fresh && options.size_bytes != 0 && options.size_bytes != static_cast<uint64_t>(st.st_size) &&
      ftruncate(fd_, static_cast<off_t>(options.size_bytes)) != 0) {
    return Status::FromErrno(errno, fmt::format("resize '{}'", path_));
  }
  Status s = map();
  if (!s.ok()) return s;
  if (!fresh && !regular) {
    contents = ClassifyContents(base_, size_bytes_, size_bytes_, HeaderRole::kDevice, &old);
    if (refused()) return RefuseContents(path_, HeaderRole::kDevice, contents);
  }
  s = ValidateSize(size_bytes_, fmt::format("device '{}' size", path_));
  if (!s.ok()) return s;
  // The header page and the first pages the allocator hands out get their
  // file blocks now, so that a full file system fails here, before any store.
  reserved_end_pfn_ = std::min(nr_pages(), kReserveChunkPages);
  s = reserve(0, reserved_end_pfn_);
  if (!s.ok()) return s;
  return format_header(contents == PathContents::kOurs ? old.format_count : 0);
}

Status PmemDevice::reserve(uint64_t first_pfn, uint64_t end_pfn) const {
  if (kind_ == DeviceKind::kDeviceDax || end_pfn <= first_pfn) return Status::Ok();
  const int err = posix_fallocate(fd_, static_cast<off_t>(first_pfn * kPageSize),
                                  static_cast<off_t>((end_pfn - first_pfn) * kPageSize));
  if (err == 0) return Status::Ok();
  const std::string what = fmt::format("allocate the file blocks of pages {}..{} of device '{}'",
                                       first_pfn, end_pfn - 1, path_);
  if (err == ENOSPC) {
    return Status::NoSpace(fmt::format("{}: its file system is full (free space, or pass a smaller --size or "
                                       "another --device)", what));
  }
  return Status::FromErrno(err, what);
}

Status PmemDevice::map() {
  int rc = pmem2_source_from_fd(&source_, fd_);
  if (rc != 0) return Pmem2Error(rc, "pmem2_source_from_fd", path_);
  struct stat st {};
  const bool is_chr = fstat(fd_, &st) == 0 && S_ISCHR(st.st_mode);
  kind_ = is_chr ? DeviceKind::kDeviceDax : DeviceKind::kRegularFile;

  pmem2_config* cfg = nullptr;
  rc = pmem2_config_new(&cfg);
  if (rc != 0) return Pmem2Error(rc, "pmem2_config_new", path_);
  // Ask for CACHE_LINE (the most we need); fall back to PAGE on a plain file.
  rc = pmem2_config_set_required_store_granularity(cfg, PMEM2_GRANULARITY_CACHE_LINE);
  if (rc == 0) rc = pmem2_map_new(&map_, cfg, source_);
  if (rc == PMEM2_E_GRANULARITY_NOT_SUPPORTED) {
    rc = pmem2_config_set_required_store_granularity(cfg, PMEM2_GRANULARITY_PAGE);
    if (rc == 0) rc = pmem2_map_new(&map_, cfg, source_);
  }
  Status s = rc == 0 ? Status::Ok() : Pmem2Error(rc, "pmem2_map_new", path_);
  if (rc == -ENOMEM) {
    s = Status::InvalidArgument(fmt::format(
        "device '{}' ({} bytes) does not fit in this process's address space; choose a smaller --size",
        path_, st.st_size));
  }
  pmem2_config_delete(&cfg);
  if (!s.ok()) return s;

  base_ = static_cast<char*>(pmem2_map_get_address(map_));
  size_bytes_ = pmem2_map_get_size(map_) / kPageSize * kPageSize;
  if (!is_chr) guard_slot_ = GuardRange(base_, size_bytes_);
  granularity_ = FromPmem2(pmem2_map_get_store_granularity(map_));
  map_sync_ = ProbeMapSync(fd_);
  if (kind_ == DeviceKind::kRegularFile && map_sync_) kind_ = DeviceKind::kDaxFile;
  memcpy_fn_ = reinterpret_cast<void*>(pmem2_get_memcpy_fn(map_));
  memset_fn_ = reinterpret_cast<void*>(pmem2_get_memset_fn(map_));
  drain_fn_ = reinterpret_cast<void*>(pmem2_get_drain_fn(map_));
  persist_fn_ = reinterpret_cast<void*>(pmem2_get_persist_fn(map_));
  return Status::Ok();
}

Status PmemDevice::format_header(uint64_t previous_format_count) {
  char page[kPageSize] = {};
  DeviceHeader h;
  BuildDeviceHeader(HeaderRole::kDevice, size_bytes_, previous_format_count + 1, &h);
  std::memcpy(page, &h, sizeof(h));
  memcpy_nodrain(base_, page, sizeof(page));
  header_ = h;
  return sync_range(base_, kPageSize);
}

Status PmemDevice::sync_range(void* addr, size_t len) const {
  if (granularity_ == StoreGranularity::kPage) {
    // libpmem2 would abort() on an msync failure; do it ourselves.
    if (msync(addr, len, MS_SYNC) != 0) return Status::FromErrno(errno, fmt::format("msync '{}'", path_));
    return Status::Ok();
  }
  reinterpret_cast<pmem2_persist_fn>(persist_fn_)(addr, len);
  return Status::Ok();
}

void PmemDevice::memcpy_nodrain(void* dst, const void* src, size_t len) const {
  const unsigned flags = granularity_ == StoreGranularity::kPage
                             ? PMEM2_F_MEM_NOFLUSH
                             : (PMEM2_F_MEM_NODRAIN | PMEM2_F_MEM_NONTEMPORAL);
  reinterpret_cast<pmem2_memcpy_fn>(memcpy_fn_)(dst, src, len, flags);
}

void PmemDevice::memset_nodrain(void* dst, int c, size_t len) const {
  const unsigned flags = granularity_ == StoreGranularity::kPage
                             ? PMEM2_F_MEM_NOFLUSH
                             : (PMEM2_F_MEM_NODRAIN | PMEM2_F_MEM_NONTEMPORAL);
  reinterpret_cast<pmem2_memset_fn>(memset_fn_)(dst, c, len, flags);
}

void PmemDevice::drain() const { reinterpret_cast<pmem2_drain_fn>(drain_fn_)(); }

Status PmemDevice::sync_all() const {
  drain();
  return sync_range(base_, size_bytes_);
}

Status PmemDevice::count_badblocks(uint64_t* count) const {
  pmem2_badblock_context* ctx = nullptr;
  int rc = pmem2_badblock_context_new(&ctx, source_);
  if (rc != 0) return Pmem2Error(rc, "pmem2_badblock_context_new", path_);
  *count = 0;
  pmem2_badblock bb{};
  while ((rc = pmem2_badblock_next(ctx, &bb)) == 0) ++*count;
  pmem2_badblock_context_delete(&ctx);
  if (rc != PMEM2_E_NO_BAD_BLOCK_FOUND) return Pmem2Error(rc, "pmem2_badblock_next", path_);
  return Status::Ok();
}

Status PmemDevice::check_backing() const {
  if (kind_ == DeviceKind::kDeviceDax) return Status::Ok();
  uint64_t first = 0;
  const uint64_t faults = GuardedFaults(guard_slot_, &first);
  struct stat st {};
  const bool shrank = fstat(fd_, &st) == 0 && static_cast<uint64_t>(st.st_size) < size_bytes_;
  if (faults == 0 && !shrank) return Status::Ok();
  return Status::IoError(fmt::format(
      "device '{}' was truncated by another process during the run: the file is {} bytes, the mapping {}; "
      "{} SIGBUS faults on the mapping (the first at byte {}); the run's data checks past that point are void",
      path_, st.st_size, size_bytes_, faults, first));
}

void PmemDevice::unlink_if_created() const {
  if (created_) unlink(path_.c_str());
}

PmemDevice::~PmemDevice() {
  UnguardRange(guard_slot_);
  if (map_ != nullptr) pmem2_map_delete(&map_);
  if (source_ != nullptr) pmem2_source_delete(&source_);
  if (fd_ >= 0) close(fd_);
}

}  // namespace daxbreak
