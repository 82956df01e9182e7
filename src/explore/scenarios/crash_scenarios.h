// The explore scenarios of the crash model (docs/models/crash.md, 'What
// daxbreak models'): a power thread cuts the power at the step the schedule
// gives it, and the oracle checks what a log replay would show. Internal to the
// explore layer: the scenario table (explore/explore_scenario.cc) names their
// builders.
//
// Thread-safety: as ExploreModel.

#ifndef DAXBREAK_SRC_EXPLORE_SCENARIOS_CRASH_SCENARIOS_H_
#define DAXBREAK_SRC_EXPLORE_SCENARIOS_CRASH_SCENARIOS_H_

#include <memory>

#include "daxbreak/explore/explore_scenario.h"

namespace daxbreak {

// A lockless DIO write into a preallocated extent, a fast fsync, and a power
// cut somewhere among their steps.
std::unique_ptr<ExploreModel> BuildFsyncDio(const ModelEnv& env);

}  // namespace daxbreak

#endif  // DAXBREAK_SRC_EXPLORE_SCENARIOS_CRASH_SCENARIOS_H_
