#include "daxbreak/io/dio_engine.h"

#include <fmt/format.h>

#include "daxbreak/base/device_header.h"
#include "daxbreak/sync/task.h"

namespace daxbreak {

Status DioEngine::check_request(uint64_t disk_offset, Vma& vma, uint64_t addr, uint64_t len) const {
  if (len == 0 || len % kPageSize != 0) {
    return Status::InvalidArgument(fmt::format("DIO length {} is not a positive multiple of 4096", len));
  }
  if (disk_offset % kPageSize != 0 || disk_offset < kPageSize ||
      disk_offset > disk_bytes_ || len > disk_bytes_ - disk_offset) {
    return Status::InvalidArgument(fmt::format(
        "DIO disk range [{}, +{}) is unaligned, covers the header or leaves the {}-byte disk",
        disk_offset, len, disk_bytes_));
  }
  if (addr % kPageSize != 0 || !vma.contains(addr, len)) {
    return Status::InvalidArgument(fmt::format("DIO buffer {:#x} +{} is unaligned or outside the VMA", addr, len));
  }
  return Status::Ok();
}

Status DioEngine::pin_request(bool is_read, Vma& vma, uint64_t addr, uint64_t len,
                              std::vector<PinnedPage>* pinned, bool keep_partial) {
  // The era's reference (DioRef): FOLL_GET before a7e689dd1c06 (6.5), FOLL_PIN from it.
  const uint32_t ref = pages_->dio_ref() == DioRef::kFollPin ? uint32_t{FOLL_PIN} : 0u;
  const uint32_t flags = ref | (is_read ? FOLL_WRITE : 0u);
  Status s = keep_partial ? pin_user_pages_partial(vma, addr, len / kPageSize, flags, pinned, &gup_stats_)
                          : pin_user_pages(vma, addr, len / kPageSize, flags, pinned, &gup_stats_);
  if (!s.ok()) {
    stats_.pin_failures.fetch_add(1, std::memory_order_relaxed);
    stats_.pages_pinned.fetch_add(pinned->size(), std::memory_order_relaxed);
    return s;
  }
  stats_.pages_pinned.fetch_add(pinned->size(), std::memory_order_relaxed);
  (is_read ? stats_.reads : stats_.writes).fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

void DioEngine::complete_pages(const std::vector<PinnedPage>& pinned, bool is_read,
                               uint64_t disk_offset) {
  for (const PinnedPage& p : pinned) {
    if (p.pfn == kZeroPfn) continue;  // A read pin of the zero page belongs to no file.
    const uint16_t now = pages_->generation(p.pfn);
    if (now != p.generation_at_pin && sink_ != nullptr) {
      sink_->report(Violation{
          ViolationKind::kDmaAfterFree, p.pfn, p.ino, static_cast<uint64_t>(p.index) * kPageSize,
          Task::current().name(),
          fmt::format("DIO {} at disk offset {} for (ino {}, index {}) completed into a page whose "
                      "owner changed since the pin (association generation {} -> {})",
                      is_read ? "read" : "write", disk_offset, p.ino, p.index, p.generation_at_pin, now)});
    }
  }
  // iomap_dio_bio_end_io() -> bio_release_pages(): the DIO's references go
  // on the bio release path (where `bio-release-no-wake` skips the wake).
  unpin_user_pages(*pages_, pinned, PutPath::kBioRelease);
}

const char* DioEngine::zero_page() {
  alignas(4096) static const char kZeros[kPageSize] = {};
  return kZeros;
}

}  // namespace daxbreak
