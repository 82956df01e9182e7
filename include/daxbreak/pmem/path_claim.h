// Deciding whether daxbreak may format a path. The rule, for the device and
// the disk file alike: a path that is absent or empty is ours to create; one
// that holds a valid daxbreak header of the right role is ours to reformat;
// anything else holds data daxbreak did not write and is refused (exit 2)
// unless the user said --force. A refused path is never written to.
//
// Thread-safety: pure functions over file descriptors.

#ifndef DAXBREAK_PMEM_PATH_CLAIM_H_
#define DAXBREAK_PMEM_PATH_CLAIM_H_

#include <cstdint>
#include <string>

#include "daxbreak/base/status.h"
#include "daxbreak/pmem/device_header.h"

namespace daxbreak {

enum class PathContents {
  kEmpty,    // Zero bytes (or just created).
  kOurs,     // A valid daxbreak header of the expected role.
  kForeign,  // Anything else.
};

// Classifies the first page of a path already read into `page0` (`len` bytes
// available; `file_bytes` the file size). On kOurs fills `header`.
PathContents ClassifyContents(const void* page0, uint64_t len, uint64_t file_bytes,
                              HeaderRole role, DeviceHeader* header);

// The refusal for a foreign path: kRefused naming `path` and what to do.
Status RefuseForeign(const std::string& path, std::string_view what);

}  // namespace daxbreak

#endif  // DAXBREAK_PMEM_PATH_CLAIM_H_
