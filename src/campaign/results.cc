#include "daxbreak/base/json_text.h"
#include "daxbreak/campaign/results.h"

#include <algorithm>
#include <filesystem>
#include <string_view>

#include <fmt/format.h>

#include "daxbreak/base/path_claim.h"
#include "daxbreak/base/run_metadata.h"
#include "daxbreak/base/signal_name.h"
#include "daxbreak/base/text_file.h"

namespace daxbreak {
namespace {

// The protocol, and the file system when it is not ext4 ("fixed on xfs").
std::string ProtocolColumn(const CampaignCell& cell) {
  std::string out(cell.protocol->name);
  if (cell.fs->name != DefaultFsModel().name) out += fmt::format(" on {}", cell.fs->name);
  return out;
}

nlohmann::json CellJson(const CellOutcome& o) {
  const auto or_null = [](const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); };
  nlohmann::json j = {{"name", o.cell.name()},
          {"mode", CampaignModeName(o.cell.mode)},
          {"scenario", o.cell.scenario},
          {"protocol", o.cell.protocol->name},
          {"seed", SeedJson(o.cell.seed)},
          {"expect", ExpectationName(o.cell.expect)},
          {"result", CellResultText(o)},
          {"kind", o.found ? nlohmann::json(o.kind) : nlohmann::json(nullptr)},
          {"met", o.cut_short() ? nlohmann::json(nullptr) : nlohmann::json(o.met)},
          {"skipped", CellSkipped(o)},
          {"error", o.error.ok() ? nlohmann::json(nullptr) : nlohmann::json(o.error.message())},
          {"seconds", o.seconds},
          {"coverage", or_null(o.coverage)},
          {"certificate", or_null(o.certificate)},
          {"replay", or_null(o.replay)},
          {"report", o.report.is_null() ? nlohmann::json(nullptr) : nlohmann::json("cells/" + o.cell.name() + ".json")}};
  // The file system only off ext4, so ext4 campaigns read as before.
  if (o.cell.fs->name != DefaultFsModel().name) j["fs"] = o.cell.fs->name;
  return j;
}

}  // namespace

Status CampaignResults::Create(const std::string& dir, CampaignResults* out) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_empty(dir, ec)) {
    return Status::Refused(fmt::format("--results '{}' exists and is not empty; choose a new folder", dir));
  }
  Status s = CheckCreatable(dir + "/x", "--results");
  if (!s.ok()) return s;
  for (const char* sub : {"cells", "findings"}) {
    std::filesystem::create_directories(std::filesystem::path(dir) / sub, ec);
    if (ec) return Status::IoError(fmt::format("--results: cannot create '{}/{}': {}", dir, sub, ec.message()));
  }
  out->dir_ = std::filesystem::absolute(dir).string();
  out->write_errors_ = 0;
  return Status::Ok();
}

void CampaignResults::write_cell(const CellOutcome& o) {
  const std::string name = o.cell.name();
  const auto write = [&](const std::string& path, const std::string& text) {
    if (!WriteTextFile(path, text).ok()) ++write_errors_;
  };
  if (!o.report.is_null()) write(fmt::format("{}/cells/{}.json", dir_, name), JsonText(o.report, 2) + "\n");
  if (o.replay.empty()) return;
  write(fmt::format("{}/findings/{}.txt", dir_, name), fmt::format("{}\n\n{}", o.replay, o.trace_text));
  write(fmt::format("{}/findings/{}.trace.json", dir_, name), JsonText(o.trace_json) + "\n");
}

