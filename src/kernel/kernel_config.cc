#include <fmt/format.h>

#include "daxbreak/kernel/kernel_runner.h"

namespace daxbreak {

Status KernelConfig::validate() const {
  if (scenario != "collision" && scenario != "refault") {
    return Status::InvalidArgument(
        fmt::format("--scenario: unknown kernel scenario '{}' (choose from collision, refault)", scenario));
  }
  Status s = ValidateCollisionShape(threads, queue_depth, victim_pages, duration, max_ops, layout_ops);
  if (!s.ok()) return s;
  if (!dio_read && !dio_write) return Status::InvalidArgument("--dio: choose read, write or both");
  if (stall_timeout < std::chrono::milliseconds(100)) {
    return Status::InvalidArgument("--stall-timeout: must be at least 100ms");
  }
  if (disk_bytes < (64u << 10) || disk_bytes % 4096 != 0) {
    return Status::InvalidArgument(fmt::format("--disk-size: {} bytes is not a multiple of 4 KiB of at least 64 KiB", disk_bytes));
  }
  if (file_path.empty()) return Status::InvalidArgument("--file: empty path");
  if (disk_path.empty()) return Status::InvalidArgument("--disk: empty path");
  if (disk_path == file_path) {
    return Status::InvalidArgument(fmt::format("--disk '{}' is the same path as --file", disk_path));
  }
  return Status::Ok();
}

nlohmann::json KernelConfig::to_json() const {
  std::string dio = dio_read && dio_write ? "read,write" : dio_read ? "read" : "write";
  return {{"scenario", scenario},
          {"file", file_path},
          {"force", force},
          {"disk", disk_path},
          {"disk_size", disk_bytes},
          {"threads", threads},
          {"dio", dio},
          {"duration_seconds", std::chrono::duration<double>(duration).count()},
          {"max_ops", max_ops},
          {"ops", LayoutOpList(layout_ops)},
          {"seed", seed},
          {"queue_depth", queue_depth},
          {"file_pages", victim_pages},
          {"stall_timeout_seconds", std::chrono::duration<double>(stall_timeout).count()},
          {"stop_on_violation", stop_on_violation}};
}

}  // namespace daxbreak
