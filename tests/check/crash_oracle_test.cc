#include "daxbreak/check/crash_oracle.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daxbreak/check/checker.h"
#include "daxbreak/pmem/pmem_device.h"

namespace daxbreak {
namespace {

// The kinds `checker` holds, in report order.
std::vector<ViolationKind> Kinds(const Checker& checker) {
  std::vector<ViolationKind> out;
  for (const Violation& v : checker.violations()) out.push_back(v.kind);
  return out;
}

const std::string kWritten(kPageSize, 'D');
const std::string kStale(kPageSize, 'S');

CrashImage Image(bool logged, const std::string& block, bool fsync_returned, bool write_before_fsync) {
  CrashImage i;
  i.taken = true;
  i.logged_written = logged;
  i.block = block;
  i.fsync_returned = fsync_returned;
  i.write_before_fsync = write_before_fsync;
  return i;
}

TEST(CrashOracleTest, LoggedWrittenOverStaleBytesIsStaleData) {
  Checker sink;
  CheckCrashImage(Image(true, kStale, false, false), kWritten, 1, 7, &sink);
  EXPECT_EQ(Kinds(sink), std::vector<ViolationKind>{ViolationKind::kStaleDataAfterCrash});
}

TEST(CrashOracleTest, AnFsyncThatReturnedMustBringTheWriteBack) {
  Checker sink;
  CheckCrashImage(Image(false, kWritten, true, true), kWritten, 1, 7, &sink);
  EXPECT_EQ(Kinds(sink), std::vector<ViolationKind>{ViolationKind::kFsyncDataLost});
}

TEST(CrashOracleTest, WhatTheRulesAllow) {
  Checker sink;
  CheckCrashImage(Image(true, kWritten, true, true), kWritten, 1, 7, &sink);    // fsync'd and durable
  CheckCrashImage(Image(false, kStale, false, false), kWritten, 1, 7, &sink);   // prealloc: reads zeros
  CheckCrashImage(Image(false, kStale, true, false), kWritten, 1, 7, &sink);    // fsync began before the write
  CheckCrashImage(CrashImage{}, kWritten, 1, 7, &sink);                         // no power cut
  EXPECT_TRUE(Kinds(sink).empty());
}

}  // namespace
}  // namespace daxbreak
