// The explore scenarios of the layout-breaking protocol (dax_scenarios.cc):
// one DIO in flight, or about to pin, against a layout change of a small
// DAX file. Internal to the explore layer: the scenario table
// (explore/explore_scenario.cc) names these builders.
//
// Thread-safety: as ExploreModel.

#ifndef DAXBREAK_SRC_EXPLORE_SCENARIOS_DAX_SCENARIOS_H_
#define DAXBREAK_SRC_EXPLORE_SCENARIOS_DAX_SCENARIOS_H_

#include <memory>

#include "daxbreak/explore/explore_scenario.h"

namespace daxbreak {

// One DIO pins two pages; truncate to 0 races its completion.
std::unique_ptr<ExploreModel> BuildRace2018(const ModelEnv& env);
// A DIO's GUP-fast pin races truncate's unmap and busy-page scan.
std::unique_ptr<ExploreModel> BuildGupFast(const ModelEnv& env);
// fsync holds DAX entry locks while truncate scans past a pinned page.
std::unique_ptr<ExploreModel> BuildLockedEntry(const ModelEnv& env);
// An unmapped file is unlinked and evicted while a DIO pins its page.
std::unique_ptr<ExploreModel> BuildEvictPinned(const ModelEnv& env);
// Truncate sleeps on one pinned page; the completion's wake must reach it.
std::unique_ptr<ExploreModel> BuildLostWake(const ModelEnv& env);
// Truncate to 0 of a 1.5-page file whose partial last page is pinned.
std::unique_ptr<ExploreModel> BuildBeyondEof(const ModelEnv& env);
// A signal interrupts truncate's wait for a pinned page.
std::unique_ptr<ExploreModel> BuildSignal(const ModelEnv& env);
// Truncate of a file whose pinned page is no longer mapped.
std::unique_ptr<ExploreModel> BuildUnmappedPin(const ModelEnv& env);
// A pinned page is faulted back in while truncate sleeps on it.
std::unique_ptr<ExploreModel> BuildRefault(const ModelEnv& env);
// Zero range over a 2-page file whose page 1 is pinned.
std::unique_ptr<ExploreModel> BuildZeroRange(const ModelEnv& env);
// Collapse range moves a page a DIO has pinned.
std::unique_ptr<ExploreModel> BuildCollapse(const ModelEnv& env);

}  // namespace daxbreak

#endif  // DAXBREAK_SRC_EXPLORE_SCENARIOS_DAX_SCENARIOS_H_
