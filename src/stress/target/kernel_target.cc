// The kernel target (stress/target.h): the running kernel's fs-dax mount
// through system calls. The victim is --file (it must be accessed through
// DAX, and hold only what daxbreak wrote unless --force); the scenario's other
// files are created beside it; the disk is a non-DAX file read and written
// with io_uring O_DIRECT straight into and out of the victim's MAP_SHARED
// mapping. Pins are counted from /proc/vmstat, warnings read from /dev/kmsg,
// and a worker asleep in a layout break is seen in /proc/self/task/TID/wchan.

#include <fcntl.h>
#include <liburing.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/base/device_header.h"
#include "daxbreak/check/stamp.h"
#include "daxbreak/fs/protocol.h"
#include "daxbreak/stress/kernel_log.h"
#include "stress/target/host_facts.h"
#include "stress/target/kernel_target.h"
#include "stress/target/kmsg.h"

namespace daxbreak {
namespace {

#ifndef MAP_SHARED_VALIDATE
constexpr int kMapSharedValidate = 0x03;
#else
constexpr int kMapSharedValidate = MAP_SHARED_VALIDATE;
#endif
#ifndef MAP_SYNC
constexpr int kMapSync = 0x80000;
#else
constexpr int kMapSync = MAP_SYNC;
#endif

constexpr uint32_t kVictimIno = 1;       // The victim's stamps name ino 1.
constexpr uint32_t kFileInoBase = 1000;  // The N-th created file stamps ino 1000 + N.

Status Errno(const std::string& what) { return Status::FromErrno(errno, what); }

// A block of a file we are asked to overwrite is ours when it is zero or
// carries a daxbreak stamp.
bool LooksOurs(int fd) {
  std::vector<char> block(kPageSize);
  const ssize_t n = pread(fd, block.data(), kPageSize, 0);
  if (n <= 0) return true;
  if (static_cast<uint64_t>(n) < kPageSize) return false;
  const BlockReading r = ReadStampedBlock(block.data());
  return r.state == BlockState::kZero || r.state == BlockState::kStamped;
}

// Whether a wchan is the sleep of a layout break on a busy page (ext4, xfs,
// and the common helper of 6.15+).
bool IsBreakSleep(const std::string& wchan) {
  for (const char* f : {"break_layouts", "break_dax_layouts", "dax_break_layout", "wait_page_idle", "wait_dax_page"}) {
    if (wchan.find(f) != std::string::npos) return true;
  }
  return false;
}

void StallSignalHandler(int) {}

// A load or store through a mapping past EOF raises SIGBUS. touch() arms
// this thread's jump buffer around its one access, so that the signal turns
// into kFault; anywhere else SIGBUS keeps its default action.
// Volatile: the compiler must neither drop the store that arms it (nothing
// it sees reads it before the disarm) nor move it across the access.
thread_local sigjmp_buf* volatile t_touch_jump = nullptr;

void TouchBusHandler(int sig, siginfo_t* info, void*) {
  if (sigjmp_buf* jump = t_touch_jump) siglongjmp(*jump, 1);
  char line[96];
  const int n = snprintf(line, sizeof line, "daxbreak: SIGBUS at %p outside a mapping access\n", info->si_addr);
  if (n > 0) (void)!write(STDERR_FILENO, line, static_cast<size_t>(n));
  signal(sig, SIG_DFL);
  raise(sig);
}

class KernelMapping final : public TargetMapping {
 public:
  KernelMapping(char* map, uint32_t pages) : map_(map), pages_(pages) {}
  ~KernelMapping() override {
    drop_reference();
    unmap();
  }
  char* address() const { return map_; }
  uint32_t pages() const override { return pages_; }
  Status touch(uint32_t page, bool write) override {
    if (unmapped_.load()) return Status::Fault("the mapping is gone");
    sigjmp_buf jump;
    if (sigsetjmp(jump, 1) != 0) {
      t_touch_jump = nullptr;
      return Status::Fault(fmt::format("SIGBUS on page {}: past EOF", page));
    }
    t_touch_jump = &jump;
    volatile char* p = map_ + uint64_t{page} * kPageSize;
    if (write) *p = *p;
    else (void)*p;
    t_touch_jump = nullptr;
    return Status::Ok();
  }
  Status take_reference(uint32_t page) override {
    if (pipe2(pipe_, O_CLOEXEC) != 0) return Errno("pipe2");
    iovec iov{map_ + uint64_t{page} * kPageSize, kPageSize};
    if (vmsplice(pipe_[1], &iov, 1, 0) != static_cast<ssize_t>(kPageSize)) {
      const Status s = Errno(fmt::format("vmsplice of page {}", page));
      drop_reference();
      return s;
    }
    return Status::Ok();
  }
  Status peek_reference(void* contents) override {
    if (pipe_[0] < 0) return Status::InvalidArgument("no page reference is held");
    int copy[2];
    if (pipe2(copy, O_CLOEXEC) != 0) return Errno("pipe2");
    const ssize_t n = tee(pipe_[0], copy[1], kPageSize, 0);  // The pipe keeps its buffer.
    const ssize_t got = n > 0 ? read(copy[0], contents, kPageSize) : -1;
    const int err = errno;
    ::close(copy[0]), ::close(copy[1]);
    if (got != static_cast<ssize_t>(kPageSize)) return Status::FromErrno(err != 0 ? err : EIO, "tee of the page reference");
    return Status::Ok();
  }
  void drop_reference() override {
    if (pipe_[0] < 0) return;
    std::vector<char> sink(kPageSize);
    (void)!read(pipe_[0], sink.data(), kPageSize);
    ::close(pipe_[0]), ::close(pipe_[1]);
    pipe_[0] = pipe_[1] = -1;
  }
  void unmap() override {
    if (!unmapped_.exchange(true)) munmap(map_, uint64_t{pages_} * kPageSize);
  }

