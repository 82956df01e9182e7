// Internal to the kernel layer: the files, mapping and checker of one
// kernel-mode run, and the pieces both scenarios use.
//
// Thread-safety: built and torn down by the runner's thread; the workers
// share it read-only, except for the Checker (thread-safe) and note_error().

#ifndef DAXBREAK_SRC_KERNEL_KERNEL_RIG_H_
#define DAXBREAK_SRC_KERNEL_KERNEL_RIG_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "daxbreak/base/status.h"
#include "daxbreak/check/checker.h"
#include "daxbreak/io/disk_file.h"
#include "daxbreak/kernel/kernel_runner.h"
#include "daxbreak/sync/mutex.h"

namespace daxbreak::kernel_internal {

inline constexpr uint64_t kPage = 4096;
inline constexpr uint32_t kVictimIno = 1;       // The victim's stamps name ino 1.
inline constexpr uint32_t kWriterInoBase = 1000;  // Writer file N stamps ino 1000 + N.

struct KernelRig {
  const KernelConfig* config = nullptr;
  int victim_fd = -1;
  bool victim_created = false;
  char* map = nullptr;               // MAP_SHARED mapping of the victim (victim_pages pages).
  bool map_sync = false;
  std::atomic<bool> unmapped{false};  // The stall classification munmapped it.
  std::unique_ptr<DiskFile> disk;     // Source blocks 1..source_end-1, DIO write targets after.
  uint64_t source_end = 0;
  Checker checker;
  Mutex error_mu{"kernel_error"};
  Status first_error GUARDED_BY(error_mu);

  ~KernelRig();
  // Remembers the first error a worker met (the run goes on).
  void note_error(const std::string& what, int err) EXCLUDES(error_mu);
  Status error() EXCLUDES(error_mu);
  // Reports a data_corruption found by a check in `thread`.
  void corruption(const std::string& thread, uint32_t ino, uint64_t offset, const std::string& detail);
};

// Opens --file (refusing a non-DAX file and foreign data), fills it with
// victim stamps and maps it; opens and stamps --disk (refusing a DAX one).
// Errors: kRefused, kInvalidArgument, kEnvironment, kIoError.
Status BuildKernelRig(const KernelConfig& config, KernelRig* rig);

// The final pass over the victim (when `victim`: zero, disk or victim stamps
// only) and the disk's DIO write targets (no writer file's stamp).
void FinalCheck(KernelRig& rig, bool victim);

// The writer of the collision scenario: other files on the same file system,
// created, stamped, verified and removed, until `stop`; then it verifies and
// removes what is left. Counts go to `files` and `pages`.
void RunWriter(KernelRig& rig, const std::atomic<bool>& stop, std::atomic<uint64_t>& files,
               std::atomic<uint64_t>& pages);

// munmap of the victim's mapping (stall step 4), once; the destructor then
// leaves it alone.
void UnmapVictim(KernelRig& rig);

// At the end of a run: signals the layout thread `tid` until `watch` shows
// its change returned, for up to 5 s, then joins `thread`; one that never
// returns (an uninterruptible sleep) is detached. Returns whether it
// returned: if not, it still holds the victim's locks and the victim must
// not be read again.
bool ReleaseLayoutThread(const LayoutWatch& watch, pid_t tid, std::thread& thread);

// Installs the do-nothing SIGUSR1 handler (no SA_RESTART) that ends an
// interruptible sleep with EINTR or lets it return 0; returns the signal.
int InstallStallSignal();

// The scenarios: fill report->counts, stall, exercised and latency.
Status RunCollision(KernelRig& rig, KernelReport* report);
Status RunRefault(KernelRig& rig, KernelReport* report);

// gettid(2).
pid_t CurrentTid();

}  // namespace daxbreak::kernel_internal

#endif  // DAXBREAK_SRC_KERNEL_KERNEL_RIG_H_
