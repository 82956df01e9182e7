#include "daxbreak/base/device_header.h"

#include <cstring>

#include <xxhash.h>

namespace daxbreak {
namespace {

uint64_t HeaderChecksum(const DeviceHeader& h) {
  return XXH64(&h, offsetof(DeviceHeader, checksum), /*seed=*/0x64617862ULL);
}

}  // namespace

std::string_view HeaderMagic(HeaderRole role) {
  return role == HeaderRole::kDevice ? "DAXBREAK-DEVICE" : "DAXBREAK-DISK";
}

void BuildDeviceHeader(HeaderRole role, uint64_t size_bytes, uint64_t format_count,
                       DeviceHeader* out) {
  std::memset(out, 0, sizeof(*out));
  const std::string_view magic = HeaderMagic(role);
  std::memcpy(out->magic, magic.data(), magic.size());
  out->version = kHeaderVersion;
  out->page_size = static_cast<uint32_t>(kPageSize);
  out->size_bytes = size_bytes;
  out->nr_pages = size_bytes / kPageSize;
  out->first_data_pfn = 1;
  out->format_count = format_count;
  out->checksum = HeaderChecksum(*out);
}

HeaderState ReadDeviceHeader(const void* page0, size_t len, HeaderRole role, DeviceHeader* out) {
  if (len < sizeof(DeviceHeader)) return HeaderState::kAbsent;
  DeviceHeader h;
  std::memcpy(&h, page0, sizeof(h));
  const auto has_magic = [&h](HeaderRole r) {
    const std::string_view magic = HeaderMagic(r);
    return std::memcmp(h.magic, magic.data(), magic.size()) == 0 && h.magic[magic.size()] == '\0';
  };
  const HeaderRole other = role == HeaderRole::kDevice ? HeaderRole::kDisk : HeaderRole::kDevice;
  const bool mine = has_magic(role);
  if (!mine && !has_magic(other)) return HeaderState::kAbsent;
  if (h.version != kHeaderVersion || h.page_size != kPageSize || h.checksum != HeaderChecksum(h)) {
    return HeaderState::kCorrupt;
  }
  if (!mine) return HeaderState::kOtherRole;
  *out = h;
  return HeaderState::kValid;
}

}  // namespace daxbreak
