// The explore scenarios of the zero-range journal deadlock
// (docs/models/journal.md, 'The deadlock'). Internal to the explore layer: the
// scenario table (explore/explore_scenario.cc) names their builders.
//
// Thread-safety: as ExploreModel.

#ifndef DAXBREAK_SRC_EXPLORE_SCENARIOS_JOURNAL_SCENARIOS_H_
#define DAXBREAK_SRC_EXPLORE_SCENARIOS_JOURNAL_SCENARIOS_H_

#include <memory>

#include "daxbreak/explore/explore_scenario.h"

namespace daxbreak {

// ext4 zeroes a partial block with a journal handle open; the block is
// unwritten under a dirty folio. A commit and the end_io worker (which needs
// a handle to convert) run beside it.
std::unique_ptr<ExploreModel> BuildZeroUnwritten(const ModelEnv& env);

// The same over a hole whose dirty folio's writeback allocates an unwritten
// block (the one-block-per-folio form of a folio over hole + unwritten that
// punch hole zeroes).
std::unique_ptr<ExploreModel> BuildZeroHole(const ModelEnv& env);

}  // namespace daxbreak

#endif  // DAXBREAK_SRC_EXPLORE_SCENARIOS_JOURNAL_SCENARIOS_H_
