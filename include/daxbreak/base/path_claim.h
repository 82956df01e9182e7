// Claiming the paths a run writes: the pmem device, the O_DIRECT disk file and
// the report. The rules, for every path alike:
//
//  - A path that is absent or empty is ours to create, except under /dev
//    (/dev/shm aside), where daxbreak never creates a file (a missing /dev/dax0.0 is a missing
//    device, not a name for a new file).
//  - One that holds a valid daxbreak header of the right role is ours to
//    reformat. Anything else (no header, a corrupt header, a header of the
//    other role) is refused with exit 2 unless the user said --force, and a
//    refused path is never written to.
//  - Two paths of one run must not name one file (compared by device and
//    inode, so "./x", a hard link or a symlink count as the same file).
//  - A path in use is locked (flock) for the whole run; a second run is refused
//    with the pid that holds it.
//
// Thread-safety: pure functions over paths and file descriptors.

#ifndef DAXBREAK_BASE_PATH_CLAIM_H_
#define DAXBREAK_BASE_PATH_CLAIM_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daxbreak/base/status.h"
#include "daxbreak/base/device_header.h"

namespace daxbreak {

enum class PathContents {
  kEmpty,      // Zero bytes (or just created).
  kOurs,       // A valid daxbreak header of the expected role.
  kOtherRole,  // A valid daxbreak header of the other role (a disk as device).
  kCorrupt,    // A daxbreak magic whose version, page size or checksum is wrong.
  kForeign,    // Anything else.
};

// Classifies the first page of a path already read into `page0` (`len` bytes
// available; `file_bytes` the file size). On kOurs fills `header`.
PathContents ClassifyContents(const void* page0, uint64_t len, uint64_t file_bytes,
                              HeaderRole role, DeviceHeader* header);

// "device" or "disk".
std::string_view RoleName(HeaderRole role);

// The refusal for `contents` (kOtherRole, kCorrupt or kForeign) at `path`:
// kRefused naming the path, what is wrong and what to do.
Status RefuseContents(const std::string& path, HeaderRole role, PathContents contents);

// A file's identity: the device and inode numbers of stat(2).
struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const FileId&) const = default;
};

// The identity of the file `path` names (symlinks followed), or nullopt when
// it does not exist or cannot be stat'ed.
std::optional<FileId> PathFileId(const std::string& path);
// The identity of the open file `fd` (which must be valid).
FileId FdFileId(int fd);

// Refuses to create `path` when it lies under /dev, /dev/shm excepted (after
// resolving its directory): kEnvironment "no such device". `what` names the option, e.g.
// "--device". OK for any other path.
Status CheckCreatable(const std::string& path, std::string_view what);

// Takes an exclusive, non-blocking flock(2) on `fd`, held until the last
// descriptor of that open file is closed. Errors: kRefused naming `path`,
// `what` and the pid that holds the lock (from /proc/locks; "another
// process" when it cannot be found); kIoError for other flock failures.
Status LockExclusive(int fd, const std::string& path, std::string_view what);

// The pid that holds a flock on the file `id` according to /proc/locks, or
// 0 when none is listed.
pid_t FlockHolderPid(const FileId& id);

}  // namespace daxbreak

#endif  // DAXBREAK_BASE_PATH_CLAIM_H_
