#include "daxbreak/io/sync_dio_engine.h"

#include <cstring>


namespace daxbreak {

SyncDioEngine::SyncDioEngine(PmemDevice* device, PageArray* pages, ViolationSink* sink, uint64_t disk_bytes)
    : DioEngine(disk_bytes, pages, sink), device_(device), disk_(disk_bytes) {}

Status SyncDioEngine::dio_read(uint64_t disk_offset, Vma& vma, uint64_t addr, uint64_t len) {
  return start(true, disk_offset, vma, addr, len);
}

Status SyncDioEngine::dio_write(uint64_t disk_offset, Vma& vma, uint64_t addr, uint64_t len) {
  return start(false, disk_offset, vma, addr, len);
}

Status SyncDioEngine::start(bool is_read, uint64_t disk_offset, Vma& vma, uint64_t addr, uint64_t len) {
  Status s = check_request(disk_offset, vma, addr, len);
  if (!s.ok()) return s;
  std::vector<PinnedPage> pinned;
  s = pin_request(is_read, vma, addr, len, &pinned, bio_model_.partial_submission);
  if (!s.ok() && !pinned.empty()) {
    // A partial submission (BioModel): the pages pinned before the failure
    // form a short bio that iomap_dio_bio_iter() submits; the DIO returns
    // the error (iomap_dio_complete()).
    if (bio_model_.error_path == DioErrorPath::kDropUnreleased) return s;  // dio-error-leak: never released.
    enqueue(Request{is_read, disk_offset, std::move(pinned)});
  }
  if (!s.ok()) return s;
  enqueue(Request{is_read, disk_offset, std::move(pinned)});
  return Status::Ok();
}

void SyncDioEngine::submit_pinned(bool is_read, uint64_t disk_offset, std::vector<PinnedPage> pinned,
                                  bool all_dirty) {
  stats_.pages_pinned.fetch_add(pinned.size(), std::memory_order_relaxed);
  (is_read ? stats_.reads : stats_.writes).fetch_add(1, std::memory_order_relaxed);
  enqueue(Request{is_read, disk_offset, std::move(pinned), all_dirty});
}

void SyncDioEngine::enqueue(Request req) {
  queue_.push(std::move(req), [this] { outstanding_.fetch_add(1, "dio_submit"); });
}

void SyncDioEngine::complete(Request& req) {
  uint64_t off = req.disk_offset;
  for (const PinnedPage& p : req.pinned) {
    // A read into memory always pins for write, so never the zero page.
    if (req.is_read) std::memcpy(device_->page_address(p.pfn), disk_.data() + off, kPageSize);
    else std::memcpy(disk_.data() + off, p.pfn == kZeroPfn ? zero_page() : device_->page_address(p.pfn), kPageSize);
    off += kPageSize;
  }
  stats_.bytes.fetch_add(req.pinned.size() * kPageSize, std::memory_order_relaxed);
  stats_.completions.fetch_add(1, std::memory_order_relaxed);
  // iomap_dio_bio_end_io(): a read into user pages (IOMAP_DIO_DIRTY) goes
  // through bio_check_pages_dirty(), which releases at once only if every
  // page is still dirty and otherwise defers to bio_dirty_work; the same in
  // the 6.1 and 6.12 sources, for FOLL_GET and FOLL_PIN bios alike.
  // Without a worker (enable_dirty_work()) nothing defers.
  if (dirty_work_ && req.is_read && !req.all_dirty) dirty_list_.push(std::move(req));
  else release(req);
  outstanding_.fetch_sub(1, "dio_complete");
}

Status SyncDioEngine::reap(uint32_t /*min_complete*/) {
  // Every queued request can complete now, so reaping all of them satisfies
  // any minimum.
  Request req;
  while (queue_.try_take(&req)) complete(req);
  while (dirty_work_ && dirty_list_.try_take(&req)) release(req);  // bio_dirty_fn(), run here.
  return Status::Ok();
}

uint32_t SyncDioEngine::in_flight() const { return outstanding_.peek(); }

void SyncDioEngine::run_completions() {
  queue_.run([this](Request& req) { complete(req); });
  if (dirty_work_) dirty_list_.close();
}

void SyncDioEngine::run_dirty_work() {
  dirty_list_.run([this](Request& req) { release(req); });
}

void SyncDioEngine::close() { queue_.close(); }

}  // namespace daxbreak
