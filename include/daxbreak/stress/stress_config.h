// StressConfig: everything a stress run is configured by, on either target
// (the model over a pmem device, or a real fs-dax mount), with its one
// validation and its one JSON form. `daxbreak stress` and `daxbreak kernel`
// fill it; tests and examples may fill it directly.
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
#include "daxbreak/fs/fs_model.h"
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
// The same names as a JSON array (the report's "config.ops"), in bit order.
nlohmann::json LayoutOpArray(uint32_t mask);

// Where a stress run runs (stress/target.h).
enum class TargetKind : uint32_t {
  kModel = 1,   // The model: DaxFs and its mm over a pmem device, real io_uring DIO.
  kKernel = 2,  // The running kernel: a file of a real fs-dax mount, real system calls.
};
// "model", "kernel".
std::string_view TargetKindName(TargetKind kind);
// Parses "model" or "kernel". Errors: kInvalidArgument naming `text`.
Status ParseTargetKind(std::string_view text, TargetKind* out);

// What the DIO threads of the collision scenario do (--dio).
struct DioMode {
  bool read = true;    // Disk into the mapping (the pin is FOLL_WRITE).
  bool write = false;  // The mapping to the disk.
};
// "read", "write", "read,write". Errors: kInvalidArgument naming `text`.
Status ParseDioMode(std::string_view text, DioMode* out);
std::string DioModeName(DioMode mode);

struct StressConfig {
  std::string scenario = "collision";         // --scenario: a row of stress/stress_scenario.h.
  TargetKind target = TargetKind::kModel;     // --target
  // Model target only.
  std::string device_path = "daxbreak.pmem";  // --device
  uint64_t device_bytes = 0;                  // --size; 0: 64 MiB new, or keep.
  // Kernel target only: the victim file, on a DAX mount; the scenario's
  // other files are created beside it ("PATH.w0", ...).
  std::string file_path = "daxbreak.victim";  // --file
  bool force = false;                         // --force
  std::string disk_path = "daxbreak.disk";    // --disk
  uint64_t disk_bytes = 16ULL << 20;          // --disk-size (bytes)
  uint32_t threads = 2;                       // --threads: DIO threads (collision),
                                              // buffered writers (cached-mapping).
  DioMode dio;                                // --dio
  std::chrono::nanoseconds duration = std::chrono::seconds(10);  // --duration
  uint64_t max_ops = 0;                       // --max-ops: stop after this many layout ops (0: no limit).
  uint32_t layout_ops = kAllLayoutOps;        // --ops: LayoutOpBit()s.
  uint64_t seed = 0;                          // --seed (random when not given).
  const ProtocolTraits* protocol = &DefaultProtocol();  // --protocol (model)
  const FsModel* fs = &DefaultFsModel();                // --fs (model): fs/fs_model.h
  TlbFlushMode tlb_flush = TlbFlushMode::kIpi;          // --tlb-flush (model)
  DaxPageSize page_size = DaxPageSize::k4K;             // --page-size (model; docs/models/dax-pmd.md)
  uint32_t queue_depth = 1;                   // --queue-depth: per DIO thread
                                              // (1: generic/503's synchronous pread).
  uint32_t victim_pages = 4;                  // --file-pages: size of the mapped file.
  uint32_t noise_per_million = 100000;        // --noise (model): sync points that spin (per 1e6).
  uint32_t noise_max_ns = 20000;              // --noise-max (model): longest spin (ns).
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

  // Checks ranges and combinations, and that the scenario exists and runs
  // on the target. Errors: kInvalidArgument naming the option and the bad
  // value.
  Status validate() const;
  // The configuration as JSON (echoed in the report): the common options
  // and those of the chosen target, under their option names.
  nlohmann::json to_json() const;
};

// A seed from the system's random source.
uint64_t RandomSeed();

}  // namespace daxbreak

#endif  // DAXBREAK_STRESS_STRESS_CONFIG_H_
