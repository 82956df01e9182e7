// Target: what a stress scenario runs against. A scenario is written once,
// against this interface, and runs on either target:
//
//   model   ModelTarget (model_target.h): the model's DaxFs, page array, user
//           mappings and GUP over a pmem device (libpmem2), with real io_uring
//           direct I/O between a disk file and the pinned pmem pages; the
//           protocol variant is a row of fs/protocol.h.
//   kernel  the running kernel (src/stress/target/kernel_target.cc): a file of
//           a real fs-dax mount (ext4 or xfs -o dax), its MAP_SHARED mapping,
//           io_uring O_DIRECT from a non-DAX disk file, ftruncate(2),
//           fallocate(2), vmsplice(2); the protocol is the kernel's own.
//
// The operations are those of the system calls a workload makes (create,
// pwrite, pread, ftruncate, fallocate, unlink, mmap, a load through the
// mapping, a page reference through vmsplice, O_DIRECT I/O into and out of the
// mapping), plus what a run needs around them: the checker that collects
// findings, the proof that the race was exercised (pins taken), where a
// thread sleeps, and a signal to interrupt it.
//
// Sizes are bytes unless a name says pages (4 KiB, kPageSize); offsets and
// lengths of layout changes are page multiples. Errors are Status codes with
// the errno meaning of base/status.h (kInterrupted for EINTR, kFault for
// EFAULT/SIGBUS, kNoSpace for ENOSPC, ...).
//
// Thread-safety: a Target and its files are shared by a run's threads: every
// call is thread-safe, except that one TargetFile must not be truncated or
// unlinked by one thread while another creates it. A DioQueue belongs to the
// thread that opened it. begin_run()/end_run() and the describe/report calls
// run on the runner's thread while no worker runs.

#ifndef DAXBREAK_STRESS_TARGET_H_
#define DAXBREAK_STRESS_TARGET_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "daxbreak/base/status.h"
#include "daxbreak/check/checker.h"
#include "daxbreak/io/disk_file.h"
#include "daxbreak/stress/stress_config.h"
#include "daxbreak/sync/task.h"

