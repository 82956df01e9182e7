// DataOracle: what every stamped file page should hold, and the check of a
// block against it. A file page is addressed by its position (file page
// index); the stamp it should hold names the page it was written at, so that
// after collapse range and insert range move blocks, the oracle moves its
// expectations with them (shift()) and a block that ends up at the wrong file
// offset reads as corruption. A mismatch is a data_corruption violation: the
// bytes show another writer's stamp (a DMA landed in a reused block, or a
// block was shared), a stamp of the wrong position, a torn block, or garbage.
//
// Thread-safety: thread-safe.

#ifndef DAXBREAK_CHECK_DATA_ORACLE_H_
#define DAXBREAK_CHECK_DATA_ORACLE_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "daxbreak/base/violation.h"
#include "daxbreak/sync/mutex.h"
#include "daxbreak/sync/thread_annotations.h"

namespace daxbreak {

class DataOracle {
 public:
  explicit DataOracle(ViolationSink* sink) : sink_(sink) {}

  // File page `pos` of `ino` now holds the file stamp written at page
  // `stamp_index` with `generation` (for a page written in place,
  // stamp_index == pos).
  void expect(uint32_t ino, uint64_t pos, uint64_t generation, uint64_t stamp_index) EXCLUDES(mu_);
  void expect(uint32_t ino, uint64_t pos, uint64_t generation) { expect(ino, pos, generation, pos); }
  // File pages [first, last] of `ino` read as zeros now (punch hole, zero
  // range, truncate, the removed part of a collapse).
  void expect_zero(uint32_t ino, uint64_t first, uint64_t last) EXCLUDES(mu_);
  // Every expectation of `ino` at file page `from` or past it moves by
  // `delta` pages (collapse range: negative, after expect_zero() of the
  // removed range; insert range: positive).
  void shift(uint32_t ino, uint64_t from, int64_t delta) EXCLUDES(mu_);
  // Forgets every page of `ino` (unlinked).
  void forget(uint32_t ino) EXCLUDES(mu_);
  // Pages with an expectation now.
  uint64_t tracked_pages() EXCLUDES(mu_);

  // Checks the 4096 bytes `block` read from file page `pos` of `ino`, held by
  // device page `pfn` (0: a hole). A page with an expectation must hold
  // exactly that stamp; one without must be zero. Reports data_corruption and
  // returns false otherwise.
  bool verify_file_page(uint32_t ino, uint64_t pos, uint64_t pfn, const void* block) EXCLUDES(mu_);
  // Checks a page of a file that only DMA writes into after its own stamps
  // (the collision victim): it may hold zeros, a whole disk block, or one of
  // `ino`'s own stamps (collapse and insert move them), never another
  // file's stamp, a torn block or garbage.
  bool verify_dma_target_page(uint32_t ino, uint64_t pos, uint64_t pfn, const void* block);
  // Checks disk block `disk_block`, a target of DIO writes out of `ino`'s
  // mapping: the same rule, since a write carries what the mapping held.
  bool verify_dma_copy(uint32_t ino, uint64_t disk_block, const void* block);

 private:
  struct Expected {
    uint64_t stamp_index = 0;
    uint64_t generation = 0;
  };
  void report(uint32_t ino, uint64_t pos, uint64_t pfn, std::string detail);

  ViolationSink* const sink_;
  Mutex mu_{"oracle"};
  std::map<std::pair<uint32_t, uint64_t>, Expected> expected_ GUARDED_BY(mu_);
};

}  // namespace daxbreak

#endif  // DAXBREAK_CHECK_DATA_ORACLE_H_
