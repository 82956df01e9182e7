#include "kernel/kernel_rig.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/check/stamp.h"
#include "daxbreak/kernel/host_facts.h"

namespace daxbreak::kernel_internal {
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

Stamp MakeStamp(StampKind kind, uint32_t ino, uint32_t index, uint64_t generation) {
  Stamp s;
  s.kind = static_cast<uint16_t>(kind);
  s.ino = ino;
  s.index = index;
  s.generation = generation;
  return s;
}

// A block of a file we are asked to overwrite is ours when it is zero or
// carries a daxbreak stamp.
bool LooksOurs(int fd) {
  std::vector<char> block(kPage);
  const ssize_t n = pread(fd, block.data(), kPage, 0);
  if (n <= 0) return true;
  if (static_cast<uint64_t>(n) < kPage) return false;
  const BlockReading r = ReadStampedBlock(block.data());
  return r.state == BlockState::kZero || r.state == BlockState::kStamped;
}

Status OpenVictim(const KernelConfig& c, KernelRig* rig) {
  struct stat st {};
  const bool existed = stat(c.file_path.c_str(), &st) == 0;
  if (existed && !S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(fmt::format("--file '{}' is not a regular file", c.file_path));
  }
  rig->victim_fd = open(c.file_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (rig->victim_fd < 0) return Status::FromErrno(errno, fmt::format("--file '{}'", c.file_path));
  rig->victim_created = !existed;
  bool dax = false;
  Status s = IsDaxFile(rig->victim_fd, &dax);
  if (!s.ok()) return s;
  if (!dax) {
    return Status::Refused(fmt::format(
        "--file '{}' is not accessed through DAX (statx STATX_ATTR_DAX is 0; its file system is {}): "
        "kernel mode needs a file on an fs-dax mount (ext4 or xfs mounted -o dax)",
        c.file_path, FsTypeName(rig->victim_fd)));
  }
  if (existed && !c.force && !LooksOurs(rig->victim_fd)) {
    return Status::Refused(fmt::format(
        "--file '{}' holds data daxbreak did not write; pass --force to overwrite it", c.file_path));
  }
  const uint64_t bytes = uint64_t{c.victim_pages} * kPage;
  if (ftruncate(rig->victim_fd, 0) != 0 || ftruncate(rig->victim_fd, static_cast<off_t>(bytes)) != 0) {
    return Status::FromErrno(errno, "--file: ftruncate");
  }
  std::vector<char> block(kPage);
  for (uint32_t p = 0; p < c.victim_pages; ++p) {
    FillStampedBlock(block.data(), MakeStamp(StampKind::kFile, kVictimIno, p, c.seed));
    if (pwrite(rig->victim_fd, block.data(), kPage, static_cast<off_t>(p * kPage)) != static_cast<ssize_t>(kPage)) {
      return Status::FromErrno(errno, "--file: writing its stamps");
    }
  }
  void* m = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, kMapSharedValidate | kMapSync, rig->victim_fd, 0);
  rig->map_sync = m != MAP_FAILED;
  if (m == MAP_FAILED) m = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, rig->victim_fd, 0);
  if (m == MAP_FAILED) return Status::FromErrno(errno, "--file: mmap");
  rig->map = static_cast<char*>(m);
  return Status::Ok();
}

