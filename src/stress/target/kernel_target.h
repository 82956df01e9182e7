// KernelTarget: the running kernel as a stress target (stress/target.h),
// through system calls on a real fs-dax mount. Internal to the stress layer:
// users reach it through OpenTarget() with --target kernel.
//
// Thread-safety: as Target; files and mappings are thread-safe as the system
// calls are; note_map_sync() is atomic.

#ifndef DAXBREAK_SRC_STRESS_TARGET_KERNEL_TARGET_H_
#define DAXBREAK_SRC_STRESS_TARGET_KERNEL_TARGET_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "daxbreak/stress/target.h"
#include "stress/target/host_facts.h"
#include "stress/target/kmsg.h"

namespace daxbreak {

class KernelTarget final : public Target {
 public:
  // Opens --file (refusing a file that is not accessed through DAX, and
  // foreign data without --force), sizes it to --file-pages pages, and with
  // needs.disk opens --disk (refusing one on a DAX mount). A refused open
  // removes a --file it created. Errors: kRefused, kInvalidArgument,
  // kEnvironment (statx cannot tell DAX), and the errors of open(2).
  static Status Open(const StressConfig& config, const TargetNeeds& needs, std::unique_ptr<Target>* out);
  ~KernelTarget() override;

  // Whether the victim's mapping took MAP_SYNC (a DAX mapping that accepts
  // it); for the report.
  void note_map_sync(bool map_sync) { map_sync_.store(map_sync); }

  // The run: the SIGUSR1 handler and the open-files limit, /dev/kmsg and
  // /proc/vmstat before; the pins and the kernel's warnings after.
  void begin_run() override;
  void end_run() override;
  void finish() override;
  PinFacts pins() const override;
  nlohmann::json kmsg() const override;
  nlohmann::json describe() const override;
  nlohmann::json internals() const override { return nlohmann::json::object(); }
  nlohmann::json memory() const override;
  TargetKind kind() const override { return TargetKind::kKernel; }
  Checker& checker() override { return checker_; }

  // Files beside --file, the disk, and one io_uring per DIO thread.
  TargetFile& victim() override { return *victim_; }
  DiskFile* disk() override { return disk_.get(); }
  Status create(const std::string& name, std::unique_ptr<TargetFile>* out) override;
  Status remove(std::unique_ptr<TargetFile> file) override;
  Status open_dio(TargetMapping& mapping, uint32_t queue_depth, std::unique_ptr<DioQueue>* out) override;

  // Threads, by their tid: tgkill(SIGUSR1), /proc/self/task/TID/{wchan,stack}.
  void worker_started(Worker& worker, uint64_t stream) override;
  void interrupt(const Worker& worker) override;
  std::string where(const Worker& worker) override;
  bool in_break_sleep(const Worker& worker) override;
  bool may_leave_sleeper() const override { return true; }

 private:
  explicit KernelTarget(const StressConfig& config);
  Status open_victim();
  Status open_disk();

  const StressConfig config_;
  Checker checker_;
  std::unique_ptr<TargetFile> victim_;
  bool victim_created_ = false;
  std::unique_ptr<DiskFile> disk_;
  std::string fs_type_, disk_fs_type_;
  std::atomic<bool> map_sync_{false};
  std::atomic<uint32_t> files_created_{0};
  std::unique_ptr<KmsgWatch> kmsg_;
  bool kmsg_watched_ = false;
  std::vector<std::string> warnings_;
  FollPinCounts pins_before_, pins_after_;
};

}  // namespace daxbreak

#endif  // DAXBREAK_SRC_STRESS_TARGET_KERNEL_TARGET_H_
