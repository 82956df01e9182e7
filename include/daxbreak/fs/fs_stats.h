// FsStats: counters of what the modeled file system did, for reports.
//
// Thread-safety: relaxed atomics; any thread may bump or read them.

#ifndef DAXBREAK_FS_FS_STATS_H_
#define DAXBREAK_FS_FS_STATS_H_

#include <atomic>
#include <cstdint>

namespace daxbreak {

struct FsStats {
  std::atomic<uint64_t> faults{0};            // dax_iomap_pte_fault calls.
  std::atomic<uint64_t> blocks_allocated{0};
  std::atomic<uint64_t> blocks_freed{0};
  std::atomic<uint64_t> unwritten_converted{0};  // Unwritten blocks zeroed and written.
  std::atomic<uint64_t> truncates{0};         // Size changes (down or up) that completed.
  std::atomic<uint64_t> punch_holes{0};
  std::atomic<uint64_t> zero_ranges{0};
  std::atomic<uint64_t> collapse_ranges{0};
  std::atomic<uint64_t> insert_ranges{0};
  std::atomic<uint64_t> preallocs{0};         // fallocate mode 0 / KEEP_SIZE.
  std::atomic<uint64_t> breaks{0};            // break_layouts calls.
  std::atomic<uint64_t> break_waits{0};       // Busy pages waited for.
  std::atomic<uint64_t> break_interrupted{0};
  std::atomic<uint64_t> remaps{0};            // xfs two-inode remaps that completed.
  std::atomic<uint64_t> window_reclaims{0};   // virtiofs DAX windows reclaimed.
};

}  // namespace daxbreak

#endif  // DAXBREAK_FS_FS_STATS_H_
