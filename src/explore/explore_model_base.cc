#include "daxbreak/explore/explore_model_base.h"

#include <string>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/mm/gup.h"

namespace daxbreak {

ExploreModelBase::ExploreModelBase(const ModelEnv& env)
    : env_(env),
      pages_(MakePageArray(*env.protocol, env.device->nr_pages(), env.page_size)),
      mm_(env.tlb_flush),
      fs_(env.device, pages_.get(), env.checker, DaxFsOptions{env.protocol, env.fs, env.page_size}),
      dio_(env.device, pages_.get(), env.checker, kDiskBytes) {}

void ExploreModelBase::make_file(uint64_t bytes, uint64_t map_pages) {
  (void)fs_.create("file", &file_);
  const std::string data((bytes + kPageSize - 1) / kPageSize * kPageSize, 'f');
  (void)fs_.write(file_.get(), 0, data.data(), data.size());
  if (bytes % kPageSize != 0) (void)fs_.truncate(file_.get(), bytes);
  vma_ = fs_.mmap(&mm_, file_.get(), map_pages, /*writable=*/true);
  for (uint64_t p = 0; p < map_pages && p * kPageSize < bytes; ++p) {
    (void)user_store(*vma_, vma_->address_of(p), "m", 1);
  }
}

void ExploreModelBase::dio_in_flight(uint64_t first, uint64_t nr, bool all_dirty) {
  std::vector<PinnedPage> pinned;
  const uint32_t ref = pages_->dio_ref() == DioRef::kFollPin ? uint32_t{FOLL_PIN} : 0u;  // The era's.
  (void)pin_user_pages(*vma_, vma_->address_of(first), nr, ref | FOLL_WRITE, &pinned);
  dio_.submit_pinned(/*is_read=*/true, kPageSize, std::move(pinned), all_dirty);
}

void ExploreModelBase::add_dirty_work_thread(ControlledScheduler& s) {
  dio_.enable_dirty_work();
  s.add_thread("bio-dirty-work", [this] { dio_.run_dirty_work(); });
}

void ExploreModelBase::add_completion_thread(ControlledScheduler& s, bool more) {
  if (!more) dio_.close();
  s.add_thread("dio-complete", [this] { dio_.run_completions(); });
}

void ExploreModelBase::add_truncate_thread(ControlledScheduler& s, uint64_t size) {
  s.add_thread("truncate", [this, size] { truncate_status_ = fs_.truncate(file_.get(), size); });
}

std::string ExploreModelBase::final_state() {
  std::string out = fmt::format("truncate={}", StatusCodeName(truncate_status_.code()));
  if (file_) out += fmt::format(" size={} blocks={}", file_->size(), file_->nr_blocks());
  for (uint64_t pfn = 0; pfn < pages_->nr_pages(); ++pfn) {
    const uint32_t count = pages_->page_ref_count(pfn), mapped = pages_->page_mapcount(pfn);
    if (count != pages_->idle_refcount() || mapped != 0) out += fmt::format(" p{}:{}/{}", pfn, count, mapped);
  }
  return out;
}

}  // namespace daxbreak
