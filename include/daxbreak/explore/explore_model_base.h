// ExploreModelBase: what most explore models are built from, public so that
// a user's own scenario (RegisterExploreScenario()) is a few lines: the page
// records of the protocol, a process (MmStruct), the file system, one file
// and a DIO engine whose completions run on a modeled thread of their own.
// The set-up helpers run in free mode while the model is built; the
// add_*_thread() helpers add modeled threads to the scheduler.
//
// Thread-safety: a model belongs to one schedule run; its modeled threads
// synchronize through the sync layer like any kernel path they model.

#ifndef DAXBREAK_EXPLORE_EXPLORE_MODEL_BASE_H_
#define DAXBREAK_EXPLORE_EXPLORE_MODEL_BASE_H_

#include <cstdint>
#include <memory>

#include "daxbreak/fs/dax_fs.h"
#include "daxbreak/io/sync_dio_engine.h"
#include "daxbreak/mm/vma.h"
#include "daxbreak/explore/explore_scenario.h"

namespace daxbreak {

class ExploreModelBase : public ExploreModel {
 public:
  // The truncate's status, the file's size and block count, and every page
  // that is mapped or whose count is not idle ("p<pfn>:<count>/<mapcount>").
  std::string final_state() override;

 protected:
  // Bytes of the models' in-memory disk: the header page and the few blocks
  // their DIOs read.
  static constexpr uint64_t kDiskBytes = 4 * kPageSize;

  explicit ExploreModelBase(const ModelEnv& env);

  // Creates "file" of `bytes` (rounded up to pages, every block allocated and
  // written), maps its first `map_pages` pages writable and faults each of
  // them in for write, as a process that has touched its mapping.
  void make_file(uint64_t bytes, uint64_t map_pages);
  // A DIO read into file pages [first, first + nr) that was in flight when
  // the model starts: its pages referenced through the mapping as the row's
  // era does (FOLL_PIN or FOLL_GET, with FOLL_WRITE), its completion queued
  // for the completion thread. `all_dirty` false: its completion defers the
  // release to bio_dirty_work (SyncDioEngine::submit_pinned()); add the
  // worker with add_dirty_work_thread().
  void dio_in_flight(uint64_t first, uint64_t nr, bool all_dirty = true);
  // Adds the bio_dirty_work worker ("bio-dirty-work",
  // SyncDioEngine::run_dirty_work()); add it before the other threads.
  void add_dirty_work_thread(ControlledScheduler& s);
  // Adds the device's completion thread ("dio-complete"); unless `more`,
  // no request comes after those queued so far.
  void add_completion_thread(ControlledScheduler& s, bool more = false);
  // Adds a thread ("truncate") that truncates the file to `size` bytes and
  // keeps the result in truncate_status_.
  void add_truncate_thread(ControlledScheduler& s, uint64_t size);

  ModelEnv env_;
  std::unique_ptr<PageArray> pages_;
  MmStruct mm_;
  DaxFs fs_;
  SyncDioEngine dio_;
  std::shared_ptr<Inode> file_;
  std::unique_ptr<Vma> vma_;
  Status truncate_status_;
};

}  // namespace daxbreak

#endif  // DAXBREAK_EXPLORE_EXPLORE_MODEL_BASE_H_
