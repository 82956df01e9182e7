#include "daxbreak/check/stamp.h"

#include <cstring>

#include <gtest/gtest.h>

namespace daxbreak {
namespace {

TEST(StampTest, RoundTrip) {
  char block[4096];
  Stamp s;
  s.kind = static_cast<uint16_t>(StampKind::kFile);
  s.ino = 7;
  s.index = 3;
  s.generation = 12;
  FillStampedBlock(block, s);
  const BlockReading r = ReadStampedBlock(block);
  EXPECT_EQ(r.state, BlockState::kStamped);
  EXPECT_EQ(r.stamp.ino, 7u);
  EXPECT_EQ(r.stamp.index, 3u);
  EXPECT_EQ(r.stamp.generation, 12u);
  EXPECT_EQ(DescribeReading(r), "file ino 7 page 3 gen 12");
}

TEST(StampTest, DetectsZeroTornAndGarbage) {
  char block[4096] = {};
  EXPECT_EQ(ReadStampedBlock(block).state, BlockState::kZero);
  Stamp s;
  s.kind = static_cast<uint16_t>(StampKind::kDisk);
  s.index = 9;
  FillStampedBlock(block, s);
  block[2000] ^= 1;
  EXPECT_EQ(ReadStampedBlock(block).state, BlockState::kTorn);
  FillStampedBlock(block, s);
  std::memset(block + 4096 - 8, 0, 8);
  EXPECT_EQ(ReadStampedBlock(block).state, BlockState::kTorn);
  block[1] ^= 0x40;  // Breaks the head stamp's magic.
  EXPECT_EQ(ReadStampedBlock(block).state, BlockState::kGarbage);
}

}  // namespace
}  // namespace daxbreak
