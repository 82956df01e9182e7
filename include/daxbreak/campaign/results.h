// The results folder of a campaign, as a CI system keeps it:
//
//   DIR/summary.json         the envelope (base/run_metadata.h), the
//                            configuration, one entry per cell
//   DIR/junit.xml            the cells as JUnit test cases
//   DIR/cells/NAME.json      each cell's whole explore or stress report,
//                            written as the cell finishes
//   DIR/findings/NAME.txt    for each explore finding: the replay command and
//                            the replayed run as a two-column trace
//   DIR/findings/NAME.trace.json  the same run as Chrome/Perfetto trace events
//   DIR/index.html           the scenario x protocol matrix as one page, no
//                            network needed (campaign/html_report.cc)
//   DIR/../history.log       a line per campaign run into the same parent,
//   DIR/../history.time      and each cell's last duration (as xfstests'
//                            check.log and check.time)
//
// `daxbreak run` is RunCampaign() with a CampaignResults as its callback; a
// library user gets the same folder with the same calls.
//
// Thread-safety: not thread-safe. RunCampaign() calls its callback from one
// thread at a time, which is all write_cell() needs.

#ifndef DAXBREAK_CAMPAIGN_RESULTS_H_
#define DAXBREAK_CAMPAIGN_RESULTS_H_

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "daxbreak/base/status.h"
#include "daxbreak/campaign/campaign.h"

namespace daxbreak {

class CampaignResults {
 public:
  // Creates the folder `dir` with cells/ and findings/. It must not exist or
  // be empty, so that a campaign never mixes with another's results. Paths
  // are kept absolute (libpmem2's region look-up fchdir()s the process for a
  // moment while a stress cell opens its device). Errors: kRefused (not
  // empty), kEnvironment (under /dev), kIoError.
  static Status Create(const std::string& dir, CampaignResults* out);

  // The absolute folder.
  const std::string& dir() const { return dir_; }
  // Writes the cell's report and, for a finding, its replay and trace files.
  // A file that cannot be written is counted in write_errors(), not fatal:
  // the campaign goes on and summary.json says how many were lost.
  void write_cell(const CellOutcome& outcome);
  // summary.json's document for a campaign of `options` whose cells ran as
  // `outcomes` (`signal`: the signal that cut it short, or 0).
  static nlohmann::json Summary(const CampaignOptions& options, const std::vector<CellOutcome>& outcomes,
                                int signal);
  // Writes summary.json (`summary`, with write_errors added), junit.xml
  // (with summary's seeds, version and kernel release as properties) and
  // index.html. Errors: kIoError naming the file.
  Status finish(nlohmann::json summary, const std::vector<CellOutcome>& outcomes);
  // Files write_cell() could not write.
  int write_errors() const { return write_errors_; }

 private:
  std::string dir_;
  int write_errors_ = 0;
};

// A cell's result in words: "clean", "clean (cut short)", "stall", a
// violation kind, or "error".
std::string CellResultText(const CellOutcome& outcome);
// The campaign as a text table, one line per cell (scenario, protocol, seed,
// expectation, result, coverage of an explore cell's search: complete,
// bounded or sampled, met).
std::string CampaignTable(const std::vector<CellOutcome>& outcomes);
// The JUnit XML document for `outcomes` (UTF-8, with an XML declaration):
// one <testsuite> per mode, one <testcase> per cell (with its seed as a
// property), a <failure> for a cell that missed its expectation, an <error>
// for one that could not run and <skipped> for one expected "any".
// `hostname` and `timestamp` (ISO 8601) go on each testsuite, `properties`
// (name, value) in its <properties>. tests/cli/junit.xsd is the schema it
// follows.
std::string CampaignJunitXml(const std::vector<CellOutcome>& outcomes, const std::string& hostname,
                             const std::string& timestamp,
                             const std::vector<std::pair<std::string, std::string>>& properties = {});

// index.html for the campaign of `summary` (CampaignResults::Summary()) whose
// cells ran as `outcomes`:
// one self-contained page (inline CSS, no script, no network) with the
// scenario x protocol matrix, a colour per outcome (passed, failed, skipped,
// error), each cell linking its report, its finding (replay command and
// trace) and, for a stress cell, its layout-change latency as a histogram
// (report latency.layout_op_ns.buckets, [{"le_ns", "count"}]) or else the
// longest layout change. Links are relative to the results folder.
std::string CampaignHtml(const nlohmann::json& summary, const std::vector<CellOutcome>& outcomes);

// Appends the campaign of `summary`, whose results folder is `results_dir`
// (absolute), to history.log in the folder's parent (one line: UTC time,
// results folder name, mode, cells, passed, failed, skipped, errors) and
// records each cell's duration in history.time there ("NAME SECONDS",
// one line per cell ever run there, the last duration kept), as xfstests'
// check does with check.log and check.time. Both are updated under an
// exclusive flock() of history.log, so campaigns sharing a parent may finish
// at once; history.time is replaced by a rename. Errors: kIoError naming the
// file.
Status AppendCampaignHistory(const std::string& results_dir, const nlohmann::json& summary);

}  // namespace daxbreak

#endif  // DAXBREAK_CAMPAIGN_RESULTS_H_