Status OpenDisk(const KernelConfig& c, KernelRig* rig) {
  Status s = DiskFile::Open(DiskFileOptions{c.disk_path, c.disk_bytes, c.force}, &rig->disk);
  if (!s.ok()) return s;
  bool dax = false;
  if (IsDaxFile(rig->disk->fd(), &dax).ok() && dax) {
    return Status::Refused(fmt::format(
        "--disk '{}' is on a DAX file system: the source of the O_DIRECT reads must be a non-DAX "
        "file, so that they pin the mapping's pages (in the VM: /mnt/disk)", c.disk_path));
  }
  // Sources take the lower half, DIO write targets the upper half.
  rig->source_end = std::max<uint64_t>(2, rig->disk->nr_blocks() / 2);
  std::vector<char> block(kPage);
  for (uint64_t b = 1; b < rig->disk->nr_blocks(); ++b) {
    FillStampedBlock(block.data(), MakeStamp(StampKind::kDisk, 0, static_cast<uint32_t>(b), c.seed));
    s = rig->disk->write_block(b, block.data());
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

// Whether a victim or DIO-target block may hold `r`: zeros, a disk block of
// this run, or a victim block.
bool AllowedInVictim(const BlockReading& r, uint64_t seed) {
  if (r.state == BlockState::kZero) return true;
  if (r.state != BlockState::kStamped) return false;
  if (r.stamp.kind == static_cast<uint16_t>(StampKind::kDisk)) return r.stamp.generation == seed;
  return r.stamp.kind == static_cast<uint16_t>(StampKind::kFile) && r.stamp.ino == kVictimIno;
}

void StallSignalHandler(int) {}

struct WriterFile {
  std::string path;
  uint32_t ino = 0;
  uint32_t pages = 0;
  uint64_t generation = 0;
};

// Reads `f` back; each block that is not what the writer wrote is corruption.
void VerifyWriterFile(KernelRig& rig, const WriterFile& f, std::atomic<uint64_t>& verified) {
  const int fd = open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return rig.note_error("writer: open " + f.path, errno);
  std::vector<char> block(kPage);
  for (uint32_t p = 0; p < f.pages; ++p) {
    if (pread(fd, block.data(), kPage, static_cast<off_t>(p * kPage)) != static_cast<ssize_t>(kPage)) {
      rig.note_error("writer: pread " + f.path, errno);
      break;
    }
    const BlockReading r = ReadStampedBlock(block.data());
    const bool ok = r.state == BlockState::kStamped && r.stamp.kind == static_cast<uint16_t>(StampKind::kFile) &&
                    r.stamp.ino == f.ino && r.stamp.index == p && r.stamp.generation == f.generation;
    if (!ok) {
      rig.corruption("writer", f.ino, p * kPage,
                     fmt::format("{} page {}: expected its own stamp (gen {}), found {}", f.path, p,
                                 f.generation, DescribeReading(r)));
    }
    verified.fetch_add(1, std::memory_order_relaxed);
  }
  close(fd);
}

}  // namespace

KernelRig::~KernelRig() {
  if (map != nullptr) UnmapVictim(*this);
  if (victim_fd >= 0) close(victim_fd);
}

void KernelRig::note_error(const std::string& what, int err) {
  MutexLock lock(&error_mu);
  if (first_error.ok()) first_error = Status::FromErrno(err, what);
}

Status KernelRig::error() {
  MutexLock lock(&error_mu);
  return first_error;
}

void KernelRig::corruption(const std::string& thread, uint32_t ino, uint64_t offset, const std::string& detail) {
  checker.report(Violation{ViolationKind::kDataCorruption, 0, ino, offset, thread, detail});
}

void UnmapVictim(KernelRig& rig) {
  if (!rig.unmapped.exchange(true)) munmap(rig.map, uint64_t{rig.config->victim_pages} * kPage);
}

bool ReleaseLayoutThread(const LayoutWatch& watch, pid_t tid, std::thread& thread) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!watch.done() && std::chrono::steady_clock::now() < give_up) {
    syscall(SYS_tgkill, getpid(), tid, SIGUSR1);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const bool returned = watch.done();
  if (returned) thread.join(); else thread.detach();
  return returned;
}

pid_t CurrentTid() { return static_cast<pid_t>(syscall(SYS_gettid)); }

int InstallStallSignal() {
  struct sigaction sa {};
  sa.sa_handler = StallSignalHandler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // No SA_RESTART: the interrupted call returns EINTR.
  sigaction(SIGUSR1, &sa, nullptr);
  return SIGUSR1;
}