 private:
  char* const map_;
  const uint32_t pages_;
  std::atomic<bool> unmapped_{false};
  int pipe_[2] = {-1, -1};
};

class KernelFile final : public TargetFile {
 public:
  KernelFile(KernelTarget* target, std::string path, int fd, uint32_t ino)
      : target_(target), path_(std::move(path)), fd_(fd), ino_(ino) {}
  ~KernelFile() override { close(); }
  const std::string& path() const { return path_; }
  int fd() const { return fd_; }
  uint32_t ino() const override { return ino_; }
  Status write(uint64_t offset, const void* buf, uint64_t len) override {
    const ssize_t n = pwrite(fd_, buf, len, static_cast<off_t>(offset));
    if (n == static_cast<ssize_t>(len)) return Status::Ok();
    return n < 0 ? Errno("pwrite " + path_) : Status::NoSpace("pwrite " + path_ + ": short write");
  }
  Status read(uint64_t offset, void* buf, uint64_t len) override {
    std::memset(buf, 0, len);
    return pread(fd_, buf, len, static_cast<off_t>(offset)) < 0 ? Errno("pread " + path_) : Status::Ok();
  }
  Status truncate(uint64_t size) override {
    return ftruncate(fd_, static_cast<off_t>(size)) == 0 ? Status::Ok() : Errno("ftruncate " + path_);
  }
  Status fallocate(uint32_t mode, uint64_t offset, uint64_t len) override {
    const int rc = ::fallocate(fd_, static_cast<int>(mode), static_cast<off_t>(offset), static_cast<off_t>(len));
    return rc == 0 ? Status::Ok() : Errno(fmt::format("fallocate({:#x}) {}", mode, path_));
  }
  Status fsync() override { return ::fsync(fd_) == 0 && ::syncfs(fd_) == 0 ? Status::Ok() : Errno("fsync " + path_); }
  Status writeback() override {
    constexpr unsigned kFlags = SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
    return sync_file_range(fd_, 0, 0, kFlags) == 0 ? Status::Ok() : Errno("sync_file_range " + path_);
  }
  uint64_t size() override {
    struct stat st {};
    return fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  }
  uint64_t block_of(uint64_t) override { return 0; }
  void close() override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  Status mmap(uint32_t pages, std::unique_ptr<TargetMapping>* out) override {
    const uint64_t bytes = uint64_t{pages} * kPageSize;
    void* m = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, kMapSharedValidate | kMapSync, fd_, 0);
    const bool map_sync = m != MAP_FAILED;
    if (m == MAP_FAILED) m = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (m == MAP_FAILED) return Errno("mmap " + path_);
    target_->note_map_sync(map_sync);
    *out = std::make_unique<KernelMapping>(static_cast<char*>(m), pages);
    return Status::Ok();
  }