namespace daxbreak {

class ModelTarget;

// A user mapping of the first pages of a file (MAP_SHARED, read-write).
class TargetMapping {
 public:
  virtual ~TargetMapping() = default;
  // Pages mapped.
  virtual uint32_t pages() const = 0;
  // A CPU load of the first byte of `page` (with `write`, then a store of
  // the same byte), faulting it in. Errors: kFault (SIGBUS past EOF, or
  // unmapped).
  virtual Status touch(uint32_t page, bool write) = 0;
  // Takes one page reference on `page` the way vmsplice(2) into a pipe does
  // (get_user_pages without FOLL_PIN), held until drop_reference(). One at a
  // time. Errors: kFault (nothing mapped there), or the errno of vmsplice(2).
  virtual Status take_reference(uint32_t page) = 0;
  // Copies the 4096 bytes the reference reads now into `contents` without
  // dropping it (tee(2) of the pipe: the page as it is, whichever file's
  // block it has become). Errors: kInvalidArgument when none is held, the
  // errno of tee(2) or read(2).
  virtual Status peek_reference(void* contents) = 0;
  // Drops it (the pipe is read), on the put_page() path. Does nothing when
  // no reference is held.
  virtual void drop_reference() = 0;
  // munmap(2), once; later calls do nothing. No DIO may still use the
  // mapping.
  virtual void unmap() = 0;
};

// One file of the target.
class TargetFile {
 public:
  virtual ~TargetFile() = default;
  // The number the file's stamps carry (check/stamp.h): the model's inode
  // number; on the kernel, 1 for the victim and 1000 + N for the N-th file
  // created.
  virtual uint32_t ino() const = 0;
  // pwrite(2) / pread(2) of whole pages at a page-aligned byte offset. A
  // read past EOF fills zeros. Errors: kNoSpace, kIoError, ...
  virtual Status write(uint64_t offset, const void* buf, uint64_t len) = 0;
  virtual Status read(uint64_t offset, void* buf, uint64_t len) = 0;
  // ftruncate(2). Errors: kInterrupted when a signal ended its layout break.
  virtual Status truncate(uint64_t size) = 0;
  // fallocate(2) with FALLOC_FL_* `mode` (the values of fs/dax_fs.h's
  // kFalloc*). Errors: as truncate(), kInvalidArgument for a bad range.
  virtual Status fallocate(uint32_t mode, uint64_t offset, uint64_t len) = 0;
  // fsync(2), then syncfs(2) on the kernel: commits the file system's
  // metadata (ext4 and xfs reuse a block freed in a transaction only once it
  // has committed). Errors: kIoError.
  virtual Status fsync() = 0;
  // Writes back the file's dirty pages and waits
  // (sync_file_range(SYNC_FILE_RANGE_WAIT_BEFORE | WRITE | WAIT_AFTER) on the
  // kernel, the model's fsync): DAX writeback locks each dirty entry while
  // it flushes it (dax_writeback_mapping_range()). Errors: kIoError.
  virtual Status writeback() = 0;
  // i_size in bytes.
  virtual uint64_t size() = 0;
  // The device page (pfn) behind file page `page`, for findings; 0 for a
  // hole or where the target cannot tell (the kernel).
  virtual uint64_t block_of(uint64_t page) = 0;
  // Maps the first `pages` pages. Errors: those of mmap(2).
  virtual Status mmap(uint32_t pages, std::unique_ptr<TargetMapping>* out) = 0;
  // close(2) of the kernel file (its last close: ext4 and xfs give back the
  // blocks they had preallocated for it); the file stays until
  // Target::remove(), and no other call may follow. The model has nothing
  // to close.
  virtual void close() {}
};

// One DIO between disk blocks and mapping pages.
struct DioRequest {
  bool write = false;       // false: disk -> mapping (a read); true: mapping -> disk.
  uint64_t disk_block = 0;  // First 4 KiB block of the disk file (block 0 is its header).
  uint32_t page = 0;        // First page of the mapping.
  uint32_t nr = 1;          // Pages.
};

// Completions counted by DioQueue::reap().
struct DioTally {
  uint64_t reads = 0;        // Reads completed.
  uint64_t writes = 0;       // Writes completed.
  uint64_t partial = 0;      // Of those, completed with fewer bytes than asked.
  uint64_t efault = 0;       // Refused at pin or completed with EFAULT (past EOF).
  uint64_t other_errors = 0; // Completed with another error.
};

// One thread's O_DIRECT queue (its own io_uring): submit, then reap.
class DioQueue {
 public:
  virtual ~DioQueue() = default;
  // Starts `r` on the mapping the queue was opened on. Errors: kFault when
  // the pages cannot be pinned (past EOF: counted by the caller, nothing
  // started), kIoError from the ring.
  virtual Status submit(const DioRequest& r) = 0;
  // Waits for at least `min` completions (and takes any others there) and
  // counts them in `tally`. Errors: kIoError from the ring.
  virtual Status reap(uint32_t min, DioTally* tally) = 0;
  // Requests submitted and not reaped.
  virtual uint32_t in_flight() const = 0;
};

// A thread of a run, as the target knows it: its task (the model's signals)
// and its thread id (the kernel's signals and /proc). Filled by the thread
// itself when it starts; read by the watchdog.
struct Worker {
  std::string name;
  std::atomic<pid_t> tid{0};
  std::atomic<Task*> task{nullptr};
};

// The proof that a run exercised the race: the pins the run took and
// released, counted over the run (the kernel: the change of
// nr_foll_pin_acquired and nr_foll_pin_released in /proc/vmstat, which count
// every pin of the system since boot, so only their change over the run is
// ours). nullopt: not counted.
struct PinFacts {
  std::optional<uint64_t> taken;
  std::optional<uint64_t> released;
  // Pins taken and not released by the end of the run (both counted), else
  // nullopt.
  std::optional<int64_t> outstanding() const {
    if (!taken || !released) return std::nullopt;
    return static_cast<int64_t>(*taken) - static_cast<int64_t>(*released);
  }
};

class Target {
 public:
  virtual ~Target() = default;

  virtual TargetKind kind() const = 0;
  // The model target, or nullptr: for model-only scenarios, which use the
  // model's internals (its DaxFs, page cache, buffered I/O).
  virtual ModelTarget* model() { return nullptr; }
  // Where findings go.
  virtual Checker& checker() = 0;
  // The O_DIRECT disk file, or nullptr when the scenario asked for none.
  virtual DiskFile* disk() = 0;
  // The victim file, created and sized by the target at open (the kernel
  // target checked that it is DAX and ours to overwrite).
  virtual TargetFile& victim() = 0;

