// The explore scenarios of cached mappings (docs/models/iomap.md, 'Scenarios'):
// buffered writes on a file that is not DAX, against writeback, I/O completion
// and reclaim. Internal to the explore layer: the scenario table
// (explore/explore_scenario.cc) names their builders.
//
// Thread-safety: as ExploreModel.

#ifndef DAXBREAK_SRC_EXPLORE_SCENARIOS_IOMAP_SCENARIOS_H_
#define DAXBREAK_SRC_EXPLORE_SCENARIOS_IOMAP_SCENARIOS_H_

#include <memory>
#include <string>

#include "daxbreak/base/violation.h"
#include "daxbreak/fs/buffered_io.h"
#include "daxbreak/explore/explore_scenario.h"

namespace daxbreak {

// The data oracle of the page-cache scenarios (here and in
// journal_scenarios.cc): `file`, read through `bio` from byte 0, must equal
// `expected`; the first run of bytes that differs is reported to `sink` as
// data_corruption.
void CheckFileReads(BufferedIo& bio, Inode& file, const std::string& expected, ViolationSink* sink);
// The final state of those scenarios: a hash of the first `bytes` bytes of
// `file` as `bio` reads them ("reads=<hex>").
std::string FileReadsState(BufferedIo& bio, Inode& file, uint64_t bytes);

// The race of docs/models/iomap.md, 'The race' (Dave Chinner, linux-xfs,
// January 2023): a buffered write maps an unwritten extent; writeback converts
// it and reclaim drops the folio; the write then fills a new folio through the
// stale mapping (zeros over data already on the device).
std::unique_ptr<ExploreModel> BuildStaleUnwritten(const ModelEnv& env);

// docs/models/iomap.md, 'Rules for the counter' (Jan Kara, linux-ext4,
// December 2024): the same stale mapping, with the conversion's increment of
// the extent sequence undone by an overlapping read-then-write increment of
// another completion, so the stale mapping passes iomap_valid.
std::unique_ptr<ExploreModel> BuildRacySeq(const ModelEnv& env);

}  // namespace daxbreak

#endif  // DAXBREAK_SRC_EXPLORE_SCENARIOS_IOMAP_SCENARIOS_H_
