// The DIO bio-life explore scenarios (dio_scenarios.h).

#include "explore/scenarios/dio_scenarios.h"

#include "daxbreak/explore/explore_model_base.h"

namespace daxbreak {
namespace {

// GUP of page 1 fails after page 0 was pinned (bio_iov_iter_get_pages() keeps
// page 0 in the bio; the DIO returns EFAULT). Whether page 0 is pinned at all
// depends on whether the truncate got there first.
class DioPartial final : public ExploreModelBase {
 public:
  explicit DioPartial(const ModelEnv& env) : ExploreModelBase(env) {
    make_file(kPageSize, 2);
    dio_.set_bio_model(BioModel{.partial_submission = true, .error_path = env.protocol->layout.dio_error_path});
  }
  void add_threads(ControlledScheduler& s) override {
    add_truncate_thread(s, 0);
    s.add_thread("dio", [this] {
      (void)dio_.dio_read(kPageSize, *vma_, vma_->address_of(0), 2 * kPageSize);
      dio_.close();
    });
    add_completion_thread(s, /*more=*/true);
  }
};

// bio_check_pages_dirty() finds page 0 clean and defers: the completion
// thread queues the bio, the bio-dirty-work thread releases it later.
class DioDirtyDefer final : public ExploreModelBase {
 public:
  explicit DioDirtyDefer(const ModelEnv& env) : ExploreModelBase(env) {
    make_file(kPageSize, 1);
    dio_in_flight(0, 1, /*all_dirty=*/false);
  }
  void add_threads(ControlledScheduler& s) override {
    add_dirty_work_thread(s);  // First: it turns the deferral on before any thread exists.
    add_truncate_thread(s, 0);
    add_completion_thread(s);
  }
};

}  // namespace

std::unique_ptr<ExploreModel> BuildDioPartial(const ModelEnv& env) { return std::make_unique<DioPartial>(env); }
std::unique_ptr<ExploreModel> BuildDioDirtyDefer(const ModelEnv& env) { return std::make_unique<DioDirtyDefer>(env); }

}  // namespace daxbreak
