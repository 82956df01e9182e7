#include "daxbreak/stress/stress_config.h"

#include <random>

#include <fmt/format.h>

namespace daxbreak {
namespace {

constexpr std::string_view kOpNames[kLayoutOps] = {"truncate", "punch",  "zero",
                                                    "collapse", "insert", "prealloc"};

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
      return Status::InvalidArgument(fmt::format("--ops: unknown operation '{}' (choose from {})", name,
                                                 LayoutOpList(kAllLayoutOps)));
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

Status ValidateCollisionShape(uint32_t threads, uint32_t queue_depth, uint32_t victim_pages,
                              std::chrono::nanoseconds duration, uint64_t max_ops, uint32_t layout_ops) {
  if (threads < 1 || threads > 64) {
    return Status::InvalidArgument(fmt::format("--threads: {} is not in 1..64", threads));
  }
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
  return Status::Ok();
}

Status StressConfig::validate() const {
  if (scenario != "collision" && scenario != "cached-mapping") {
    return Status::InvalidArgument(
        fmt::format("--scenario: unknown scenario '{}' (choose from collision, cached-mapping)", scenario));
  }
  Status s = ValidateCollisionShape(threads, queue_depth, victim_pages, duration, max_ops, layout_ops);
  if (!s.ok()) return s;
  if (noise_per_million > 1000000) {
    return Status::InvalidArgument(fmt::format("--noise: {} is above 1000000 per million", noise_per_million));
  }
  if (protocol == nullptr) return Status::InvalidArgument("--protocol: none given");
  if (stall_timeout < std::chrono::milliseconds(100)) {
    return Status::InvalidArgument("--stall-timeout: must be at least 100ms");
  }
  if (device_path.empty()) return Status::InvalidArgument("--device: empty path");
  if (disk_path.empty()) return Status::InvalidArgument("--disk: empty path");
  if (disk_path == device_path) {
    return Status::InvalidArgument(fmt::format("--disk '{}' is the same path as --device", disk_path));
  }
  return Status::Ok();
}

nlohmann::json StressConfig::to_json() const {
  return {{"scenario", scenario},
          {"device", device_path},
          {"size", device_bytes},
          {"force", force},
          {"disk", disk_path},
          {"disk_size", disk_bytes},
          {"threads", threads},
          {"duration_seconds", std::chrono::duration<double>(duration).count()},
          {"max_ops", max_ops},
          {"ops", LayoutOpList(layout_ops)},
          {"seed", seed},
          {"protocol", protocol->name},
          {"tlb_flush", TlbFlushModeName(tlb_flush)},
          {"queue_depth", queue_depth},
          {"file_pages", victim_pages},
          {"noise_per_million", noise_per_million},
          {"noise_max_ns", noise_max_ns},
          {"stall_timeout_seconds", std::chrono::duration<double>(stall_timeout).count()},
          {"stop_on_violation", stop_on_violation}};
}

uint64_t RandomSeed() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

}  // namespace daxbreak
