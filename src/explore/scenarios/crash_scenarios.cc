#include "explore/scenarios/crash_scenarios.h"

#include <functional>
#include <string>

#include <fmt/format.h>

#include "daxbreak/check/crash_oracle.h"
#include "daxbreak/fs/btrfs_fsync.h"
#include "daxbreak/sync/scheduler_hook.h"
#include "daxbreak/explore/explore_model_base.h"

namespace daxbreak {
namespace {

class FsyncDio final : public ExploreModelBase {
 public:
  explicit FsyncDio(const ModelEnv& env) : ExploreModelBase(env), pfn_(AllocBlock()), file_(env.device, pfn_, env.protocol->fsync) {}

  void add_threads(ControlledScheduler& s) override {
    s.add_thread("dio-write", [this] { file_.dio_write(written_); });
    s.add_thread("fsync", [this] { file_.fsync(); });
    s.add_thread("power", [this] {
      // The image is read at this one step, which depends on every step of
      // the others (a named sync point would claim it touches nothing).
      snapshot_point("power_cut");
      image_ = file_.power_cut();
    });
  }

  void check() override { CheckCrashImage(image_, written_, 1, pfn_, env_.checker); }
  // The image the power cut took.
  std::string final_state() override {
    return fmt::format("image: logged_written={} fsync_returned={} write_before_fsync={} block={:016x}",
                       image_.logged_written, image_.fsync_returned, image_.write_before_fsync,
                       std::hash<std::string>{}(image_.block));
  }

 private:
  // The preallocated block, holding what a deleted file left there.
  uint64_t AllocBlock() {
    uint64_t pfn = 0;
    (void)fs_.allocator()->alloc_block(&pfn);
    env_.device->memset_nodrain(env_.device->page_address(pfn), 'S', kPageSize);
    env_.device->drain();
    return pfn;
  }

  const uint64_t pfn_;
  BtrfsFile file_;
  const std::string written_ = std::string(kPageSize, 'D');
  CrashImage image_;
};

}  // namespace

std::unique_ptr<ExploreModel> BuildFsyncDio(const ModelEnv& env) { return std::make_unique<FsyncDio>(env); }

}  // namespace daxbreak
