// DataOracle: what every stamped file page should hold, and the check of a
// block against it. A mismatch is a data_corruption violation: the bytes show
// another writer's stamp (a DMA landed in a reused block, or a block was
// shared), a torn block, or garbage.
//
// Thread-safety: thread-safe.

#ifndef DAXBREAK_CHECK_DATA_ORACLE_H_
#define DAXBREAK_CHECK_DATA_ORACLE_H_

#include <cstdint>
#include <map>
#include <utility>

#include "daxbreak/base/violation.h"
#include "daxbreak/sync/mutex.h"
#include "daxbreak/sync/thread_annotations.h"

namespace daxbreak {

class DataOracle {
 public:
  explicit DataOracle(ViolationSink* sink) : sink_(sink) {}

  // File page (`ino`, `index`) now holds the file stamp of `generation`.
  void expect(uint32_t ino, uint32_t index, uint64_t generation) EXCLUDES(mu_);
  // Forgets every page of `ino` (unlinked).
  void forget(uint32_t ino) EXCLUDES(mu_);
  // Pages with an expectation now.
  uint64_t tracked_pages() EXCLUDES(mu_);

  // Checks the 4096 bytes `block` read from (`ino`, `index`) at `pfn`. A page
  // with an expectation must hold exactly that stamp; one without must be zero.
  // Reports data_corruption (thread `thread`) and returns false otherwise.
  bool verify_file_page(uint32_t ino, uint32_t index, uint64_t pfn, const void* block) EXCLUDES(mu_);
  // Checks a page of a file that only DMA writes into (the collision victim):
  // it may hold zeros or a whole disk block, never a file stamp or garbage.
  bool verify_dma_target_page(uint32_t ino, uint32_t index, uint64_t pfn, const void* block);

 private:
  void report(uint32_t ino, uint32_t index, uint64_t pfn, std::string detail);

  ViolationSink* const sink_;
  Mutex mu_{"oracle"};
  std::map<std::pair<uint32_t, uint32_t>, uint64_t> expected_ GUARDED_BY(mu_);
};

}  // namespace daxbreak

#endif  // DAXBREAK_CHECK_DATA_ORACLE_H_