nlohmann::json CampaignResults::Summary(const CampaignOptions& options, const std::vector<CellOutcome>& outcomes,
                                        int signal) {
  const size_t total = CampaignCells(options).size();
  std::vector<std::string> protocol_names;
  for (const ProtocolTraits* p : options.protocols) protocol_names.emplace_back(p->name);
  // The options every cell shares; its scenario, protocol and seed are the
  // cell's (in "cells").
  nlohmann::json explore = ExploreConfigJson(options.explore), stress = options.stress.to_json();
  for (nlohmann::json* shared : {&explore, &stress}) {
    for (const char* per_cell : {"scenario", "protocol", "seed"}) shared->erase(per_cell);
  }
  nlohmann::json summary = JsonDocument("run", {{"mode", CampaignModeName(options.mode)},
                                                {"scenarios", options.scenarios},
                                                {"protocols", protocol_names},
                                                {"seeds", SeedsJson(options.seeds)},
                                                {"explore", explore},
                                                {"stress", stress},
                                                {"jobs", options.jobs}});
  if (options.file_systems.size() != 1 || options.file_systems[0]->name != DefaultFsModel().name) {
    std::vector<std::string> fs_names;
    for (const FsModel* f : options.file_systems) fs_names.emplace_back(f->name);
    summary["file_systems"] = fs_names;
  }
  nlohmann::json cells = nlohmann::json::array();
  bool all_met = true;
  int passed = 0, failed = 0, skipped = 0, errors = 0;
  for (const CellOutcome& o : outcomes) {
    all_met &= o.met;
    cells.push_back(CellJson(o));
    ++(!o.error.ok() ? errors : CellSkipped(o) || o.cut_short() ? skipped : o.met ? passed : failed);
  }
  summary["cells"] = cells;
  summary["total"] = total;
  summary["run"] = outcomes.size();
  summary["passed"] = passed;
  summary["failed"] = failed;
  summary["skipped"] = skipped;
  summary["errors"] = errors;
  summary["shard"] = fmt::format("{}/{}", options.shard_index, options.shard_count);
  summary["met"] = all_met && outcomes.size() == total;
  summary["interrupted_by"] = signal != 0 ? nlohmann::json(SignalName(signal)) : nlohmann::json(nullptr);
  return summary;
}

Status CampaignResults::finish(nlohmann::json summary, const std::vector<CellOutcome>& outcomes) {
  summary["files_not_written"] = write_errors_;
  Status s = WriteTextFile(dir_ + "/summary.json", JsonText(summary, 2) + "\n");
  if (!s.ok()) return s;
  const nlohmann::json& meta = summary["daxbreak"];
  std::string seeds;
  for (const nlohmann::json& seed : summary["config"]["seeds"]) seeds += (seeds.empty() ? "" : ",") + (seed.is_string() ? seed.get<std::string>() : seed.dump());
  const std::vector<std::pair<std::string, std::string>> properties = {
      {"daxbreak.version", meta.value("version", "")},
      {"kernel.release", meta.value("kernel_release", "")},
      {"mode", summary["config"].value("mode", "")},
      {"seeds", seeds},
      {"shard", summary.value("shard", "")}};
  s = WriteTextFile(dir_ + "/junit.xml", CampaignJunitXml(outcomes, meta.value("hostname", ""), meta.value("utc", ""),
                                                          properties));
  if (!s.ok()) return s;
  return WriteTextFile(dir_ + "/index.html", CampaignHtml(summary, outcomes));
}

std::string CellResultText(const CellOutcome& o) {
  if (!o.error.ok()) return "error";
  if (!o.found) return o.interrupted_by != 0 ? "clean (cut short)" : "clean";
  return o.kind == "deadlock" ? "stall" : o.kind;
}

std::string CampaignTable(const std::vector<CellOutcome>& outcomes) {
  // The name columns are as wide as their widest entry, at least the width
  // the common names need.
  size_t scenario_w = 12, protocol_w = 20;
  for (const CellOutcome& o : outcomes) {
    scenario_w = std::max(scenario_w, o.cell.scenario.size());
    protocol_w = std::max(protocol_w, ProtocolColumn(o.cell).size());
  }
  const auto row = [&](std::string_view scenario, std::string_view protocol, std::string_view seed,
                       std::string_view expect, std::string_view result, std::string_view coverage,
                       std::string_view ok) {
    return fmt::format("{:<{}} {:<{}} {:>5} {:<6} {:<24} {:<9} {}\n", scenario, scenario_w, protocol, protocol_w, seed,
                       expect, result, coverage, ok);
  };
  std::string out = row("scenario", "protocol", "seed", "expect", "result", "coverage", "ok");
  for (const CellOutcome& o : outcomes) {
    out += row(o.cell.scenario, ProtocolColumn(o.cell), std::to_string(o.cell.seed), ExpectationName(o.cell.expect),
               CellResultText(o), o.coverage.empty() ? "-" : o.coverage,
               o.cut_short() ? "-" : CellSkipped(o) ? "skip" : o.met ? "yes" : "NO");
  }
  return out;
}

}  // namespace daxbreak
