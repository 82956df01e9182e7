// PmemDevice: a persistent-memory device mapped through libpmem2. The backing
// path may be a regular file (created at the requested size when absent; a
// stand-in for pmem), a file on an fs-dax mount (MAP_SYNC, CACHE_LINE
// granularity), or a device-dax character device. Page 0 holds daxbreak's
// header; pages 1.. are the device pages the modeled file system hands out,
// addressed by pfn.
//
// A regular file is sparse: only the pages the run touches get file blocks
// (reserve()), so a 1 TiB device costs what the run uses.
//
// Thread-safety: after Open() the object is immutable; page_address(),
// memcpy_nodrain(), persist() and reserve() may be called from any thread (callers
// serialize access to the bytes of a page themselves).

#ifndef DAXBREAK_PMEM_PMEM_DEVICE_H_
#define DAXBREAK_PMEM_PMEM_DEVICE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "daxbreak/base/status.h"
#include "daxbreak/base/device_header.h"

struct pmem2_map;
struct pmem2_source;
struct stat;

namespace daxbreak {

// What the path is.
enum class DeviceKind {
  kRegularFile,  // A plain file (page cache; PAGE granularity).
  kDaxFile,      // A file on an fs-dax mount (MAP_SYNC held).
  kDeviceDax,    // A device-dax character device.
};

// libpmem2's store granularity: the unit a store must be flushed in to persist.
enum class StoreGranularity { kByte, kCacheLine, kPage };

std::string_view DeviceKindName(DeviceKind kind);
std::string_view StoreGranularityName(StoreGranularity g);

struct PmemDeviceOptions {
  std::string path;          // Backing path.
  uint64_t size_bytes = 0;   // Size to create or grow a regular file to; 0:
                             // keep an existing file's size (64 MiB if new).
  bool force = false;        // Format a path that holds foreign data.
};

class PmemDevice {
 public:
  // Pages whose file blocks Open() allocates and that each later reserve()
  // by the block allocator covers (2 MiB).
  static constexpr uint64_t kReserveChunkPages = 512;

  // Opens, locks (flock, held while the object lives), maps and formats
  // `options.path`, and allocates the file blocks of the header and the first
  // kReserveChunkPages pages. A file this call created is removed again when
  // it fails. Errors: kInvalidArgument (bad size: not a multiple of 4 KiB,
  // under 1 MiB, larger than the file system allows), kRefused (foreign or
  // corrupt contents and no force, or another process holds the lock; the
  // path is left byte-for-byte unchanged), kNoSpace (its file system is
  // full), kEnvironment (a block device, a directory, a missing path under
  // /dev, libpmem2 failures, with its message), kIoError.
  static Status Open(const PmemDeviceOptions& options, std::unique_ptr<PmemDevice>* out);

  ~PmemDevice();
  PmemDevice(const PmemDevice&) = delete;
  PmemDevice& operator=(const PmemDevice&) = delete;

  const std::string& path() const { return path_; }
  DeviceKind kind() const { return kind_; }
  StoreGranularity granularity() const { return granularity_; }
  // Whether a probe mmap(MAP_SHARED_VALIDATE | MAP_SYNC) of the path worked.
  bool map_sync() const { return map_sync_; }
  uint64_t size_bytes() const { return size_bytes_; }
  // Device pages in all (pfn 0 .. nr_pages()-1; pfn 0 is the header).
  uint64_t nr_pages() const { return size_bytes_ / kPageSize; }
  // The first pfn the file system may use.
  uint64_t first_data_pfn() const { return 1; }
  const DeviceHeader& header() const { return header_; }
  // The open descriptor of the path (for identity checks; do not close it).
  int fd() const { return fd_; }

  // Allocates the file blocks behind device pages [first_pfn, end_pfn)
  // (posix_fallocate), so that a store to them cannot raise SIGBUS on a full
  // file system. A no-op for device-dax, whose pages always exist. Pages
  // [0, reserved_end_pfn()) were reserved by Open(). Thread-safe. Errors:
  // kNoSpace naming the device and the pages, kIoError.
  Status reserve(uint64_t first_pfn, uint64_t end_pfn) const;
  // The end of the pages Open() reserved.
  uint64_t reserved_end_pfn() const { return reserved_end_pfn_; }

  // The mapped address of device page `pfn` (kPageSize bytes). pfn must be
  // below nr_pages().
  char* page_address(uint64_t pfn) const { return base_ + pfn * kPageSize; }

  // Copies `len` bytes to pmem at `dst` through libpmem2's memcpy, flushed
  // (but not drained) where the granularity makes that cheap; at PAGE
  // granularity the flush is left to sync_all().
  void memcpy_nodrain(void* dst, const void* src, size_t len) const;
  // Sets `len` bytes at `dst` to `c` the same way.
  void memset_nodrain(void* dst, int c, size_t len) const;
  // Waits for earlier flushes (libpmem2's drain).
  void drain() const;
  // Makes [addr, addr + len) durable (libpmem2's persist; msync at PAGE
  // granularity, where libpmem2 would abort on an error). Errors: kIoError.
  Status persist(void* addr, size_t len) const { return sync_range(addr, len); }
  // Makes the whole device durable. At PAGE granularity it calls msync itself
  // (libpmem2 would abort on an msync error). Errors: kIoError.
  Status sync_all() const;

  // Whether the mapping is still whole: kIoError naming the device when
  // another process truncated its file under the run, seen as SIGBUS faults
  // on the mapping (each faulting page was replaced by a zero page so that
  // the run could end and report: pmem/sigbus_guard.h) or as a file now
  // smaller than the mapping. OK for device-dax. Thread-safe.
  Status check_backing() const;

  // Removes the path if Open() created it: a run refused after its device
  // was made (a bad --disk) leaves no file behind. The object stays usable
  // until it is destroyed. Not thread-safe.
  void unlink_if_created() const;

  // Counts the bad blocks libpmem2 reports (none on a plain file). Errors:
  // kEnvironment with libpmem2's message.
  Status count_badblocks(uint64_t* count) const;

 private:
  PmemDevice() = default;
  // Opens (or creates and sizes) the path; fills `st` for a path that existed.
  Status open_backing(const PmemDeviceOptions& options, struct ::stat* st, bool* created);
  // Refuses foreign data, maps, resizes a file of ours if asked, writes the
  // header. `fresh`: the path was created or empty.
  Status claim_and_format(const PmemDeviceOptions& options, const struct ::stat& st, bool fresh);
  Status map();
  Status format_header(uint64_t previous_format_count);
  Status sync_range(void* addr, size_t len) const;

  std::string path_;
  int fd_ = -1;
  DeviceKind kind_ = DeviceKind::kRegularFile;
  StoreGranularity granularity_ = StoreGranularity::kPage;
  bool map_sync_ = false;
  uint64_t size_bytes_ = 0;
  uint64_t reserved_end_pfn_ = 0;
  char* base_ = nullptr;
  bool created_ = false;   // Open() created the path.
  int guard_slot_ = -1;    // pmem/sigbus_guard.h slot of the mapping.
  DeviceHeader header_{};
  pmem2_source* source_ = nullptr;
  pmem2_map* map_ = nullptr;
  void* memcpy_fn_ = nullptr;   // pmem2_memcpy_fn
  void* memset_fn_ = nullptr;   // pmem2_memset_fn
  void* drain_fn_ = nullptr;    // pmem2_drain_fn
  void* persist_fn_ = nullptr;  // pmem2_persist_fn
};

}  // namespace daxbreak

#endif  // DAXBREAK_PMEM_PMEM_DEVICE_H_
