// Kernel mode (`daxbreak kernel`): the collision workload of `stress`, run
// through real system calls on a file of a real fs-dax mount, so that the
// kernel is the protocol under test and the model's oracle checks its data.
//
//   collision  --threads DIO threads loop io_uring O_DIRECT reads (and/or
//              writes) between a non-DAX disk file of stamped blocks and a
//              MAP_SHARED mapping of the victim; a layout thread runs the
//              --ops changes through ftruncate(2) and fallocate(2); a writer
//              keeps creating, stamping, verifying and removing other files
//              on the same file system, so that freed blocks are reused; a
//              final pass checks every block. The shape of xfstests
//              generic/503, but with written source data, so that the reads
//              really pin the mapping's pages.
//   refault    the sequence of PROTOCOL.md section 6: take a reference to the
//              mapped page 0 (vmsplice into a pipe), start a truncate that
//              sleeps on it, fault page 0 back in, drop the reference. Up to
//              6.14 the truncate returns; from 6.15 the mapping's own
//              reference keeps it asleep until munmap.
//
// A run that took no pin (collision) or whose truncate never slept on the
// reference (refault) tested nothing: it says so and exits 3. A layout
// change that makes no progress for --stall-timeout is a `stall` finding,
// classified as check/stall.h says.
//
// Thread-safety: RunKernel() may be called from one thread at a time: it
// installs a process-wide SIGUSR1 handler.

#ifndef DAXBREAK_KERNEL_KERNEL_RUNNER_H_
#define DAXBREAK_KERNEL_KERNEL_RUNNER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "daxbreak/base/status.h"
#include "daxbreak/check/stall.h"
#include "daxbreak/stress/stress_config.h"

namespace daxbreak {

struct KernelConfig {
  std::string scenario = "collision";          // --scenario collision | refault
  std::string file_path = "daxbreak.victim";   // --file: on a DAX mount.
  bool force = false;                          // --force
  std::string disk_path = "daxbreak.disk";     // --disk: on a non-DAX file system.
  uint64_t disk_bytes = 16ULL << 20;           // --disk-size (bytes).
  uint32_t threads = 2;                        // --threads: DIO threads.
  bool dio_read = true;                        // --dio read|write|read,write
  bool dio_write = false;
  std::chrono::nanoseconds duration = std::chrono::seconds(10);  // --duration
  uint64_t max_ops = 0;                        // --max-ops (0: no limit).
  uint32_t layout_ops = LayoutOpBit(LayoutOp::kTruncate) | LayoutOpBit(LayoutOp::kPunch) |
                        LayoutOpBit(LayoutOp::kZero) | LayoutOpBit(LayoutOp::kCollapse) |
                        LayoutOpBit(LayoutOp::kInsert);  // --ops
  uint64_t seed = 0;                           // --seed
  uint32_t queue_depth = 1;                    // --queue-depth, per DIO thread.
  uint32_t victim_pages = 4;                   // --file-pages: 16 KiB.
  std::chrono::nanoseconds stall_timeout = std::chrono::seconds(5);  // --stall-timeout
  bool stop_on_violation = false;              // --stop-on-violation
  bool progress = false;                       // Live status line on stderr.
  uint32_t status_width = 80;
  // Non-zero (a signal number, set by a handler): stop and report what ran.
  const std::atomic<int>* interrupt = nullptr;

  // Errors: kInvalidArgument naming the option and the bad value.
  Status validate() const;
  nlohmann::json to_json() const;
};

// What a kernel-mode run did and found: the shape of StressReport plus the
// kernel, the file system, the pins and the stall's classification.
struct KernelReport {
  bool ran = false;
  int interrupted_by = 0;
  KernelConfig config;
  nlohmann::json kernel = nlohmann::json::object();      // {"release", "fs_type", "file", "map_sync", "disk_fs_type"}
  double seconds = 0;
  nlohmann::json counts = nlohmann::json::object();
  nlohmann::json pins = nlohmann::json::object();        // {"acquired", "released", "taken"}; taken null when not counted.
  bool exercised = false;     // Pins were taken (collision) / the break slept on the reference (refault).
  std::string not_exercised_why;
  nlohmann::json latency = nlohmann::json::object();     // {"longest_layout_op_seconds"}
  nlohmann::json memory = nlohmann::json::object();      // {"max_rss_bytes"}
  nlohmann::json stall;       // StallFinding::to_json(), or null.
  nlohmann::json kmsg = nlohmann::json::object();        // {"watched": bool, "warnings": [lines]}
  nlohmann::json violations = nlohmann::json::object();  // Checker::to_json().
  uint64_t violation_count = 0;
  std::string violations_text;

  // 1 findings; else 3 when the hazard was not exercised; else 128 + the
  // signal that ended the run; else 0.
  int exit_code() const;
  // "clean", "stall (lost wake-up)", "violation (data_corruption)",
  // "not exercised": the word the conformance table compares.
  std::string outcome() const;
  nlohmann::json to_json() const;
  std::string to_text() const;
};

// Runs `config` on the running kernel. Errors before the run (report->ran
// false): kInvalidArgument, kRefused (--file not on a DAX mount, --disk on
// one, a file holding data daxbreak did not write without --force),
// kEnvironment, kIoError. Findings are results, not errors.
Status RunKernel(const KernelConfig& config, KernelReport* report);

}  // namespace daxbreak

#endif  // DAXBREAK_KERNEL_KERNEL_RUNNER_H_
