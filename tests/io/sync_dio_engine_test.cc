// The explore DIO engine's bio life in free mode: a partial submission keeps
// the pages pinned before the failure until the short bio completes (or, with
// the dio-error-leak mutation, for ever), and a read found not all dirty is
// released by bio_dirty_work, after its completion.

#include "daxbreak/io/sync_dio_engine.h"

#include <gtest/gtest.h>

#include "daxbreak/fs/protocol.h"
#include "testing/test_rig.h"

namespace daxbreak {
namespace {

using testing::TestRig;

constexpr uint64_t kDiskBytes = 4 * kPageSize;

class SyncDioEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    inode_ = rig_.make_file("f", 1);           // Page 1 of the mapping is beyond EOF.
    vma_ = rig_.mmap(inode_.get(), 2, true);
    ASSERT_TRUE(inode_->lookup_block(0, &pfn0_));
  }
  bool page0_idle() const { return rig_.pages->page_is_idle(pfn0_); }

  TestRig rig_;
  std::shared_ptr<Inode> inode_;
  std::unique_ptr<Vma> vma_;
  uint64_t pfn0_ = 0;
};

TEST_F(SyncDioEngineTest, PartialSubmissionReleasesAtCompletion) {
  SyncDioEngine dio(rig_.device.get(), rig_.pages.get(), &rig_.checker, kDiskBytes);
  dio.set_bio_model(BioModel{.partial_submission = true});
  Status s = dio.dio_read(kPageSize, *vma_, vma_->address_of(0), 2 * kPageSize);
  EXPECT_EQ(s.code(), StatusCode::kFault);  // iomap_dio_complete() returns the error...
  EXPECT_EQ(dio.in_flight(), 1u);           // ...while the short bio of page 0 is in flight.
  EXPECT_FALSE(page0_idle());
  ASSERT_TRUE(dio.drain().ok());
  EXPECT_TRUE(page0_idle());
  EXPECT_EQ(dio.stats().pin_failures.load(), 1u);
}

TEST_F(SyncDioEngineTest, WithoutPartialSubmissionNothingStaysPinned) {
  SyncDioEngine dio(rig_.device.get(), rig_.pages.get(), &rig_.checker, kDiskBytes);
  EXPECT_EQ(dio.dio_read(kPageSize, *vma_, vma_->address_of(0), 2 * kPageSize).code(), StatusCode::kFault);
  EXPECT_EQ(dio.in_flight(), 0u);
  EXPECT_TRUE(page0_idle());
}

TEST_F(SyncDioEngineTest, ErrorLeakMutationNeverReleases) {
  SyncDioEngine dio(rig_.device.get(), rig_.pages.get(), &rig_.checker, kDiskBytes);
  dio.set_bio_model(BioModel{.partial_submission = true,
                             .error_path = BuiltinProtocol("dio-error-leak").layout.dio_error_path});
  EXPECT_EQ(dio.dio_read(kPageSize, *vma_, vma_->address_of(0), 2 * kPageSize).code(), StatusCode::kFault);
  ASSERT_TRUE(dio.drain().ok());
  EXPECT_EQ(dio.in_flight(), 0u);
  EXPECT_FALSE(page0_idle());  // The leak the row is caught by: a break on page 0 never ends.
}

TEST_F(SyncDioEngineTest, ReadNotAllDirtyIsReleasedByDirtyWork) {
  SyncDioEngine dio(rig_.device.get(), rig_.pages.get(), &rig_.checker, kDiskBytes);
  std::vector<PinnedPage> pinned;
  ASSERT_TRUE(pin_user_pages(*vma_, vma_->address_of(0), 1, FOLL_PIN | FOLL_WRITE, &pinned).ok());
  dio.enable_dirty_work();
  dio.submit_pinned(/*is_read=*/true, kPageSize, std::move(pinned), /*all_dirty=*/false);
  dio.close();
  dio.run_completions();  // Completes (in_flight 0) and defers the release.
  EXPECT_EQ(dio.in_flight(), 0u);
  EXPECT_EQ(dio.stats().completions.load(), 1u);
  EXPECT_FALSE(page0_idle());
  dio.run_dirty_work();   // bio_dirty_fn(): the release, later and elsewhere.
  EXPECT_TRUE(page0_idle());
}

TEST_F(SyncDioEngineTest, ReadAllDirtyIsReleasedAtCompletion) {
  SyncDioEngine dio(rig_.device.get(), rig_.pages.get(), &rig_.checker, kDiskBytes);
  std::vector<PinnedPage> pinned;
  ASSERT_TRUE(pin_user_pages(*vma_, vma_->address_of(0), 1, FOLL_PIN | FOLL_WRITE, &pinned).ok());
  dio.submit_pinned(/*is_read=*/true, kPageSize, std::move(pinned));
  dio.close();
  dio.run_completions();
  EXPECT_TRUE(page0_idle());
}

}  // namespace
}  // namespace daxbreak