  // Creates the empty file `name` beside the victim. Errors: kExists,
  // kNoSpace, and those of open(2).
  virtual Status create(const std::string& name, std::unique_ptr<TargetFile>* out) = 0;
  // Unlinks and closes `file` (its blocks go back to the file system once
  // nothing holds them).
  virtual Status remove(std::unique_ptr<TargetFile> file) = 0;
  // A DIO queue of `queue_depth` requests on `mapping`, for the calling
  // thread. Errors: kEnvironment (no io_uring), kInvalidArgument.
  virtual Status open_dio(TargetMapping& mapping, uint32_t queue_depth, std::unique_ptr<DioQueue>* out) = 0;

  // The run starts / its workers have stopped / its final data pass is
  // over: counters, logs and process-wide settings are taken or restored
  // (the model's noise and lock-order graph, and its unmount, whose final
  // break may find busy blocks; the kernel's /proc/vmstat and /dev/kmsg).
  virtual void begin_run() = 0;
  virtual void end_run() = 0;
  virtual void finish() = 0;
  // Called on each worker thread as it starts: names it, and (model) seeds
  // its noise from the run's seed and `stream`.
  virtual void worker_started(Worker& worker, uint64_t stream) = 0;
  // Interrupts the worker's interruptible sleep: the model's
  // send_signal(), the kernel's tgkill(SIGUSR1) with a handler that does
  // nothing (no SA_RESTART, so the system call returns EINTR or 0).
  virtual void interrupt(const Worker& worker) = 0;
  // Where the worker sleeps, for a stall report: the kernel's wchan and
  // stack, the model's wait.
  virtual std::string where(const Worker& worker) = 0;
  // Whether the worker is asleep in a layout break now (kernel: its wchan is
  // one of the break functions of ext4, xfs or fs/dax.c); the model says
  // false and proves exercise by its pins.
  virtual bool in_break_sleep(const Worker& worker) = 0;
  // Whether a worker that stays asleep after the run may be left behind
  // (detached): the kernel's thread sleeps in the kernel and holds nothing
  // of ours; a model thread would use freed memory, so the model says no.
  virtual bool may_leave_sleeper() const = 0;

  // The pins the run took (valid after finish()).
  virtual PinFacts pins() const = 0;
  // The report's description of the target: {"device": {...}} (model) or
  // {"kernel": {...}} (kernel).
  virtual nlohmann::json describe() const = 0;
  // Internal counters for the report (model: fs, GUP, DIO; kernel: none).
  virtual nlohmann::json internals() const = 0;
  // {"max_rss_bytes", ...} (bytes).
  virtual nlohmann::json memory() const = 0;
  // The kernel log's warnings ({"watched", "warnings"}), or null.
  virtual nlohmann::json kmsg() const { return nullptr; }
  // A short extra for the status line ("breaks 12k"), or "".
  virtual std::string status_extra() const { return ""; }
  // Flushes what must reach the device (model). Errors: kIoError.
  virtual Status sync() { return Status::Ok(); }
  // Whether the run's files are still what it opened: kIoError naming the
  // file and the cause when another process truncated one under the run or
  // the disk failed requests (then the run's results are void). Cheap enough
  // to poll; thread-safe.
  virtual Status check_files() const { return Status::Ok(); }
};

// What a scenario asks of the target it opens.
struct TargetNeeds {
  bool disk = false;  // The O_DIRECT disk file.
};

// Opens the target `config.target` for `config` with `needs`: the model's
// device (refusing foreign data without --force) or the kernel's --file
// (refusing a non-DAX file and foreign data), and the disk when needed
// (refusing a DAX disk on the kernel). A refused open leaves no file it
// created behind. Errors: kRefused, kInvalidArgument, kEnvironment,
// kNoSpace, kIoError.
Status OpenTarget(const StressConfig& config, const TargetNeeds& needs, std::unique_ptr<Target>* out);

}  // namespace daxbreak

#endif  // DAXBREAK_STRESS_TARGET_H_
