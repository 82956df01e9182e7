// The on-device header daxbreak writes into page 0 of every device and disk
// file it formats. It proves that daxbreak wrote the path (so it may format
// it again without --force) and records the geometry.
//
// Thread-safety: plain value type and pure functions.

#ifndef DAXBREAK_BASE_DEVICE_HEADER_H_
#define DAXBREAK_BASE_DEVICE_HEADER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace daxbreak {

// Bytes per device page (PAGE_SIZE on x86-64). Pfns count these.
inline constexpr uint64_t kPageSize = 4096;

// What a formatted path is for; part of the magic.
enum class HeaderRole : uint32_t {
  kDevice = 1,  // The mapped pmem device (--device).
  kDisk = 2,    // The O_DIRECT backing "disk" (--disk).
};

inline constexpr uint32_t kHeaderVersion = 1;

// Layout in page 0, little-endian, 64 bytes; the rest of the page is zero.
struct DeviceHeader {
  char magic[16];          // "DAXBREAK-DEVICE" or "DAXBREAK-DISK", NUL padded.
  uint32_t version;        // kHeaderVersion.
  uint32_t page_size;      // kPageSize.
  uint64_t size_bytes;     // Bytes of the whole device or disk file.
  uint64_t nr_pages;       // size_bytes / page_size.
  uint64_t first_data_pfn; // First page after the header (1).
  uint64_t format_count;   // How many times daxbreak formatted it.
  uint64_t checksum;       // XXH64 of the 56 bytes before it.
};
static_assert(sizeof(DeviceHeader) == 64);

// Fills `out` for a path of `size_bytes` with the given role; `format_count`
// is the previous count plus one.
void BuildDeviceHeader(HeaderRole role, uint64_t size_bytes, uint64_t format_count,
                       DeviceHeader* out);

// What the first bytes of a path hold.
enum class HeaderState {
  kValid,      // A header of the asked role: magic, version, page size, checksum.
  kOtherRole,  // A valid header of the other role.
  kCorrupt,    // A daxbreak magic, but the version, page size or checksum is wrong.
  kAbsent,     // No daxbreak magic (or fewer than 64 bytes).
};

// Reads the header in the first `len` bytes at `page0` as one of `role`. On
// kValid copies it to `out`.
HeaderState ReadDeviceHeader(const void* page0, size_t len, HeaderRole role, DeviceHeader* out);

// "DAXBREAK-DEVICE" / "DAXBREAK-DISK".
std::string_view HeaderMagic(HeaderRole role);

}  // namespace daxbreak

#endif  // DAXBREAK_BASE_DEVICE_HEADER_H_