 private:
  KernelTarget* const target_;
  const std::string path_;
  int fd_;
  const uint32_t ino_;
};

// One thread's io_uring between the disk and one mapping.
class KernelDioQueue final : public DioQueue {
 public:
  KernelDioQueue(int disk_fd, char* map) : disk_fd_(disk_fd), map_(map) {}
  ~KernelDioQueue() override {
    if (ready_) io_uring_queue_exit(&ring_);
  }
  Status init(uint32_t queue_depth) {
    const int rc = io_uring_queue_init(queue_depth, &ring_, 0);
    if (rc < 0) return Status::Environment(fmt::format("io_uring_queue_init({}): {}", queue_depth, std::strerror(-rc)));
    ready_ = true;
    return Status::Ok();
  }
  Status submit(const DioRequest& r) override {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) return Status::IoError("io_uring submission queue full");
    char* buf = map_ + uint64_t{r.page} * kPageSize;
    const unsigned len = r.nr * static_cast<unsigned>(kPageSize);
    const off_t off = static_cast<off_t>(r.disk_block * kPageSize);
    if (r.write) io_uring_prep_write(sqe, disk_fd_, buf, len, off);
    else io_uring_prep_read(sqe, disk_fd_, buf, len, off);
    io_uring_sqe_set_data64(sqe, (uint64_t{len} << 1) | (r.write ? 1 : 0));  // Bytes asked, and the direction.
    const int rc = io_uring_submit(&ring_);
    if (rc < 0) return Status::FromErrno(-rc, "io_uring_submit");
    ++in_flight_;
    return Status::Ok();
  }
  Status reap(uint32_t min, DioTally* tally) override {
    for (uint32_t n = 0; in_flight_ > 0;) {
      io_uring_cqe* cqe = nullptr;
      const int rc = n < min ? io_uring_wait_cqe(&ring_, &cqe) : io_uring_peek_cqe(&ring_, &cqe);
      if (rc == -EAGAIN && n >= min) break;
      if (rc == -EINTR) continue;
      if (rc < 0) return Status::FromErrno(-rc, "io_uring_wait_cqe");
      const uint64_t data = io_uring_cqe_get_data64(cqe);
      const bool write = (data & 1) != 0;
      if (cqe->res >= 0) {
        ++(write ? tally->writes : tally->reads);
        if (static_cast<uint64_t>(cqe->res) < (data >> 1)) ++tally->partial;
      } else if (cqe->res == -EFAULT) {
        ++tally->efault;  // Past EOF: SIGBUS in the pin.
      } else {
        ++tally->other_errors;
      }
      io_uring_cqe_seen(&ring_, cqe);
      --in_flight_, ++n;
    }
    return Status::Ok();
  }
  uint32_t in_flight() const override { return in_flight_; }

 private:
  const int disk_fd_;
  char* const map_;
  io_uring ring_{};
  bool ready_ = false;
  uint32_t in_flight_ = 0;
};

}  // namespace

KernelTarget::KernelTarget(const StressConfig& config) : config_(config) {}

KernelTarget::~KernelTarget() = default;

Status KernelTarget::open_victim() {
  const std::string& path = config_.file_path;
  struct stat st {};
  const bool existed = stat(path.c_str(), &st) == 0;
  if (existed && !S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(fmt::format("--file '{}' is not a regular file", path));
  }
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Errno(fmt::format("--file '{}'", path));
  victim_ = std::make_unique<KernelFile>(this, path, fd, kVictimIno);
  victim_created_ = !existed;
  bool dax = false;
  Status s = IsDaxFile(fd, &dax);
  if (!s.ok()) return s;
  fs_type_ = FsTypeName(fd);
  if (!dax) {
    return Status::Refused(fmt::format(
        "--file '{}' is not accessed through DAX (statx STATX_ATTR_DAX is 0; its file system is {}): "
        "the kernel target needs a file on an fs-dax mount (ext4 or xfs mounted -o dax)",
        path, fs_type_));
  }
  if (existed && !config_.force && !LooksOurs(fd)) {
    return Status::Refused(fmt::format("--file '{}' holds data daxbreak did not write; pass --force to overwrite it", path));
  }
  s = victim_->truncate(0);
  return s.ok() ? victim_->truncate(uint64_t{config_.victim_pages} * kPageSize) : s;
}

Status KernelTarget::open_disk() {
  Status s = DiskFile::Open(DiskFileOptions{config_.disk_path, config_.disk_bytes, config_.force}, &disk_);
  if (!s.ok()) return s;
  bool dax = false;
  if (IsDaxFile(disk_->fd(), &dax).ok() && dax) {
    return Status::Refused(fmt::format(
        "--disk '{}' is on a DAX file system: the source of the O_DIRECT reads must be a non-DAX file, so "
        "that they pin the mapping's pages (in the VM: /mnt/disk)",
        config_.disk_path));
  }
  disk_fs_type_ = FsTypeName(disk_->fd());
  return Status::Ok();
}

