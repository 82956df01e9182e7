// The explore scenarios of 2 MiB DAX entries (docs/models/dax-pmd.md): a DIO
// pins one subpage of a PMD-mapped 2 MiB file while a layout change cuts into
// that 2 MiB. Run them with --page-size 2m; at 4k the same file is 512 PTE
// entries, which is the control.

#ifndef DAXBREAK_SRC_EXPLORE_SCENARIOS_PMD_SCENARIOS_H_
#define DAXBREAK_SRC_EXPLORE_SCENARIOS_PMD_SCENARIOS_H_

#include <memory>

#include "daxbreak/explore/explore_scenario.h"

namespace daxbreak {

// Truncate of a 2 MiB file to one page while a DIO pins subpage 1.
std::unique_ptr<ExploreModel> BuildPmdTruncate(const ModelEnv& env);
// Punch of subpage 1 of a 2 MiB file while a DIO pins it; a user thread
// touches subpage 2, which faults back in at PTE size once the PMD is gone.
std::unique_ptr<ExploreModel> BuildPmdPunch(const ModelEnv& env);

}  // namespace daxbreak

#endif  // DAXBREAK_SRC_EXPLORE_SCENARIOS_PMD_SCENARIOS_H_
