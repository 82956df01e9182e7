#include "explore/scenarios/iomap_scenarios.h"

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "daxbreak/fs/buffered_io.h"
#include "daxbreak/explore/explore_model_base.h"

namespace daxbreak {
namespace {

// The partial write the scenarios race: bytes [kWriteAt, kWriteAt + kWriteLen)
// of the target page.
constexpr uint64_t kWriteAt = 100;
constexpr uint64_t kWriteLen = 100;

// A page-cache file of `pages` unwritten pages (fallocate), each written with
// 'B' by a buffered write whose folio is still dirty; the data oracle knows
// what every byte must read as.
class CachedFileModel : public ExploreModelBase {
 protected:
  CachedFileModel(const ModelEnv& env, uint64_t pages)
      : ExploreModelBase(env), bio_(env.device, fs_.allocator(), env.protocol->iomap, env.checker) {
    (void)fs_.create("file", &file_, /*dax=*/false);
    (void)fs_.fallocate(file_.get(), 0, 0, pages * kPageSize);
    expected_.assign(pages * kPageSize, 'B');
    (void)bio_.write(file_.get(), 0, expected_.data(), expected_.size());
  }

  // A thread ("write") that writes 'A' over the partial range of `page`.
  void add_write_thread(ControlledScheduler& s, uint64_t page) {
    expected_.replace(page * kPageSize + kWriteAt, kWriteLen, kWriteLen, 'A');
    s.add_thread("write", [this, page] {
      const std::string a(kWriteLen, 'A');
      (void)bio_.write(file_.get(), page * kPageSize + kWriteAt, a.data(), a.size());
    });
  }

  // The data oracle: every byte reads as the last write put it.
  void check() override { CheckFileReads(bio_, *file_, expected_, env_.checker); }
  // What the file reads as.
  std::string final_state() override { return FileReadsState(bio_, *file_, expected_.size()); }

  BufferedIo bio_;
  std::string expected_;
};

class StaleUnwritten final : public CachedFileModel {
 public:
  explicit StaleUnwritten(const ModelEnv& env) : CachedFileModel(env, 1) {}
  void add_threads(ControlledScheduler& s) override {
    add_write_thread(s, 0);
    s.add_thread("writeback", [this] { (void)bio_.writeback(file_.get()); });
    s.add_thread("reclaim", [this] { bio_.reclaim(file_.get()); });
  }
};

// Pages 0, 1 and 2 went to writeback before the model starts; their
// completions are pending. One completion thread finishes page 0, another
// pages 1 and 2 (one bio); reclaim drops page 2's folio once it is clean.
// The write targets page 2. With `racy-seq`, page 0's
// read-then-write increment can straddle both increments of the other
// completion, and the counter goes back to the value the write sampled
// between them.
class RacySeq final : public CachedFileModel {
 public:
  explicit RacySeq(const ModelEnv& env) : CachedFileModel(env, 3) {
    (void)bio_.writeback_submit(file_.get(), &pending_);
  }
  void add_threads(ControlledScheduler& s) override {
    s.add_thread("end-io-0", [this] { bio_.writeback_end_io(file_.get(), pending_.at(0)); });
    s.add_thread("end-io-12", [this] {
      bio_.writeback_end_io(file_.get(), pending_.at(1));
      bio_.writeback_end_io(file_.get(), pending_.at(2));
    });
    add_write_thread(s, 2);
    s.add_thread("reclaim", [this] { bio_.reclaim(file_.get(), 2, 2); });
  }

 private:
  std::vector<BufferedIo::PendingIo> pending_;
};

}  // namespace

std::string FileReadsState(BufferedIo& bio, Inode& file, uint64_t bytes) {
  std::string now(bytes, '\0');
  bio.read(&file, 0, now.data(), now.size());
  return fmt::format("reads={:016x}", std::hash<std::string>{}(now));
}

void CheckFileReads(BufferedIo& bio, Inode& file, const std::string& expected, ViolationSink* sink) {
  std::string now(expected.size(), '\0');
  bio.read(&file, 0, now.data(), now.size());
  if (now == expected) return;
  const uint64_t i = std::mismatch(now.begin(), now.end(), expected.begin()).first - now.begin();
  if (i == now.size()) return;
  uint64_t end = i;
  while (end < now.size() && now[end] != expected[end]) ++end;
  sink->report(Violation{ViolationKind::kDataCorruption, 0, file.ino(), i, "oracle",
                         fmt::format("bytes [{}, {}) read as {:?} where {:?} was written: the write's data was lost",
                                     i, end, now[i], expected[i])});
}

std::unique_ptr<ExploreModel> BuildStaleUnwritten(const ModelEnv& env) { return std::make_unique<StaleUnwritten>(env); }
std::unique_ptr<ExploreModel> BuildRacySeq(const ModelEnv& env) { return std::make_unique<RacySeq>(env); }

}  // namespace daxbreak