Status KernelTarget::Open(const StressConfig& config, const TargetNeeds& needs, std::unique_ptr<Target>* out) {
  std::unique_ptr<KernelTarget> t(new KernelTarget(config));
  Status s = t->open_victim();
  if (s.ok() && needs.disk) s = t->open_disk();
  if (!s.ok()) {
    if (t->victim_created_) unlink(config.file_path.c_str());  // A refused run leaves nothing behind.
    return s;
  }
  *out = std::move(t);
  return Status::Ok();
}

Status KernelTarget::create(const std::string& name, std::unique_ptr<TargetFile>* out) {
  const std::string path = config_.file_path + "." + name;
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("create " + path);
  *out = std::make_unique<KernelFile>(this, path, fd, kFileInoBase + files_created_.fetch_add(1));
  return Status::Ok();
}

Status KernelTarget::remove(std::unique_ptr<TargetFile> file) {
  const std::string path = static_cast<KernelFile&>(*file).path();
  file.reset();  // The last close: the blocks go back once nothing holds them.
  return ::unlink(path.c_str()) == 0 ? Status::Ok() : Errno("unlink " + path);
}

Status KernelTarget::open_dio(TargetMapping& mapping, uint32_t queue_depth, std::unique_ptr<DioQueue>* out) {
  auto q = std::make_unique<KernelDioQueue>(disk_->fd(), static_cast<KernelMapping&>(mapping).address());
  Status s = q->init(queue_depth);
  if (s.ok()) *out = std::move(q);
  return s;
}

void KernelTarget::begin_run() {
  // A scenario may keep a file open for each of up to a few thousand files it
  // fills the file system with: the soft limit of open files goes up to the
  // hard one.
  struct rlimit files {};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  struct sigaction sa {};
  sa.sa_handler = StallSignalHandler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // No SA_RESTART: the interrupted call returns EINTR (or 0).
  sigaction(SIGUSR1, &sa, nullptr);
  struct sigaction bus {};
  bus.sa_sigaction = TouchBusHandler;
  bus.sa_flags = SA_SIGINFO;
  sigemptyset(&bus.sa_mask);
  sigaction(SIGBUS, &bus, nullptr);
  kmsg_ = std::make_unique<KmsgWatch>();
  kmsg_watched_ = kmsg_->open();
  pins_before_ = ReadFollPinCounts();
  checker_.restart_clock();
}

void KernelTarget::end_run() {}

void KernelTarget::finish() {
  pins_after_ = ReadFollPinCounts();
  for (const KernelLogEvent& e : ParseKernelLog(kmsg_->read_records())) {
    warnings_.push_back(e.first_line);
    checker_.report(e.violation());
  }
}

void KernelTarget::worker_started(Worker& worker, uint64_t) { Task::current().set_name(worker.name); }

void KernelTarget::interrupt(const Worker& worker) {
  if (const pid_t tid = worker.tid.load()) syscall(SYS_tgkill, getpid(), tid, SIGUSR1);
}

std::string KernelTarget::where(const Worker& worker) { return ThreadWhere(worker.tid.load()); }

bool KernelTarget::in_break_sleep(const Worker& worker) { return IsBreakSleep(ThreadWchan(worker.tid.load())); }

PinFacts KernelTarget::pins() const {
  PinFacts p;
  if (pins_before_.acquired && pins_after_.acquired) p.taken = *pins_after_.acquired - *pins_before_.acquired;
  if (pins_before_.released && pins_after_.released) p.released = *pins_after_.released - *pins_before_.released;
  return p;
}

nlohmann::json KernelTarget::describe() const {
  struct utsname u {};
  uname(&u);
  const ProtocolTraits* row = ProtocolForKernel(u.release);
  return {{"kernel",
           {{"release", u.release},
            {"model_row", row != nullptr ? nlohmann::json(row->name) : nlohmann::json(nullptr)},
            {"fs_type", fs_type_},
            {"file", config_.file_path},
            {"map_sync", map_sync_.load()},
            {"disk_fs_type", disk_ ? nlohmann::json(disk_fs_type_) : nlohmann::json(nullptr)}}}};
}

nlohmann::json KernelTarget::memory() const {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return {{"max_rss_bytes", static_cast<uint64_t>(ru.ru_maxrss) * 1024}};
}

nlohmann::json KernelTarget::kmsg() const { return {{"watched", kmsg_watched_}, {"warnings", warnings_}}; }

}  // namespace daxbreak
