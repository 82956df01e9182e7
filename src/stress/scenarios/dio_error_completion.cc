// The dio-error-completion scenario, on the kernel target only: io_uring
// O_DIRECT reads from the disk file into a two-page buffer whose second page
// is PROT_NONE, so that every read fails part way (EFAULT on its second
// page) and the block layer's completion runs iomap's error path.
//
// Not a DAX race: the workloads of the other scenarios trip it when a read
// into the victim meets a truncated page. Debian's 6.17.13 queues such an
// error completion on the file system's dio workqueue, which only an async
// O_DIRECT write creates, and dies in interrupt context (the known kernel
// bug `iomap-dio-read-error-wq` of stress/kernel_log.h). A surviving kernel
// logs nothing; tools/vm/daxvm turns a guest that died into a `kernel_oops`
// finding of this run's report (`daxbreak oops`). The model has no such
// path: there the reads would only exercise the host's kernel.
//
// Exercised: at least one read came back short or with EFAULT.

#include <liburing.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/base/device_header.h"
#include "stress/scenarios/scenarios.h"

namespace daxbreak {
namespace {

class DioErrorCompletion final : public StressWorkload {
 public:
  explicit DioErrorCompletion(StressContext& ctx) : ctx_(ctx) {}
  ~DioErrorCompletion() override {
    if (buffer_ != nullptr) munmap(buffer_, 2 * kPageSize);
  }

  Status setup() override {
    void* m = mmap(nullptr, 2 * kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return Status::FromErrno(errno, "mmap of the read buffer");
    buffer_ = static_cast<char*>(m);
    if (mprotect(buffer_ + kPageSize, kPageSize, PROT_NONE) != 0) return Status::FromErrno(errno, "mprotect");
    return Status::Ok();
  }
  std::vector<WorkerSpec> workers() override {
    return {{"dio-error", 0xc000, [this](std::atomic<bool>& stop) { run_reads(stop); }}};
  }
  WorkloadProgress progress() const override { return {"reads", reads_.load(), 0}; }
  void final_check(bool) override {}
  nlohmann::json counts() const override {
    return {{"reads", reads_.load()}, {"short_reads", short_.load()}, {"efault", efault_.load()},
            {"other_errors", other_.load()}};
  }
  Exercise exercised(const ExerciseFacts&) const override {
    if (short_.load() + efault_.load() > 0) return {true, ""};
    return {false, "no O_DIRECT read failed part way"};
  }
  Status first_error() const override { return errors_.get(); }

 private:
  // Reads of two pages at random disk blocks, one at a time, until the stop
  // or --max-ops reads.
  void run_reads(std::atomic<bool>& stop) {
    io_uring ring;
    int rc = io_uring_queue_init(4, &ring, 0);
    if (rc < 0) return errors_.note("dio-error", Status::Environment(fmt::format("io_uring_queue_init: {}", std::strerror(-rc))));
    std::mt19937_64 rng(ctx_.config.seed ^ 0xc000ULL);
    const int fd = ctx_.target.disk()->fd();
    const uint64_t blocks = ctx_.target.disk()->nr_blocks();
    while (!stop.load() && (ctx_.config.max_ops == 0 || reads_.load() < ctx_.config.max_ops)) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring);
      io_uring_prep_read(sqe, fd, buffer_, 2 * kPageSize, (1 + rng() % (blocks - 2)) * kPageSize);
      rc = io_uring_submit_and_wait(&ring, 1);
      io_uring_cqe* cqe = nullptr;
      if (rc < 0 || io_uring_wait_cqe(&ring, &cqe) < 0) {
        errors_.note("dio-error", Status::FromErrno(rc < 0 ? -rc : EIO, "io_uring"));
        break;
      }
      const int res = cqe->res;
      io_uring_cqe_seen(&ring, cqe);
      reads_.fetch_add(1, std::memory_order_relaxed);
      if (res == -EFAULT) efault_.fetch_add(1, std::memory_order_relaxed);
      else if (res >= 0 && static_cast<uint64_t>(res) < 2 * kPageSize) short_.fetch_add(1, std::memory_order_relaxed);
      else if (res < 0) other_.fetch_add(1, std::memory_order_relaxed);
    }
    io_uring_queue_exit(&ring);
    stop.store(true);
  }

  StressContext& ctx_;
  FirstError errors_;
  char* buffer_ = nullptr;  // Two pages, the second PROT_NONE.
  std::atomic<uint64_t> reads_{0}, short_{0}, efault_{0}, other_{0};
};

}  // namespace

std::unique_ptr<StressWorkload> BuildDioErrorCompletion(StressContext& ctx) {
  return std::make_unique<DioErrorCompletion>(ctx);
}

}  // namespace daxbreak
