// The pieces the stress scenarios share (src/stress/scenarios/scenarios.h),
// against a target file that only records what it is asked.

#include "stress/scenarios/scenarios.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "daxbreak/fs/dax_fs.h"

namespace daxbreak {
namespace {

class RecordingFile final : public TargetFile {
 public:
  uint32_t ino() const override { return 7; }
  Status write(uint64_t, const void*, uint64_t) override { return Status::Ok(); }
  Status read(uint64_t, void*, uint64_t) override { return Status::Ok(); }
  Status truncate(uint64_t size) override {
    calls.push_back("truncate " + std::to_string(size / kPageSize));
    return Status::Ok();
  }
  Status fallocate(uint32_t mode, uint64_t, uint64_t) override {
    calls.push_back("fallocate " + std::to_string(mode));
    return Status::Ok();
  }
  Status fsync() override { return Status::Ok(); }
  Status writeback() override { return Status::Ok(); }
  uint64_t size() override { return 4 * kPageSize; }
  uint64_t block_of(uint64_t) override { return 0; }
  Status mmap(uint32_t, std::unique_ptr<TargetMapping>*) override { return Status::NotSupported("no mapping"); }

  std::vector<std::string> calls;
};

// A stall must name the call that sleeps: a collapse and the truncate that
// grows the file back are two changes of the watch, not one.
TEST(ChangeLayoutTest, TheRegrowIsAChangeOfItsOwn) {
  RecordingFile f;
  LayoutWatch watch;
  std::mt19937_64 rng(1);
  ASSERT_TRUE(ChangeLayout(f, LayoutOp::kCollapse, 4, rng, watch).ok());
  EXPECT_EQ(watch.ends(), 2u);
  EXPECT_STREQ(watch.op(), "truncate-regrow");
  ASSERT_EQ(f.calls.size(), 2u);
  EXPECT_EQ(f.calls[0], "fallocate " + std::to_string(kFallocCollapseRange));
  EXPECT_EQ(f.calls[1], "truncate 4");
  ASSERT_TRUE(ChangeLayout(f, LayoutOp::kPunch, 4, rng, watch).ok());
  EXPECT_EQ(watch.ends(), 3u) << "a punch keeps the size: no regrow";
  EXPECT_STREQ(watch.op(), "punch");
}

TEST(PinFactsTest, OutstandingNeedsBothCounts) {
  EXPECT_EQ((PinFacts{10, 9}.outstanding()), 1);
  EXPECT_EQ((PinFacts{10, 10}.outstanding()), 0);
  EXPECT_FALSE((PinFacts{10, std::nullopt}.outstanding()).has_value());
}

}  // namespace
}  // namespace daxbreak
