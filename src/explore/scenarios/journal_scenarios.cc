#include "explore/scenarios/journal_scenarios.h"

#include <string>

#include "daxbreak/fs/buffered_io.h"
#include "daxbreak/fs/journal.h"
#include "daxbreak/explore/explore_model_base.h"
#include "explore/scenarios/iomap_scenarios.h"

namespace daxbreak {
namespace {

// The bytes the zeroing covers, inside page 0.
constexpr uint64_t kZeroAt = 100;
constexpr uint64_t kZeroLen = 100;

class ZeroUnderHandle final : public ExploreModelBase {
 public:
  ZeroUnderHandle(const ModelEnv& env, bool hole)
      : ExploreModelBase(env), bio_(env.device, fs_.allocator(), env.protocol->iomap, env.checker, &journal_) {
    (void)fs_.create("file", &file_, /*dax=*/false);
    if (!hole) (void)fs_.fallocate(file_.get(), 0, 0, kPageSize);
    expected_.assign(kPageSize, 'B');
    (void)bio_.write(file_.get(), 0, expected_.data(), expected_.size());
    expected_.replace(kZeroAt, kZeroLen, kZeroLen, '\0');
    bio_.use_end_io_worker();
  }

  void add_threads(ControlledScheduler& s) override {
    // ext4_zero_partial_blocks() under the handle of the punch or zero range.
    s.add_thread("zero", [this] {
      journal_.start();
      bio_.zero_range(file_.get(), kZeroAt, kZeroLen);
      journal_.stop();
      bio_.close_end_io_worker();
    });
    s.add_thread("end-io", [this] { bio_.run_end_io_worker(); });
    s.add_thread("jbd2-commit", [this] { journal_.commit(); });
  }

  // The data oracle: the zeroed bytes read as zeros, the rest as written.
  void check() override { CheckFileReads(bio_, *file_, expected_, env_.checker); }
  std::string final_state() override { return FileReadsState(bio_, *file_, expected_.size()); }

 private:
  Journal journal_;
  BufferedIo bio_;
  std::string expected_;
};

}  // namespace

std::unique_ptr<ExploreModel> BuildZeroUnwritten(const ModelEnv& env) {
  return std::make_unique<ZeroUnderHandle>(env, /*hole=*/false);
}
std::unique_ptr<ExploreModel> BuildZeroHole(const ModelEnv& env) {
  return std::make_unique<ZeroUnderHandle>(env, /*hole=*/true);
}

}  // namespace daxbreak