Status BuildKernelRig(const KernelConfig& config, KernelRig* rig) {
  rig->config = &config;
  Status s = OpenVictim(config, rig);
  if (!s.ok()) {
    if (rig->victim_created) unlink(config.file_path.c_str());
    return s;
  }
  if (config.scenario == "collision") s = OpenDisk(config, rig);
  return s;
}

void FinalCheck(KernelRig& rig, bool victim) {
  const KernelConfig& c = *rig.config;
  std::vector<char> block(kPage);
  struct stat st {};
  if (victim && fstat(rig.victim_fd, &st) == 0) {
    for (uint64_t off = 0; off + kPage <= static_cast<uint64_t>(st.st_size); off += kPage) {
      if (pread(rig.victim_fd, block.data(), kPage, static_cast<off_t>(off)) != static_cast<ssize_t>(kPage)) break;
      const BlockReading r = ReadStampedBlock(block.data());
      if (!AllowedInVictim(r, c.seed)) {
        rig.corruption("final", kVictimIno, off,
                       fmt::format("victim page {} holds {}: only zeros, disk blocks and victim blocks "
                                   "can get there", off / kPage, DescribeReading(r)));
      }
    }
  }
  if (!rig.disk) return;
  for (uint64_t b = rig.source_end; b < rig.disk->nr_blocks(); ++b) {
    if (!rig.disk->read_block(b, block.data()).ok()) break;
    const BlockReading r = ReadStampedBlock(block.data());
    if (!AllowedInVictim(r, c.seed)) {
      rig.corruption("final", 0, b * kPage,
                     fmt::format("disk block {} (a DIO write target) holds {}: a write carried a block "
                                 "the victim no longer owned", b, DescribeReading(r)));
    }
  }
}

void RunWriter(KernelRig& rig, const std::atomic<bool>& stop, std::atomic<uint64_t>& files,
               std::atomic<uint64_t>& pages) {
  constexpr size_t kKeep = 4;
  constexpr uint32_t kMaxPages = 8;
  const KernelConfig& c = *rig.config;
  std::mt19937_64 rng(c.seed ^ 0x3000ULL);
  std::deque<WriterFile> live;
  std::atomic<uint64_t> verified{0};
  std::vector<char> data(kMaxPages * kPage);
  uint64_t generation = 0;
  for (uint32_t n = 0; !stop.load(std::memory_order_relaxed); ++n) {
    WriterFile f{fmt::format("{}.w{}", c.file_path, n), kWriterInoBase + n,
                 1 + static_cast<uint32_t>(rng() % kMaxPages), ++generation};
    for (uint32_t p = 0; p < f.pages; ++p) {
      FillStampedBlock(data.data() + p * kPage, MakeStamp(StampKind::kFile, f.ino, p, f.generation));
    }
    const int fd = open(f.path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
      rig.note_error("writer: create " + f.path, errno);
      break;
    }
    const ssize_t want = static_cast<ssize_t>(f.pages * kPage);
    const ssize_t got = pwrite(fd, data.data(), static_cast<size_t>(want), 0);
    close(fd);
    if (got != want) {
      rig.note_error("writer: pwrite " + f.path, got < 0 ? errno : ENOSPC);
      unlink(f.path.c_str());
      continue;
    }
    files.fetch_add(1, std::memory_order_relaxed);
    pages.fetch_add(f.pages, std::memory_order_relaxed);
    VerifyWriterFile(rig, f, verified);
    live.push_back(std::move(f));
    if (live.size() > kKeep) {
      // Verify the oldest once more, then free its blocks for the next ones.
      VerifyWriterFile(rig, live.front(), verified);
      unlink(live.front().path.c_str());
      live.pop_front();
    }
  }
  for (const WriterFile& f : live) {
    VerifyWriterFile(rig, f, verified);
    unlink(f.path.c_str());
  }
}

}  // namespace daxbreak::kernel_internal
