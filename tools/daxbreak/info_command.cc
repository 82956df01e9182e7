// `daxbreak info`: the machine's persistent memory (NVDIMM regions and
// namespaces through libndctl, device-dax nodes through libdaxctl) and, for
// each path given, whether it is DAX, whether MAP_SYNC works and the store
// granularity libpmem2 gives. It never writes: a missing path is exit 2.

#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "commands.h"
#include "daxbreak/base/json_text.h"
#include "option_types.h"
#include "daxbreak/base/run_metadata.h"
#include "daxbreak/base/size_parse.h"
#include "daxbreak/pmem/pmem_discovery.h"

namespace daxbreak::cli {
namespace {

// An empty text is absent: null, as everywhere in the JSON (docs/json.md).
nlohmann::json OrNull(const std::string& text) { return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text); }

nlohmann::json TopologyJson(const PmemTopology& t) {
  nlohmann::json regions = nlohmann::json::array();
  for (const RegionInfo& r : t.regions) {
    nlohmann::json ns = nlohmann::json::array();
    for (const NamespaceInfo& n : r.namespaces) {
      ns.push_back({{"devname", n.devname}, {"mode", n.mode}, {"size", n.size_bytes}, {"active", n.active},
                    {"block_device", OrNull(n.block_device)}, {"dax_device", OrNull(n.dax_device)}, {"align", n.align_bytes}});
    }
    regions.push_back({{"devname", r.devname}, {"bus_provider", r.bus_provider}, {"type", r.type},
                       {"size", r.size_bytes}, {"available_size", r.available_bytes}, {"namespaces", ns}});
  }
  nlohmann::json dax = nlohmann::json::array();
  for (const DaxDeviceInfo& d : t.dax_devices) {
    dax.push_back({{"devname", d.devname}, {"size", d.size_bytes}, {"align", d.align_bytes}, {"region", d.region_id}});
  }
  return {{"regions", regions}, {"dax_devices", dax}};
}

nlohmann::json PathJson(const PathInfo& p) {
  return {{"path", p.path},       {"file_type", p.file_type}, {"fs_type", p.fs_type},
          {"size", p.size_bytes}, {"dax", p.dax_known ? nlohmann::json(p.dax) : nlohmann::json(nullptr)},
          {"map_sync", p.map_sync}, {"granularity", OrNull(p.granularity)}, {"note", OrNull(p.note)}};
}

std::string Text(const PmemTopology& t, const std::vector<PathInfo>& paths) {
  std::string out;
  if (t.regions.empty()) out += "regions: none (libndctl sees no NVDIMM region)\n";
  for (const RegionInfo& r : t.regions) {
    out += fmt::format("{} ({}, {}): {}, {} available\n", r.devname, r.bus_provider, r.type, FormatSize(r.size_bytes),
                       FormatSize(r.available_bytes));
    for (const NamespaceInfo& n : r.namespaces) {
      const std::string dev = !n.dax_device.empty() ? "/dev/" + n.dax_device
                              : !n.block_device.empty() ? "/dev/" + n.block_device
                                                        : "no device";
      out += fmt::format("  {} {} {} {}, {}{}\n", n.devname, n.mode, FormatSize(n.size_bytes),
                         n.active ? "active" : "inactive", dev,
                         n.align_bytes ? ", align " + FormatSize(n.align_bytes) : "");
    }
  }
  if (t.dax_devices.empty()) out += "device-dax: none\n";
  for (const DaxDeviceInfo& d : t.dax_devices) {
    out += fmt::format("/dev/{}: device-dax, {}, align {}, region {}\n", d.devname, FormatSize(d.size_bytes),
                       FormatSize(d.align_bytes), d.region_id);
  }
  for (const PathInfo& p : paths) {
    out += fmt::format("{}: {} on {}, {}; DAX {}; MAP_SYNC {}", p.path, p.file_type, p.fs_type, FormatSize(p.size_bytes),
                       p.dax_known ? (p.dax ? "yes" : "no") : "unknown (kernel does not report it)",
                       p.map_sync ? "yes" : "no");
    if (!p.granularity.empty()) out += "; libpmem2 granularity " + p.granularity;
    if (!p.note.empty()) out += " (" + p.note + ")";
    out += "\n";
  }
  return out;
}

}  // namespace

CommandRunner AddInfoCommand(CLI::App& app) {
  struct InfoArgs {
    std::vector<std::string> paths;
    std::string format = "text";
  };
  auto a = std::make_shared<InfoArgs>();
  auto* sub = app.add_subcommand("info", "Show the machine's pmem (libndctl, libdaxctl) and what each PATH gives");
  sub->add_option("paths", a->paths, "Files, mount points or /dev/daxX.Y to probe (read-only)");
  sub->add_option("--output-format", a->format, "text or json")
      ->transform(Choice({"text", "json"}))
      ->capture_default_str();
  return [a]() {
    PmemTopology topology;
    Status s = DiscoverPmem(&topology);
    if (!s.ok()) return Fail(s);
    std::vector<PathInfo> paths;
    for (const std::string& path : a->paths) {
      s = ProbePath(path, &paths.emplace_back());
      if (!s.ok()) return Fail(s);
    }
    std::string out;
    if (a->format == "json") {
      nlohmann::json j = JsonDocument("info", {{"paths", a->paths}});
      j.update(TopologyJson(topology));
      j["paths"] = nlohmann::json::array();
      for (const PathInfo& p : paths) j["paths"].push_back(PathJson(p));
      out = JsonText(j, 2) + "\n";
    } else {
      out = Text(topology, paths);
    }
    s = WriteOutput("", out);
    return s.ok() ? kExitClean : Fail(s);
  };
}

}  // namespace daxbreak::cli
