#include "daxbreak/stress/stress_config.h"

#include <random>

#include <fmt/format.h>

#include "daxbreak/base/run_metadata.h"
#include "daxbreak/base/suggest.h"
#include "daxbreak/stress/stress_scenario.h"

namespace daxbreak {
namespace {

constexpr std::string_view kOpNames[kLayoutOps] = {"truncate", "punch",  "zero",
                                                    "collapse", "insert", "prealloc"};

// The options of the other target, which this one does not take: a value
// different from its default is an error, not silently ignored.
Status CheckTargetOptions(const StressConfig& c) {
  const StressConfig d;
  const auto refuse = [&](std::string_view option) {
    return Status::InvalidArgument(fmt::format("{} applies to the {} target only; this run's target is {}",
                                               option, c.target == TargetKind::kModel ? "kernel" : "model",
                                               TargetKindName(c.target)));
  };
  if (c.target == TargetKind::kModel) {
    if (c.file_path != d.file_path) return refuse("--file");
    return Status::Ok();
  }
  if (c.device_path != d.device_path) return refuse("--device");
  if (c.device_bytes != d.device_bytes) return refuse("--size");
  if (c.protocol != d.protocol) return refuse("--protocol");
  if (c.fs != d.fs) return refuse("--fs");
  if (c.tlb_flush != d.tlb_flush) return refuse("--tlb-flush");
  if (c.page_size != d.page_size) return refuse("--page-size");
  if (c.noise_per_million != d.noise_per_million) return refuse("--noise");
  if (c.noise_max_ns != d.noise_max_ns) return refuse("--noise-max");
  return Status::Ok();
}

}  // namespace

std::string_view LayoutOpName(LayoutOp op) { return kOpNames[static_cast<uint32_t>(op)]; }

Status ParseLayoutOps(std::string_view csv, uint32_t* mask) {
  *mask = 0;
  size_t pos = 0;
  while (pos <= csv.size()) {
    const size_t comma = std::min(csv.find(',', pos), csv.size());
    const std::string_view name = csv.substr(pos, comma - pos);
    uint32_t bit = 0;
    for (uint32_t i = 0; i < kLayoutOps; ++i) {
      if (kOpNames[i] == name) bit = 1u << i;
    }
    if (bit == 0) {
      return Status::InvalidArgument(fmt::format("--ops: unknown operation '{}' (choose from {}){}", name,
                                                 LayoutOpList(kAllLayoutOps),
                                                 DidYouMean(name, LayoutOpList(kAllLayoutOps))));
    }
    *mask |= bit;
    pos = comma + 1;
  }
  return Status::Ok();
}

std::string LayoutOpList(uint32_t mask) {
  std::string out;
  for (uint32_t i = 0; i < kLayoutOps; ++i) {
    if ((mask & (1u << i)) == 0) continue;
    if (!out.empty()) out += ',';
    out += kOpNames[i];
  }
  return out;
}

nlohmann::json LayoutOpArray(uint32_t mask) {
  nlohmann::json out = nlohmann::json::array();
  for (uint32_t i = 0; i < kLayoutOps; ++i) {
    if ((mask & (1u << i)) != 0) out.push_back(kOpNames[i]);
  }
  return out;
}

std::string_view TargetKindName(TargetKind kind) { return kind == TargetKind::kKernel ? "kernel" : "model"; }

Status ParseTargetKind(std::string_view text, TargetKind* out) {
  for (TargetKind k : {TargetKind::kModel, TargetKind::kKernel}) {
    if (TargetKindName(k) == text) {
      *out = k;
      return Status::Ok();
    }
  }
  return Status::InvalidArgument(fmt::format("--target: '{}' is not model or kernel", text));
}

Status ParseDioMode(std::string_view text, DioMode* out) {
  if (text != "read" && text != "write" && text != "read,write" && text != "write,read") {
    return Status::InvalidArgument(fmt::format("--dio: '{}' is not read, write or read,write", text));
  }
  out->read = text.find("read") != std::string_view::npos;
  out->write = text.find("write") != std::string_view::npos;
  return Status::Ok();
}

std::string DioModeName(DioMode mode) {
  return mode.read && mode.write ? "read,write" : mode.write ? "write" : "read";
}

Status StressConfig::validate() const {
  const StressScenarioInfo* info = FindStressScenario(scenario);
  if (info == nullptr) {
    return Status::InvalidArgument(
        fmt::format("--scenario: unknown scenario '{}' (choose from {}){}", scenario, StressScenarioNames(),
                    DidYouMean(scenario, StressScenarioNames())));
  }
  if (!info->runs_on(target)) {
    return Status::InvalidArgument(fmt::format("--scenario: '{}' runs on the {} target only, not on {}", scenario,
                                               info->targets(), TargetKindName(target)));
  }
  Status s = CheckTargetOptions(*this);
  if (!s.ok()) return s;
  if (threads < 1 || threads > 64) return Status::InvalidArgument(fmt::format("--threads: {} is not in 1..64", threads));
  if (queue_depth < 1 || queue_depth > 256) {
    return Status::InvalidArgument(fmt::format("--queue-depth: {} is not in 1..256", queue_depth));
  }
  if (victim_pages < 2 || victim_pages > 1024) {
    return Status::InvalidArgument(fmt::format("--file-pages: {} is not in 2..1024", victim_pages));
  }
  if (duration.count() <= 0 && max_ops == 0) {
    return Status::InvalidArgument("--duration: must be positive unless --max-ops is given");
  }
  if (layout_ops == 0 || (layout_ops & ~kAllLayoutOps) != 0) {
    return Status::InvalidArgument(fmt::format("--ops: bad operation mask {:#x}", layout_ops));
  }
  if (!dio.read && !dio.write) return Status::InvalidArgument("--dio: choose read, write or both");
  if (noise_per_million > 1000000) {
    return Status::InvalidArgument(fmt::format("--noise: {} is above 1000000 per million", noise_per_million));
  }
  if (protocol == nullptr) return Status::InvalidArgument("--protocol: none given");
  if (fs == nullptr) return Status::InvalidArgument("--fs: none given");
  if (!ProtocolAppliesTo(*protocol, fs->name)) {
    return Status::InvalidArgument(
        fmt::format("--fs: protocol {} applies to {}, not to {}", protocol->name, protocol->applies_to, fs->name));
  }
  const uint32_t moves = LayoutOpBit(LayoutOp::kCollapse) | LayoutOpBit(LayoutOp::kInsert);
  if (!fs->traits.collapse_insert && (layout_ops & moves) != 0) {
    return Status::InvalidArgument(
        fmt::format("--ops: {} has no collapse or insert range (asked for {})", fs->name, LayoutOpList(layout_ops)));
  }
  if (stall_timeout < std::chrono::milliseconds(100)) {
    return Status::InvalidArgument("--stall-timeout: must be at least 100ms");
  }
  if (disk_bytes < (64u << 10) || disk_bytes % 4096 != 0) {
    return Status::InvalidArgument(
        fmt::format("--disk-size: {} bytes is not a multiple of 4 KiB of at least 64 KiB", disk_bytes));
  }
  const std::string& main_path = target == TargetKind::kModel ? device_path : file_path;
  const char* main_option = target == TargetKind::kModel ? "--device" : "--file";
  if (main_path.empty()) return Status::InvalidArgument(fmt::format("{}: empty path", main_option));
  if (disk_path.empty()) return Status::InvalidArgument("--disk: empty path");
  if (disk_path == main_path) {
    return Status::InvalidArgument(fmt::format("--disk '{}' is the same path as {}", disk_path, main_option));
  }
  return Status::Ok();
}

nlohmann::json StressConfig::to_json() const {
  nlohmann::json j = {{"scenario", scenario},
                      {"target", TargetKindName(target)},
                      {"force", force},
                      {"disk", disk_path},
                      {"disk_size", disk_bytes},
                      {"threads", threads},
                      {"dio", DioModeName(dio)},
                      {"duration_seconds", std::chrono::duration<double>(duration).count()},
                      {"max_ops", max_ops},
                      {"ops", LayoutOpArray(layout_ops)},
                      {"seed", SeedJson(seed)},
                      {"queue_depth", queue_depth},
                      {"file_pages", victim_pages},
                      {"stall_timeout_seconds", std::chrono::duration<double>(stall_timeout).count()},
                      {"stop_on_violation", stop_on_violation}};
  if (target == TargetKind::kKernel) {
    j["file"] = file_path;
    return j;
  }
  j["device"] = device_path;
  j["size"] = device_bytes != 0 ? nlohmann::json(device_bytes) : nlohmann::json(nullptr);  // null: not yet known.
  j["protocol"] = protocol->name;
  if (fs->name != DefaultFsModel().name) j["fs"] = fs->name;  // ext4 reports read as before.
  j["tlb_flush"] = TlbFlushModeName(tlb_flush);
  if (page_size != DaxPageSize::k4K) j["page_size"] = DaxPageSizeName(page_size);  // 4k documents stay as they were.
  j["noise_per_million"] = noise_per_million;
  j["noise_max_ns"] = noise_max_ns;
  return j;
}

uint64_t RandomSeed() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

}  // namespace daxbreak
