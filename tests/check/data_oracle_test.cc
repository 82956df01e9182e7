#include "daxbreak/check/data_oracle.h"

#include <gtest/gtest.h>

#include "daxbreak/check/checker.h"
#include "daxbreak/check/stamp.h"

namespace daxbreak {
namespace {

void FileBlock(char* block, uint32_t ino, uint32_t index, uint64_t gen) {
  Stamp s;
  s.kind = static_cast<uint16_t>(StampKind::kFile);
  s.ino = ino;
  s.index = index;
  s.generation = gen;
  FillStampedBlock(block, s);
}

TEST(DataOracleTest, AcceptsTheExpectedStampOnly) {
  Checker checker;
  DataOracle oracle(&checker);
  char block[4096];
  oracle.expect(5, 2, 40);
  FileBlock(block, 5, 2, 40);
  EXPECT_TRUE(oracle.verify_file_page(5, 2, 100, block));
  FileBlock(block, 5, 2, 39);  // A stale generation.
  EXPECT_FALSE(oracle.verify_file_page(5, 2, 100, block));
  FileBlock(block, 6, 0, 41);  // Another file's block.
  EXPECT_FALSE(oracle.verify_file_page(5, 2, 100, block));
  ASSERT_EQ(checker.count(ViolationKind::kDataCorruption), 2u);
  const Violation v = checker.violations()[1];
  EXPECT_EQ(v.ino, 5u);
  EXPECT_EQ(v.pfn, 100u);
  EXPECT_EQ(v.file_offset, 2u * 4096);
  EXPECT_NE(v.detail.find("file ino 6"), std::string::npos) << v.detail;
}

TEST(DataOracleTest, UntrackedPagesMustBeZeroAndForgetWorks) {
  Checker checker;
  DataOracle oracle(&checker);
  char block[4096] = {};
  EXPECT_TRUE(oracle.verify_file_page(1, 0, 1, block));
  oracle.expect(1, 0, 1);
  oracle.expect(1, 1, 2);
  oracle.expect(2, 0, 3);
  oracle.forget(1);
  EXPECT_EQ(oracle.tracked_pages(), 1u);
}

TEST(DataOracleTest, DmaTargetMayHoldDiskBlocksOnly) {
  Checker checker;
  DataOracle oracle(&checker);
  char block[4096] = {};
  EXPECT_TRUE(oracle.verify_dma_target_page(1, 0, 1, block));
  Stamp d;
  d.kind = static_cast<uint16_t>(StampKind::kDisk);
  d.index = 4;
  FillStampedBlock(block, d);
  EXPECT_TRUE(oracle.verify_dma_target_page(1, 0, 1, block));
  FileBlock(block, 3, 0, 1);
  EXPECT_FALSE(oracle.verify_dma_target_page(1, 0, 1, block));
  EXPECT_EQ(checker.violation_count(), 1u);
}

}  // namespace
}  // namespace daxbreak
