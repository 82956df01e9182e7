#include "daxbreak/io/uring_dio_engine.h"

#include <liburing.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace daxbreak {
namespace {

// One request slot: the pinned pages and the iovecs that point at them.
struct Request {
  bool is_read = false;
  uint64_t disk_offset = 0;  // Where the next (re)submission starts.
  uint64_t first_offset = 0; // Where the request started, for reports.
  uint64_t remaining = 0;    // Bytes not transferred yet.
  std::vector<PinnedPage> pinned;
  std::vector<iovec> iov;
  size_t iov_done = 0;       // iovecs fully transferred.
};

class UringDioEngine final : public DioEngine {
 public:
  UringDioEngine(DiskFile* disk, PmemDevice* device, PageArray* pages, ViolationSink* sink,
                 uint32_t queue_depth)
      : DioEngine(disk->size_bytes(), pages, sink), disk_(disk), device_(device), slots_(queue_depth) {
    for (uint32_t i = queue_depth; i > 0; --i) free_slots_.push_back(i - 1);
  }
  ~UringDioEngine() override {
    if (!ready_) return;
    (void)drain();
    io_uring_queue_exit(&ring_);
  }

  Status init(uint32_t queue_depth) {
    const int rc = io_uring_queue_init(queue_depth, &ring_, 0);
    if (rc == -ENOSYS || rc == -EPERM) {
      return Status::Environment(fmt::format(
          "io_uring is unavailable here ({}): a seccomp filter or kernel.io_uring_disabled "
          "blocks it",
          std::strerror(-rc)));
    }
    if (rc < 0) return Status::Environment(fmt::format("io_uring_queue_init({}): {}", queue_depth, std::strerror(-rc)));
    ready_ = true;
    return Status::Ok();
  }

  Status dio_read(uint64_t disk_offset, Vma& vma, uint64_t addr, uint64_t len) override {
    return start(/*is_read=*/true, disk_offset, vma, addr, len);
  }
  Status dio_write(uint64_t disk_offset, Vma& vma, uint64_t addr, uint64_t len) override {
    return start(/*is_read=*/false, disk_offset, vma, addr, len);
  }
  uint32_t in_flight() const override {
    return static_cast<uint32_t>(slots_.size() - free_slots_.size());
  }
  Status reap(uint32_t min_complete) override;

 private:
  Status start(bool is_read, uint64_t disk_offset, Vma& vma, uint64_t addr, uint64_t len);
  Status submit(uint32_t slot);
  void finish(uint32_t slot, int res);

  DiskFile* const disk_;
  PmemDevice* const device_;
  io_uring ring_{};
  bool ready_ = false;
  std::vector<Request> slots_;
  std::vector<uint32_t> free_slots_;
};

Status UringDioEngine::start(bool is_read, uint64_t disk_offset, Vma& vma, uint64_t addr,
                             uint64_t len) {
  Status s = check_request(disk_offset, vma, addr, len);
  if (!s.ok()) return s;
  if (free_slots_.empty()) {
    s = reap(1);
    if (!s.ok()) return s;
  }
  const uint32_t slot = free_slots_.back();
  Request& req = slots_[slot];
  req = Request{};
  req.is_read = is_read;
  req.disk_offset = req.first_offset = disk_offset;
  req.remaining = len;
  s = pin_request(is_read, vma, addr, len, &req.pinned);
  if (!s.ok()) return s;
  for (const PinnedPage& p : req.pinned) {
    // Only a DIO write (the pages are its source) can pin the zero page.
    void* base = p.pfn == kZeroPfn ? const_cast<char*>(zero_page()) : device_->page_address(p.pfn);
    req.iov.push_back(iovec{base, kPageSize});
  }
  free_slots_.pop_back();
  s = submit(slot);
  if (!s.ok()) finish(slot, -EIO);
  return s;
}

Status UringDioEngine::submit(uint32_t slot) {
  Request& req = slots_[slot];
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe == nullptr) return Status::IoError("io_uring submission queue full");
  const iovec* iov = req.iov.data() + req.iov_done;
  const unsigned nr = static_cast<unsigned>(req.iov.size() - req.iov_done);
  if (req.is_read) io_uring_prep_readv(sqe, disk_->fd(), iov, nr, req.disk_offset);
  else io_uring_prep_writev(sqe, disk_->fd(), iov, nr, req.disk_offset);
  io_uring_sqe_set_data64(sqe, slot);
  const int rc = io_uring_submit(&ring_);
  if (rc < 0) return Status::FromErrno(rc, "io_uring_submit");
  return Status::Ok();
}

Status UringDioEngine::reap(uint32_t min_complete) {
  uint32_t got = 0;
  for (;;) {
    io_uring_cqe* cqe = nullptr;
    int rc = got < min_complete ? io_uring_wait_cqe(&ring_, &cqe) : io_uring_peek_cqe(&ring_, &cqe);
    if (rc == -EAGAIN || (rc == 0 && cqe == nullptr)) break;
    if (rc == -EINTR) continue;
    if (rc < 0) return Status::FromErrno(rc, "io_uring_wait_cqe");
    const auto slot = static_cast<uint32_t>(io_uring_cqe_get_data64(cqe));
    const int res = cqe->res;
    io_uring_cqe_seen(&ring_, cqe);
    Request& req = slots_[slot];
    if (res > 0 && static_cast<uint64_t>(res) < req.remaining && res % kPageSize == 0) {
      // A short transfer: resubmit the rest.
      req.remaining -= static_cast<uint64_t>(res);
      req.disk_offset += static_cast<uint64_t>(res);
      req.iov_done += static_cast<size_t>(res) / kPageSize;
      stats_.bytes.fetch_add(static_cast<uint64_t>(res), std::memory_order_relaxed);
      if (submit(slot).ok()) continue;
    }
    finish(slot, res);
    ++got;
  }
  return Status::Ok();
}

void UringDioEngine::finish(uint32_t slot, int res) {
  Request& req = slots_[slot];
  if (res < 0 || static_cast<uint64_t>(res) != req.remaining) {
    stats_.io_errors.fetch_add(1, std::memory_order_relaxed);
  } else {
    stats_.bytes.fetch_add(static_cast<uint64_t>(res), std::memory_order_relaxed);
  }
  stats_.completions.fetch_add(1, std::memory_order_relaxed);
  complete_pages(req.pinned, req.is_read, req.first_offset);
  req.pinned.clear();
  free_slots_.push_back(slot);
}

}  // namespace

Status CreateUringDioEngine(DiskFile* disk, PmemDevice* device, PageArray* pages,
                            ViolationSink* sink, uint32_t queue_depth,
                            std::unique_ptr<DioEngine>* out) {
  if (queue_depth == 0 || queue_depth > 4096) {
    return Status::InvalidArgument(fmt::format("queue depth {} is not in 1..4096", queue_depth));
  }
  auto engine = std::make_unique<UringDioEngine>(disk, device, pages, sink, queue_depth);
  Status s = engine->init(queue_depth);
  if (!s.ok()) return s;
  *out = std::move(engine);
  return Status::Ok();
}

}  // namespace daxbreak
