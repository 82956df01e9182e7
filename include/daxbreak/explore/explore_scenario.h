// Explore scenarios: small models of one race each (a few pages, 2 to 4
// modeled threads) that the explorer runs under the controlled scheduler. A
// model is built afresh for every schedule, on the controlling thread, in
// free mode (set-up: files, mappings, pins of a DIO already in flight); its
// threads then run the same fs, mm and io code as `daxbreak stress`, and the
// checker's invariants are the oracle.
//
// Thread-safety: a model is used by one schedule run at a time. The scenario
// table is constant once registration is over (see RegisterExploreScenario()).

#ifndef DAXBREAK_EXPLORE_EXPLORE_SCENARIO_H_
#define DAXBREAK_EXPLORE_EXPLORE_SCENARIO_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>
#include <string_view>

#include "daxbreak/check/checker.h"
#include "daxbreak/fs/fs_model.h"
#include "daxbreak/fs/protocol.h"
#include "daxbreak/mm/mm_struct.h"
#include "daxbreak/pmem/pmem_device.h"
#include "daxbreak/sync/controlled_scheduler.h"

namespace daxbreak {

class ExploreModel {
 public:
  virtual ~ExploreModel() = default;
  // Adds the model's threads to `scheduler`.
  virtual void add_threads(ControlledScheduler& scheduler) = 0;
  // Scenario invariants checked after a completed run (reported to the
  // checker). The default checks nothing beyond what the layers report.
  virtual void check() {}
  // After a completed run (and check()): the model's final state as text,
  // for the soundness test of the reduction, which compares the outcomes a
  // reduced and an unreduced search reach. It must depend only on the order
  // of dependent steps (what the sync layer sees), never on addresses. The
  // default says nothing ("").
  virtual std::string final_state() { return {}; }
};

// What a model is built from.
struct ModelEnv {
  PmemDevice* device = nullptr;  // Shared by every run; only page addresses are used.
  const ProtocolTraits* protocol = &DefaultProtocol();
  const FsModel* fs = &DefaultFsModel();  // The file system DaxFs models (--fs).
  TlbFlushMode tlb_flush = TlbFlushMode::kIpi;  // Of the model's process.
  Checker* checker = nullptr;    // Fresh for every run.
  DaxPageSize page_size = DaxPageSize::k4K;  // The file system's largest mapping (--page-size).
};

struct ExploreScenarioInfo {
  std::string_view name;
  std::string_view summary;
  std::function<std::unique_ptr<ExploreModel>(const ModelEnv&)> build;
  // The file systems (fs/fs_model.h) the scenario runs on, comma-separated;
  // empty: every one (its model does not use the file-system axis, or the
  // race is in the DAX core under any of them).
  std::string_view applies_to = {};
  // A model of thousands of steps per schedule (the 2 MiB scenarios): left
  // out of a campaign's `--scenarios all` and of the catalogue tests that run
  // every scenario under dfs, which it would take minutes each; it runs when
  // named (dpor finishes it in seconds).
  bool by_name_only = false;

  // Re-points the strings at keep(s) (Registry::add(), base/registry.h).
  template <class Keep>
  void keep_strings(Keep keep) {
    name = keep(name), summary = keep(summary), applies_to = keep(applies_to);
  }
};

// Every explore scenario: the built-in ones in `daxbreak list` order, then
// the registered ones.
std::vector<const ExploreScenarioInfo*> ExploreScenarios();
// The scenario named `name`, or nullptr.
const ExploreScenarioInfo* FindExploreScenario(std::string_view name);
// Adds a user's scenario (its strings are copied; `build` is kept). It runs
// under explore, replay and run like a built-in one. Errors:
// kInvalidArgument (no name or no build function), kExists (the name is
// taken). Not thread-safe against look-ups: register before any run starts.
Status RegisterExploreScenario(const ExploreScenarioInfo& info);

}  // namespace daxbreak

#endif  // DAXBREAK_EXPLORE_EXPLORE_SCENARIO_H_
