#include "daxbreak/check/crash_oracle.h"

#include <fmt/format.h>

namespace daxbreak {

void CheckCrashImage(const CrashImage& image, const std::string& written, uint32_t ino, uint64_t pfn,
                     ViolationSink* sink) {
  if (!image.taken || sink == nullptr) return;
  const bool durable = image.block == written;
  if (image.logged_written && !durable) {
    sink->report(Violation{ViolationKind::kStaleDataAfterCrash, pfn, ino, 0, "remount",
                           "after log replay the extent is marked written but its block holds bytes the "
                           "write never made durable (stale data)"});
  }
  if (image.fsync_returned && image.write_before_fsync && !(image.logged_written && durable)) {
    sink->report(Violation{ViolationKind::kFsyncDataLost, pfn, ino, 0, "remount",
                           fmt::format("an fsync returned after the write, yet after log replay the extent is {} "
                                       "and its block {} the written bytes",
                                       image.logged_written ? "written" : "prealloc (reads as zeros)",
                                       durable ? "holds" : "does not hold")});
  }
}

}  // namespace daxbreak
