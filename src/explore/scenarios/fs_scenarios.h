// The explore scenarios of one file system's own paths (fs_scenarios.cc):
// xfs's two-inode remap and virtiofs's DAX window reclaim, each against the
// completion of a DIO that pins a page. Internal to the explore layer: the
// scenario table (explore/explore_scenario.cc) names these builders.
//
// Thread-safety: as ExploreModel.

#ifndef DAXBREAK_SRC_EXPLORE_SCENARIOS_FS_SCENARIOS_H_
#define DAXBREAK_SRC_EXPLORE_SCENARIOS_FS_SCENARIOS_H_

#include <memory>

#include "daxbreak/explore/explore_scenario.h"

namespace daxbreak {

// xfs: a reflink of page 0 of "file" (inode 1) onto page 0 of "file2"
// (inode 2) while a DIO pins that page of inode 2, which the remap breaks
// with no wait (xfs_mmaplock_two_inodes_and_break_dax_layout()).
std::unique_ptr<ExploreModel> BuildXfsRemap(const ModelEnv& env);
// virtiofs: the reclaim of DAX window 0 of a 2-page file whose page 1 a DIO
// pinned through a mapping that is gone (lookup_and_reclaim_dmap()).
std::unique_ptr<ExploreModel> BuildWindowReclaim(const ModelEnv& env);

}  // namespace daxbreak

#endif  // DAXBREAK_SRC_EXPLORE_SCENARIOS_FS_SCENARIOS_H_
