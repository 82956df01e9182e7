// The explore scenarios of the file systems' own paths: each a class deriving
// from ExploreModelBase, built by the functions at the end (fs_scenarios.h).

#include "explore/scenarios/fs_scenarios.h"

#include <memory>
#include <string>
#include <vector>

#include "daxbreak/explore/explore_model_base.h"
#include "daxbreak/mm/gup.h"

namespace daxbreak {
namespace {

// A reflink onto a page a DIO holds: inode 1 ("file") and inode 2 ("file2"),
// one page each, both mapped and touched; the DIO pinned page 0 of inode 2
// through its mapping before the model starts. The remap locks both inodes;
// the full break of inode 1 finds nothing, the no-wait break of inode 2 finds
// the pin and starts again until the completion has dropped it.
class XfsRemap final : public ExploreModelBase {
 public:
  explicit XfsRemap(const ModelEnv& env) : ExploreModelBase(env) {
    make_file(kPageSize, 1);
    (void)fs_.create("file2", &file2_);
    const std::string data(kPageSize, 'g');
    (void)fs_.write(file2_.get(), 0, data.data(), data.size());
    vma2_ = fs_.mmap(&mm_, file2_.get(), 1, /*writable=*/true);
    (void)user_store(*vma2_, vma2_->address_of(0), "m", 1);
    std::vector<PinnedPage> pinned;
    (void)pin_user_pages(*vma2_, vma2_->address_of(0), 1, FOLL_PIN | FOLL_WRITE, &pinned);
    dio_.submit_pinned(/*is_read=*/true, kPageSize, std::move(pinned));
  }
  void add_threads(ControlledScheduler& s) override {
    s.add_thread("reflink", [this] { truncate_status_ = fs_.remap_range(file_.get(), 0, file2_.get(), 0, kPageSize); });
    add_completion_thread(s);
  }

 private:
  std::shared_ptr<Inode> file2_;
  std::unique_ptr<Vma> vma2_;
};

// The DAX window reclaim of virtiofs while a DIO pins page 1 of a 2-page file
// through a mapping that has been unmapped since (the reclaim worker picks
// windows no read or write is using, mapped or not).
class WindowReclaim final : public ExploreModelBase {
 public:
  explicit WindowReclaim(const ModelEnv& env) : ExploreModelBase(env) {
    make_file(2 * kPageSize, 2);
    dio_in_flight(1, 1);
    vma_.reset();  // munmap: the pin outlives the mapping.
  }
  void add_threads(ControlledScheduler& s) override {
    s.add_thread("reclaim", [this] { truncate_status_ = fs_.reclaim_dax_window(file_.get(), 0); });
    add_completion_thread(s);
  }
};

template <class Model>
std::unique_ptr<ExploreModel> Build(const ModelEnv& env) {
  return std::make_unique<Model>(env);
}

}  // namespace

std::unique_ptr<ExploreModel> BuildXfsRemap(const ModelEnv& env) { return Build<XfsRemap>(env); }
std::unique_ptr<ExploreModel> BuildWindowReclaim(const ModelEnv& env) { return Build<WindowReclaim>(env); }

}  // namespace daxbreak
