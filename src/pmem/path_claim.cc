#include "daxbreak/pmem/path_claim.h"

#include <fmt/format.h>

namespace daxbreak {

PathContents ClassifyContents(const void* page0, uint64_t len, uint64_t file_bytes,
                              HeaderRole role, DeviceHeader* header) {
  if (file_bytes == 0) return PathContents::kEmpty;
  if (ParseDeviceHeader(page0, len, role, header)) return PathContents::kOurs;
  return PathContents::kForeign;
}

Status RefuseForeign(const std::string& path, std::string_view what) {
  return Status::Refused(fmt::format(
      "{} '{}' holds data daxbreak did not write (no {} header); refusing to format it. "
      "Pass --force to overwrite it, or choose another path",
      what, path, what == "device" ? HeaderMagic(HeaderRole::kDevice) : HeaderMagic(HeaderRole::kDisk)));
}

}  // namespace daxbreak
