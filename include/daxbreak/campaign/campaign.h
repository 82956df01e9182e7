// Campaigns: one command for scenarios x protocols x seeds, in explore mode
// (a search per cell) or stress mode (a timed run per cell), each cell with
// the outcome it is expected to have:
//
//   found  the protocol's row names this scenario as the one that catches it
//          (CatchKind::kViolation): a violation must be found;
//   stall  the same, for a row that shows as a deadlock (CatchKind::kStall);
//   clean  a correct protocol or a candidate fix: nothing may be found;
//   any    a buggy row in another scenario, or a correct row in the scenario
//          of its unfair cycle (ProtocolTraits::cycles_in): the outcome is
//          reported, not judged.
//
// A cell expected "any" is skipped in the counts (JUnit <skipped/>): its
// outcome is recorded but neither passes nor fails. A campaign meets its
// expectations when every other cell does. Explore cells run
// on `jobs` threads at once; stress cells run one after another, since each
// uses every core it is given.
//
// Thread-safety: RunCampaign() may run in one thread at a time (stress cells
// set the process-wide noise of SyncPoint); its callback is called from one
// thread at a time.

#ifndef DAXBREAK_CAMPAIGN_CAMPAIGN_H_
#define DAXBREAK_CAMPAIGN_CAMPAIGN_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daxbreak/base/status.h"
#include "daxbreak/fs/protocol.h"
#include "daxbreak/explore/explorer.h"
#include "daxbreak/stress/stress_config.h"

namespace daxbreak {

enum class CampaignMode { kExplore, kStress };
std::string_view CampaignModeName(CampaignMode mode);

enum class Expectation { kFound, kStall, kClean, kAny };
// "found", "stall", "clean", "any".
std::string_view ExpectationName(Expectation e);
// What `protocol` is expected to show in `scenario` (see the file comment).
Expectation ExpectFor(const ProtocolTraits& protocol, std::string_view scenario);

// Expands a list of names, globs (fnmatch: "modern*") and "all" against
// `known`, keeping `known`'s order and dropping repeats. Errors:
// kInvalidArgument naming `option` and an item that matches nothing.
Status ExpandNames(std::string_view option, std::string_view list, const std::vector<std::string>& known,
                   std::vector<std::string>* out);
// Parses seeds: "1", "1,5,9", "1-4" (inclusive), or a mix. Errors:
// kInvalidArgument naming `option` and the bad item; at most 100000 seeds.
Status ParseSeedList(std::string_view option, std::string_view list, std::vector<uint64_t>* out);

struct CampaignOptions {
  CampaignMode mode = CampaignMode::kExplore;
  std::vector<std::string> scenarios;                // Expanded names.
  std::vector<const ProtocolTraits*> protocols;
  // --fs: the file systems each scenario x protocol runs on; a cell whose
  // protocol row (or explore scenario) does not apply to a file system is
  // left out (fs/fs_model.h).
  std::vector<const FsModel*> file_systems = {&DefaultFsModel()};
  std::vector<uint64_t> seeds = {1};
  ExploreOptions explore;  // Template of every explore cell (scenario, protocol, seed filled per cell).
  StressConfig stress;     // Template of every stress cell (device and disk paths filled per cell).
  std::string work_dir;    // Where stress cells put their device and disk files (removed after each).
  // Stress cells' device and disk (`run --device/--disk`). Empty: a file per
  // cell in work_dir. A folder (e.g. on an fs-dax mount): a file per cell in
  // it, removed after the cell. Anything else (a file, /dev/daxN.M): that
  // path for every cell, left in place.
  std::string device_path;
  std::string disk_path;
  // `run --shard I/N`: only the cells whose index k in the full CampaignCells()
  // order has k % shard_count == shard_index, so N shards deal the cells out.
  uint32_t shard_index = 0;
  uint32_t shard_count = 1;
  uint32_t jobs = 1;       // Explore cells at once.
  // When it turns non-zero (a signal number), cells not started are skipped
  // and the campaign ends after the running ones.
  const std::atomic<int>* interrupt = nullptr;
};

struct CampaignCell {
  CampaignMode mode = CampaignMode::kExplore;
  std::string scenario;
  const ProtocolTraits* protocol = nullptr;
  uint64_t seed = 0;
  Expectation expect = Expectation::kAny;
  const FsModel* fs = &DefaultFsModel();
  // "explore.race2018.fixed.seed1" ("explore.race2018.fixed.xfs.seed1" off
  // ext4): unique in a campaign, usable as a file name.
  std::string name() const;
};

struct CellOutcome {
  CampaignCell cell;
  Status error;              // The cell could not run (then nothing else is set).
  bool found = false;        // A violation or a deadlock.
  std::string kind;          // The first finding's kind ("deadlock" for a stall).
  bool met = false;          // The outcome meets cell.expect.
  // Explore cells: what the search covered (ExploreResult::certificate()):
  // "complete", "bounded" or "sampled", and its one-line text.
  std::string coverage;
  std::string certificate;
  double seconds = 0;
  nlohmann::json report;     // The cell's whole explore or stress JSON document.
  std::string replay;        // Explore findings: the replay command.
  std::string trace_text;    // Explore findings: the replayed run as a diagram.
  nlohmann::json trace_json; // Explore findings: the replayed run as trace events.
  int interrupted_by = 0;    // A signal ended the cell early.

  // A signal ended the cell before it found anything: it is not judged (its
  // `met` is null in the results, a skipped test in JUnit), since the run
  // it was asked for did not happen.
  bool cut_short() const { return interrupted_by != 0 && !found && error.ok(); }
};

// A cell expected "any" that ran without an error: neither passed nor failed.
bool CellSkipped(const CellOutcome& outcome);

// The cells of `options` (of its shard), scenario-major (then protocol, file
// system, seed), in the order they are reported; cells of a row or scenario
// that does not apply to a file system are left out.
std::vector<CampaignCell> CampaignCells(const CampaignOptions& options);

// Runs every cell; calls `done` once per cell as it finishes (from one
// thread at a time). Returns the outcomes in CampaignCells() order; cells a
// signal skipped are left out. Errors: kInvalidArgument (no cells, bad jobs,
// a shard index not below the shard count).
Status RunCampaign(const CampaignOptions& options, const std::function<void(const CellOutcome&)>& done,
                   std::vector<CellOutcome>* outcomes);

}  // namespace daxbreak

#endif  // DAXBREAK_CAMPAIGN_CAMPAIGN_H_
