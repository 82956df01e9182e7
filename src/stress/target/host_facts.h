// What kernel mode reads off the running kernel: whether a file is DAX, its
// file system, the GUP pin counters, where a thread sleeps. Linux only; each
// reader says what it returns where the kernel does not provide it.
//
// Thread-safety: pure functions or one-shot reads of /proc and /sys.

#ifndef DAXBREAK_SRC_STRESS_TARGET_HOST_FACTS_H_
#define DAXBREAK_SRC_STRESS_TARGET_HOST_FACTS_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daxbreak/base/status.h"

namespace daxbreak {

// Whether the open file `fd` is accessed through DAX: STATX_ATTR_DAX of
// statx(2) (Linux 5.8+). Errors: kEnvironment when statx fails or the kernel
// does not report the attribute.
Status IsDaxFile(int fd, bool* dax);

// The file system type of `fd` from fstatfs(2)'s magic: "ext4", "xfs",
// "tmpfs", ... or the magic in hex when unknown.
std::string FsTypeName(int fd);

// The pin counters of /proc/vmstat (mm/gup.c: each FOLL_PIN page counts in
// nr_foll_pin_acquired, each unpin in nr_foll_pin_released; Linux 5.7+).
struct FollPinCounts {
  std::optional<uint64_t> acquired;  // nullopt: the kernel has no such line.
  std::optional<uint64_t> released;
};
// Parses the text of /proc/vmstat ("name value" lines).
FollPinCounts ParseFollPinCounts(std::string_view vmstat);
// Reads /proc/vmstat (both nullopt when unreadable).
FollPinCounts ReadFollPinCounts();

// /proc/self/task/<tid>/wchan: the function thread `tid` sleeps in ("0" or
// "" when running; "?" when unreadable).
std::string ThreadWchan(pid_t tid);
// /proc/self/task/<tid>/stack, one frame per line without the addresses
// ("" when unreadable: it needs root).
std::string ThreadStack(pid_t tid);
// Where thread `tid` sleeps, for a stall report: "wchan W, stack A <- B",
// or "wchan W" when the stack is unreadable.
std::string ThreadWhere(pid_t tid);

}  // namespace daxbreak

#endif  // DAXBREAK_SRC_STRESS_TARGET_HOST_FACTS_H_
