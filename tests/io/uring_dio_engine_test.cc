#include "daxbreak/io/uring_dio_engine.h"

#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>

#include <gtest/gtest.h>

#include "daxbreak/check/stamp.h"
#include "testing/test_rig.h"

namespace daxbreak {
namespace {

using testing::TestRig;

class UringDioTest : public ::testing::Test {
 protected:
  void Build(const ProtocolTraits& protocol) {
    rig_ = std::make_unique<TestRig>(protocol);
    Status s = DiskFile::Open({rig_->dir.file("disk"), 1 << 20, false}, &disk_);
    if (s.code() == StatusCode::kEnvironment) GTEST_SKIP() << s.message();
    ASSERT_TRUE(s.ok()) << s.ToString();
    s = CreateUringDioEngine(disk_.get(), rig_->device.get(), rig_->pages.get(), &rig_->checker, 8, &engine_);
    if (s.code() == StatusCode::kEnvironment) GTEST_SKIP() << s.message();
    ASSERT_TRUE(s.ok()) << s.ToString();
    char block[kPageSize];
    for (uint64_t b = 1; b < 8; ++b) {
      Stamp st;
      st.kind = static_cast<uint16_t>(StampKind::kDisk);
      st.index = static_cast<uint32_t>(b);
      FillStampedBlock(block, st);
      ASSERT_TRUE(disk_->write_block(b, block).ok());
    }
    file_ = rig_->make_file("f", 2);
    vma_ = rig_->mmap(file_.get(), 2, true);
  }
  void TearDown() override {
    if (engine_) {
      EXPECT_TRUE(engine_->drain().ok());
    }
    vma_.reset();
  }

  std::unique_ptr<TestRig> rig_;
  std::unique_ptr<DiskFile> disk_;
  std::unique_ptr<DioEngine> engine_;
  std::shared_ptr<Inode> file_;
  std::unique_ptr<Vma> vma_;
};

TEST_F(UringDioTest, ReadLandsInThePinnedPmemPages) {
  Build(BuiltinProtocol("fixed"));
  if (IsSkipped()) return;
  ASSERT_TRUE(engine_->dio_read(5 * kPageSize, *vma_, vma_->address_of(0), 2 * kPageSize).ok());
  EXPECT_EQ(engine_->in_flight(), 1u);
  uint64_t pfn = 0;
  ASSERT_TRUE(file_->lookup_block(0, &pfn));
  EXPECT_FALSE(rig_->pages->page_is_idle(pfn)) << "pinned while in flight";
  ASSERT_TRUE(engine_->drain().ok());
  EXPECT_TRUE(rig_->pages->page_is_idle(pfn)) << "unpinned at completion";
  char page[kPageSize];
  uint64_t done = 0;
  ASSERT_TRUE(rig_->fs->read(file_.get(), kPageSize, page, kPageSize, &done).ok());
  const BlockReading r = ReadStampedBlock(page);
  EXPECT_EQ(r.state, BlockState::kStamped);
  EXPECT_EQ(r.stamp.index, 6u);
  EXPECT_EQ(engine_->stats().bytes.load(), 2 * kPageSize);
}

TEST_F(UringDioTest, WriteGoesFromThePagesToTheDisk) {
  Build(BuiltinProtocol("fixed"));
  if (IsSkipped()) return;
  ASSERT_TRUE(engine_->dio_write(3 * kPageSize, *vma_, vma_->address_of(1), kPageSize).ok());
  ASSERT_TRUE(engine_->drain().ok());
  char block[kPageSize];
  ASSERT_TRUE(disk_->read_block(3, block).ok());
  EXPECT_EQ(std::string(block, 16), std::string(16, 'a'));
}

TEST_F(UringDioTest, NoBreakShowsDmaAfterFree) {
  Build(BuiltinProtocol("no-break"));
  if (IsSkipped()) return;
  ASSERT_TRUE(engine_->dio_read(2 * kPageSize, *vma_, vma_->address_of(0), kPageSize).ok());
  ASSERT_TRUE(rig_->fs->truncate(file_.get(), 0).ok());  // Frees the pinned block.
  std::shared_ptr<Inode> other = rig_->make_file("other", 1, 'o');  // Reuses it (LIFO).
  ASSERT_TRUE(engine_->drain().ok());
  EXPECT_EQ(rig_->checker.count(ViolationKind::kPinnedBlockFreed), 1u);
  EXPECT_EQ(rig_->checker.count(ViolationKind::kDmaAfterFree), 1u) << rig_->checker.to_text();
}

TEST_F(UringDioTest, FixedTruncateWaitsForTheCompletion) {
  Build(BuiltinProtocol("fixed"));
  if (IsSkipped()) return;
  ASSERT_TRUE(engine_->dio_read(2 * kPageSize, *vma_, vma_->address_of(0), kPageSize).ok());
  std::atomic<bool> done{false};
  std::thread truncator([&] {
    EXPECT_TRUE(rig_->fs->truncate(file_.get(), 0).ok());
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(done.load());
  ASSERT_TRUE(engine_->drain().ok());  // Completion unpins; truncate goes on.
  truncator.join();
  EXPECT_EQ(rig_->checker.violation_count(), 0u) << rig_->checker.to_text();
}

TEST_F(UringDioTest, RejectsBadRequests) {
  Build(BuiltinProtocol("fixed"));
  if (IsSkipped()) return;
  EXPECT_EQ(engine_->dio_read(kPageSize, *vma_, vma_->address_of(0), 100).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(engine_->dio_read(0, *vma_, vma_->address_of(0), kPageSize).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(engine_->dio_read(kPageSize, *vma_, vma_->address_of(0) + 1, kPageSize).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(engine_->dio_read(1 << 20, *vma_, vma_->address_of(0), kPageSize).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(engine_->in_flight(), 0u);
}

TEST(DiskFileTest, RefusesForeignDataUnlessForced) {
  testing::TempDir dir;
  const std::string path = dir.file("data");
  const std::string data(100000, 'D');
  std::ofstream(path, std::ios::binary) << data;
  std::unique_ptr<DiskFile> disk;
  Status s = DiskFile::Open({path, 1 << 20, false}, &disk);
  EXPECT_EQ(s.code(), StatusCode::kRefused);
  std::ifstream in(path, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), data);
  s = DiskFile::Open({path, 1 << 20, true}, &disk);
  if (s.code() == StatusCode::kEnvironment) GTEST_SKIP() << s.message();
  EXPECT_TRUE(s.ok()) << s.ToString();
}

}  // namespace
}  // namespace daxbreak
