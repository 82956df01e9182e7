// The cached-mapping stress scenario: the stale-mapping races of PROTOCOL.md
// section 8 on real threads. A few page-cache files (not DAX), preallocated
// unwritten, are shared by:
//
//   - `threads` buffered writers: writer t owns slice t of every page (the
//     page split evenly), and writes it with a stamp (ino, page, writer,
//     version), so a write that fills a folio through a stale mapping
//     destroys the other writers' slices and the oracle sees it;
//   - a writeback thread (writeback of every file, in a loop);
//   - a reclaim thread (drops clean folios, in a loop);
//   - a layout thread: zero range, punch hole, preallocation and truncate
//     down and back up over random page ranges (collapse and insert are not
//     run here: this oracle does not follow shifts).
//
// Each file has an oracle lock that a writer holds across its write and a
// layout change across its change, so the expected contents change with the
// file. A writer verifies its own slice of a random page after each write;
// final_check() reads every slice.
//
// Thread-safety: run_* methods each run on their own thread; counters are
// relaxed atomics; the expected contents are guarded by each file's oracle
// lock.

#ifndef DAXBREAK_SRC_STRESS_SCENARIOS_CACHED_MAPPING_H_
#define DAXBREAK_SRC_STRESS_SCENARIOS_CACHED_MAPPING_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "daxbreak/base/status.h"
#include "daxbreak/check/checker.h"
#include "daxbreak/fs/buffered_io.h"
#include "daxbreak/fs/dax_fs.h"
#include "daxbreak/sync/mutex.h"
#include "daxbreak/stress/stress_config.h"

namespace daxbreak {

class CachedMappingScenario {
 public:
  // Files live on `fs`; findings go to `checker`. Both outlive the object.
  CachedMappingScenario(const StressConfig& config, DaxFs* fs, Checker* checker);
  ~CachedMappingScenario();

  // Creates the files (config.victim_pages pages each, unwritten). Errors:
  // the fs's.
  Status setup();
  // Writer `id`'s loop until `stop`.
  void run_writer(uint32_t id, const std::atomic<bool>& stop);
  void run_writeback(const std::atomic<bool>& stop);
  void run_reclaim(const std::atomic<bool>& stop);
  // The layout thread's loop; stops at `stop` or after config.max_ops
  // changes (then sets `stop`).
  void run_layout(std::atomic<bool>& stop);
  // Every slice of every file against the oracle, after the threads stopped.
  void final_check();
  // {"buffered_writes", "writebacks", "reclaims", "verified", one count per
  // layout op run}.
  nlohmann::json counts_json() const;
  // Layout changes done.
  uint64_t layout_ops_done() const;
  // Writes done.
  uint64_t writes_done() const { return writes_.load(std::memory_order_relaxed); }
  // The first unexpected error of a thread, or OK.
  Status first_error() EXCLUDES(error_mu_);

 private:
  struct File;
  // Compares slice `slice` of `page` of `f` with the oracle. Caller holds
  // f.oracle_lock.
  void verify_slice(File& f, uint64_t page, uint32_t slice, const char* who);
  void note_error(const Status& s) EXCLUDES(error_mu_);

  const StressConfig config_;
  DaxFs* const fs_;
  Checker* const checker_;
  BufferedIo bio_;
  uint64_t slice_bytes_ = 0;
  std::vector<std::unique_ptr<File>> files_;
  std::atomic<uint64_t> writes_{0}, writebacks_{0}, reclaims_{0}, verified_{0};
  std::array<std::atomic<uint64_t>, kLayoutOps> layout_ops_{};
  Mutex error_mu_{"first_error"};
  Status first_error_ GUARDED_BY(error_mu_);
};

}  // namespace daxbreak

#endif  // DAXBREAK_SRC_STRESS_SCENARIOS_CACHED_MAPPING_H_
