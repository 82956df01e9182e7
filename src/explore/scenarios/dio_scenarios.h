// The explore scenarios of the DIO's bio life (docs/models/dax-pmd.md, 'Direct
// I/O per era'): a DIO whose GUP fails part way, and a DIO read whose release
// bio_check_pages_dirty() defers to bio_dirty_work. Both race a truncate to 0
// whose break must wait for the release, wherever it runs.

#ifndef DAXBREAK_SRC_EXPLORE_SCENARIOS_DIO_SCENARIOS_H_
#define DAXBREAK_SRC_EXPLORE_SCENARIOS_DIO_SCENARIOS_H_

#include <memory>

#include "daxbreak/explore/explore_scenario.h"

namespace daxbreak {

// A one-page file mapped over two pages: a DIO read into both pins page 0
// and fails with EFAULT on page 1 (beyond EOF, SIGBUS); the short bio of
// page 0 is submitted and completes on the completion thread, while a
// truncate to 0 races it (`dio-error-leak` stalls).
std::unique_ptr<ExploreModel> BuildDioPartial(const ModelEnv& env);
// A DIO read of page 0 in flight whose page was found clean at completion:
// the completion thread defers the release to a bio-dirty-work thread; a
// truncate to 0 must wait for that later release.
std::unique_ptr<ExploreModel> BuildDioDirtyDefer(const ModelEnv& env);

}  // namespace daxbreak

#endif  // DAXBREAK_SRC_EXPLORE_SCENARIOS_DIO_SCENARIOS_H_
