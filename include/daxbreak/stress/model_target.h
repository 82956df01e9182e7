// ModelTarget: the model as a stress target (target.h). The files are DaxFs
// inodes on a pmem device (libpmem2), the mapping is a Vma of one MmStruct,
// page references and pins go through the model's GUP, and each DIO queue is
// a UringDioEngine: real io_uring reads and writes between the disk file and
// the pinned pmem pages, with the check at completion that a page did not
// change owner under its pin. The protocol variant (--protocol) and the TLB
// flush mode (--tlb-flush) choose how the model's kernel behaves.
//
// Model-only scenarios reach the model's pieces through the accessors below
// (Target::model()).
//
// Thread-safety: as Target; the accessors return objects that are
// themselves thread-safe (DaxFs, Checker, PmemDevice).

#ifndef DAXBREAK_STRESS_MODEL_TARGET_H_
#define DAXBREAK_STRESS_MODEL_TARGET_H_

#include <memory>
#include <string>
#include <vector>

#include "daxbreak/fs/dax_fs.h"
#include "daxbreak/io/dio_engine.h"
#include "daxbreak/mm/mm_struct.h"
#include "daxbreak/mm/page_array.h"
#include "daxbreak/pmem/pmem_device.h"
#include "daxbreak/stress/target.h"
#include "daxbreak/sync/mutex.h"

namespace daxbreak {

class ModelTarget final : public Target {
 public:
  // Opens the device (and the disk, with needs.disk), builds page array,
  // checker, MmStruct and DaxFs, and creates the victim ("victim",
  // config.victim_pages pages). Errors: those of PmemDevice::Open() and
  // DiskFile::Open() (kRefused for foreign data), kInvalidArgument when the
  // disk is the device file.
  static Status Open(const StressConfig& config, const TargetNeeds& needs, std::unique_ptr<ModelTarget>* out);
  ~ModelTarget() override;

  DaxFs& fs() { return *fs_; }
  PmemDevice& device() { return *device_; }
  const StressConfig& config() const { return config_; }

  // Target.
  TargetKind kind() const override { return TargetKind::kModel; }
  ModelTarget* model() override { return this; }
  Checker& checker() override { return *checker_; }
  DiskFile* disk() override { return disk_.get(); }
  TargetFile& victim() override { return *victim_; }
  Status create(const std::string& name, std::unique_ptr<TargetFile>* out) override;
  Status remove(std::unique_ptr<TargetFile> file) override;
  Status open_dio(TargetMapping& mapping, uint32_t queue_depth, std::unique_ptr<DioQueue>* out) override
      EXCLUDES(engines_mu_);
  void begin_run() override;
  void end_run() override;
  void finish() override;
  void worker_started(Worker& worker, uint64_t stream) override;
  void interrupt(const Worker& worker) override;
  std::string where(const Worker& worker) override;
  bool in_break_sleep(const Worker&) override { return false; }
  bool may_leave_sleeper() const override { return false; }
  PinFacts pins() const override EXCLUDES(engines_mu_);
  nlohmann::json describe() const override;
  nlohmann::json internals() const override EXCLUDES(engines_mu_);
  nlohmann::json memory() const override;
  std::string status_extra() const override;
  Status sync() override;
  // The device truncated (PmemDevice::check_backing()) or a DIO request on
  // the disk failed or came back short (check_disk()).
  Status check_files() const override EXCLUDES(engines_mu_);

 private:
  // kIoError when any O_DIRECT completion failed or was short, or the disk
  // file is now smaller than at Open(): the cause named, never a clean run.
  Status check_disk() const EXCLUDES(engines_mu_);
  explicit ModelTarget(const StressConfig& config) : config_(config) {}

  const StressConfig config_;
  std::unique_ptr<PmemDevice> device_;
  std::unique_ptr<DiskFile> disk_;
  std::unique_ptr<PageArray> pages_;
  std::unique_ptr<MmStruct> mm_;
  std::unique_ptr<Checker> checker_;
  std::unique_ptr<DaxFs> fs_;
  std::unique_ptr<TargetFile> victim_;
  mutable Mutex engines_mu_{"model_target_engines"};
  // Every DIO queue's engine, kept for the counters after the queue is gone.
  std::vector<std::shared_ptr<DioEngine>> engines_ GUARDED_BY(engines_mu_);
  size_t lock_order_edges_ = 0;  // Of the run, set by end_run().
};

}  // namespace daxbreak

#endif  // DAXBREAK_STRESS_MODEL_TARGET_H_
