// StressConfig: everything a `daxbreak stress` run is configured by, with its
// validation. The CLI fills it; tests and examples may fill it directly.
//
// Thread-safety: a plain value.

#ifndef DAXBREAK_STRESS_STRESS_CONFIG_H_
#define DAXBREAK_STRESS_STRESS_CONFIG_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "daxbreak/base/status.h"
#include "daxbreak/fs/protocol.h"
#include "daxbreak/mm/mm_struct.h"

namespace daxbreak {

// The layout changes the collision workload runs (--ops).
enum class LayoutOp : uint32_t {
  kTruncate,  // ftruncate down, then back up.
  kPunch,     // FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE.
  kZero,      // FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE.
  kCollapse,  // FALLOC_FL_COLLAPSE_RANGE, then back up to size.
  kInsert,    // FALLOC_FL_INSERT_RANGE, then back down to size.
  kPrealloc,  // FALLOC_FL_KEEP_SIZE: unwritten extents over the holes.
};
inline constexpr uint32_t kLayoutOps = 6;
inline constexpr uint32_t kAllLayoutOps = (1u << kLayoutOps) - 1;
inline constexpr uint32_t LayoutOpBit(LayoutOp op) { return 1u << static_cast<uint32_t>(op); }
// "truncate", "punch", "zero", "collapse", "insert", "prealloc".
std::string_view LayoutOpName(LayoutOp op);
// Parses a comma-separated list of op names into a bit mask. Errors:
// kInvalidArgument naming the unknown op (an empty list too).
Status ParseLayoutOps(std::string_view csv, uint32_t* mask);
// The names of the ops in `mask`, comma-separated.
std::string LayoutOpList(uint32_t mask);

struct StressConfig {
  std::string scenario = "collision";
  std::string device_path = "daxbreak.pmem";  // --device
  uint64_t device_bytes = 0;                  // --size; 0: 64 MiB new, or keep.
  bool force = false;                         // --force
  std::string disk_path = "daxbreak.disk";    // --disk
  uint64_t disk_bytes = 16ULL << 20;          // --disk-size
  uint32_t threads = 2;                       // --threads: DIO threads.
  std::chrono::nanoseconds duration = std::chrono::seconds(10);  // --duration
  uint64_t max_ops = 0;                       // --max-ops: stop after this many layout ops (0: no limit).
  uint32_t layout_ops = kAllLayoutOps;        // --ops: LayoutOpBit()s.
  uint64_t seed = 0;                          // --seed (random when not given).
  const ProtocolTraits* protocol = &DefaultProtocol();  // --protocol
  TlbFlushMode tlb_flush = TlbFlushMode::kIpi;          // --tlb-flush
  uint32_t queue_depth = 1;                   // --queue-depth: per DIO thread
                                              // (1: generic/503's synchronous pread).
  uint32_t victim_pages = 4;                  // --file-pages: size of the mapped file.
  uint32_t noise_per_million = 100000;        // --noise: sync points that spin (per 1e6).
  uint32_t noise_max_ns = 20000;              // --noise-max: longest spin (ns).
  bool stop_on_violation = false;             // --stop-on-violation: end at the first one.
  // --stall-timeout: a layout change that makes no progress this long is a
  // `stall` finding (check/stall.h classifies it) and ends the run.
  std::chrono::nanoseconds stall_timeout = std::chrono::seconds(5);
  bool progress = false;                      // Live status line on stderr.
  uint32_t status_width = 80;                 // Columns the status line may use.
  // When set and it becomes non-zero (a signal number, stored by a signal
  // handler), the run stops and reports what ran. Not part of to_json(). A
  // plain atomic, not the sync layer's: a signal handler writes it.
  const std::atomic<int>* interrupt = nullptr;

  // Checks ranges and combinations. Errors: kInvalidArgument naming the
  // option and the bad value.
  Status validate() const;
  // The configuration as JSON (echoed in the report).
  nlohmann::json to_json() const;
};

// The checks of the options `stress` and `kernel` share: --threads 1..64,
// --queue-depth 1..256, --file-pages 2..1024, a positive --duration unless
// --max-ops is given, a non-empty --ops mask. Errors: kInvalidArgument naming
// the option and the bad value.
Status ValidateCollisionShape(uint32_t threads, uint32_t queue_depth, uint32_t victim_pages,
                              std::chrono::nanoseconds duration, uint64_t max_ops, uint32_t layout_ops);

// A seed from the system's random source.
uint64_t RandomSeed();

}  // namespace daxbreak

#endif  // DAXBREAK_STRESS_STRESS_CONFIG_H_
