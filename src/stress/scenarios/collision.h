// The collision scenario: the xfstests generic/503 shape (src/t_mmap_collision.c)
// plus a data check. A small DAX file (the victim) is mapped shared; DIO
// threads loop io_uring reads from the disk file into the mapping (pinning its
// pages) while a layout thread runs the chosen layout changes on it
// (truncate down and back up, punch hole, zero range, collapse range, insert
// range, preallocation); a writer thread keeps creating, stamping, changing
// the layout of (the same operations), verifying and unlinking other files,
// so that every block freed from the victim is reused at once (LIFO
// allocator) and a DMA that lands after the free shows in another file's
// bytes, and the oracle follows every shift. A final oracle pass reads every
// file.
//
// Thread-safety: run_* methods each run on their own thread; counters are
// relaxed atomics.

#ifndef DAXBREAK_SRC_STRESS_SCENARIOS_COLLISION_H_
#define DAXBREAK_SRC_STRESS_SCENARIOS_COLLISION_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "daxbreak/base/status.h"
#include "daxbreak/check/checker.h"
#include "daxbreak/check/stall.h"
#include "daxbreak/check/data_oracle.h"
#include "daxbreak/fs/dax_fs.h"
#include "daxbreak/io/dio_engine.h"
#include "daxbreak/io/disk_file.h"
#include "daxbreak/mm/mm_struct.h"
#include "daxbreak/sync/task.h"
#include "daxbreak/stress/stress_config.h"

namespace daxbreak {

// Operation counts of a run.
struct CollisionCounts {
  std::atomic<uint64_t> dio_reads{0};     // DIO reads submitted into the victim.
  std::atomic<uint64_t> dio_refused{0};   // Reads refused at pin (SIGBUS past EOF).
  std::array<std::atomic<uint64_t>, kLayoutOps> layout_ops{};  // Victim layout changes done, per LayoutOp.
  std::atomic<uint64_t> writer_layout_ops{0};  // Layout changes of writer files.
  std::atomic<uint64_t> files_written{0}; // Writer files created and stamped.
  std::atomic<uint64_t> pages_written{0};
  std::atomic<uint64_t> pages_verified{0};
  std::atomic<uint64_t> interrupted{0};   // Layout ops interrupted by the stop signal.
  std::atomic<int64_t> longest_layout_ns{0};  // Longest single layout op (a stall shows here).
  std::atomic<uint64_t> errors{0};        // Unexpected errors (see first_error).
};

class CollisionScenario {
 public:
  // The victim is mapped in the process `mm`.
  CollisionScenario(const StressConfig& config, DaxFs* fs, DiskFile* disk, Checker* checker,
                    MmStruct* mm);
  ~CollisionScenario();

  // Fills the disk with stamped blocks, creates and maps the victim file.
  // Errors: the fs's and the disk's.
  Status setup();
  // One DIO thread's loop, until `stop`: random page ranges of the victim, read
  // from random disk blocks through `engine`; then drains it.
  void run_dio(uint32_t id, DioEngine* engine, const std::atomic<bool>& stop);
  // The layout thread's loop over the configured layout changes of the
  // victim. Stops at `stop` or after config.max_ops operations (then sets
  // `stop`).
  void run_layout(std::atomic<bool>& stop);
  // The writer thread's loop: create, stamp, change the layout of, verify,
  // unlink other files.
  void run_writer(const std::atomic<bool>& stop);
  // The final oracle pass over every file, after all threads have stopped.
  void final_check();
  // Signals every running worker (after `stop` is set), so that a layout
  // change still waiting for a busy page returns EINTR instead of keeping the
  // run from ending (a wait that is never woken is how a lost wake-up or a
  // pin that never drops shows in free mode).
  void interrupt_workers() EXCLUDES(error_mu_);

  CollisionCounts& counts() { return counts_; }
  // The layout thread's progress, for the stall watchdog (check/stall.h).
  LayoutWatch& layout_watch() { return watch_; }
  // The stall steps on this scenario's threads: where() names the model's
  // wait, stop_io() ends the DIO threads, send_signal() signals the layout
  // task, unmap() destroys the victim's mapping (its PTE references go).
  std::unique_ptr<StallProbe> make_stall_probe();
  // The first unexpected error a thread met, or OK.
  Status first_error();

 private:
  struct WriterFile {
    std::string name;
    std::shared_ptr<Inode> inode;
  };
  void note_error(const Status& s);
  // Registers / unregisters the calling worker for interrupt_workers().
  void enter_worker(const std::string& name) EXCLUDES(error_mu_);
  void leave_worker() EXCLUDES(error_mu_);
  // One layout change `op` of the victim at a random range, then back to
  // full size if it changed the size.
  Status victim_layout_op(LayoutOp op, std::mt19937_64& rng);
  // One layout change `op` of a writer file, with the oracle told where its
  // stamps went.
  Status writer_layout_op(LayoutOp op, const WriterFile& file, std::mt19937_64& rng);
  // A random enabled op.
  LayoutOp pick_op(std::mt19937_64& rng) const;
  void verify_file(const WriterFile& file);
  void verify_victim();

  const StressConfig config_;
  DaxFs* const fs_;
  DiskFile* const disk_;
  MmStruct* const mm_;
  DataOracle oracle_;
  std::vector<LayoutOp> ops_;  // The enabled ops.
  std::shared_ptr<Inode> victim_;
  std::unique_ptr<Vma> victim_vma_;
  std::deque<WriterFile> writer_files_;  // Owned by the writer thread, then final_check.
  CollisionCounts counts_;
  Mutex error_mu_{"first_error"};
  Status first_error_ GUARDED_BY(error_mu_);
  std::vector<Task*> workers_ GUARDED_BY(error_mu_);
  LayoutWatch watch_;
  std::atomic<bool> dio_stop_{false};      // Stall step 2: the DIO threads end.
  std::atomic<uint32_t> dio_running_{0};
  std::atomic<Task*> layout_task_{nullptr};
  friend class CollisionStallProbe;
};

}  // namespace daxbreak

#endif  // DAXBREAK_SRC_STRESS_SCENARIOS_COLLISION_H_
