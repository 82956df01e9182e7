// The path rules of path_claim.h as PmemDevice and DiskFile apply them: one
// user at a time, corrupt headers named as such, nothing created under /dev,
// nothing left behind by a failed open.

#include "daxbreak/base/path_claim.h"

#include <unistd.h>

#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "daxbreak/io/disk_file.h"
#include "daxbreak/pmem/pmem_device.h"
#include "testing/test_rig.h"

namespace daxbreak {
namespace {

using testing::TempDir;

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

TEST(PathClaimTest, ASecondOpenOfALockedDeviceIsRefusedWithTheHoldersPid) {
  TempDir dir;
  std::unique_ptr<PmemDevice> first, second;
  ASSERT_TRUE(PmemDevice::Open({dir.file("a.pmem"), 2 << 20, false}, &first).ok());
  const Status s = PmemDevice::Open({dir.file("a.pmem"), 2 << 20, false}, &second);
  EXPECT_EQ(s.code(), StatusCode::kRefused);
  EXPECT_NE(s.message().find(fmt::format("pid {}", getpid())), std::string::npos) << s.message();
  first.reset();
  EXPECT_TRUE(PmemDevice::Open({dir.file("a.pmem"), 2 << 20, false}, &second).ok()) << "the lock ends with its holder";
}

TEST(PathClaimTest, ASecondOpenOfALockedDiskIsRefused) {
  TempDir dir;
  std::unique_ptr<DiskFile> first, second;
  Status s = DiskFile::Open({dir.file("a.disk"), 1 << 20, false}, &first);
  if (s.code() == StatusCode::kEnvironment) GTEST_SKIP() << s.message();
  ASSERT_TRUE(s.ok()) << s.ToString();
  s = DiskFile::Open({dir.file("a.disk"), 1 << 20, true}, &second);
  EXPECT_EQ(s.code(), StatusCode::kRefused) << "even --force does not share a disk";
  EXPECT_NE(s.message().find("in use by pid"), std::string::npos) << s.message();
}

TEST(PathClaimTest, AFlippedHeaderByteIsReportedAsCorrupt) {
  TempDir dir;
  const std::string path = dir.file("a.pmem");
  std::unique_ptr<PmemDevice> dev;
  ASSERT_TRUE(PmemDevice::Open({path, 2 << 20, false}, &dev).ok());
  dev.reset();
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(25);  // Inside size_bytes.
  f.put('\x5a');
  f.close();
  const Status s = PmemDevice::Open({path, 0, false}, &dev);
  EXPECT_EQ(s.code(), StatusCode::kRefused);
  EXPECT_NE(s.message().find("corrupt"), std::string::npos) << s.message();
  EXPECT_TRUE(PmemDevice::Open({path, 0, true}, &dev).ok()) << "--force formats it";
}

TEST(PathClaimTest, ADiskFileIsNotADevice) {
  TempDir dir;
  std::unique_ptr<DiskFile> disk;
  Status s = DiskFile::Open({dir.file("a.disk"), 2 << 20, false}, &disk);
  if (s.code() == StatusCode::kEnvironment) GTEST_SKIP() << s.message();
  disk.reset();
  std::unique_ptr<PmemDevice> dev;
  s = PmemDevice::Open({dir.file("a.disk"), 0, false}, &dev);
  EXPECT_EQ(s.code(), StatusCode::kRefused);
  EXPECT_NE(s.message().find("disk header, not a device header"), std::string::npos) << s.message();
}

TEST(PathClaimTest, NothingIsCreatedUnderDev) {
  const std::string path = fmt::format("/dev/daxbreak-test-{}.0", getpid());
  std::unique_ptr<PmemDevice> dev;
  const Status s = PmemDevice::Open({path, 0, false}, &dev);
  EXPECT_EQ(s.code(), StatusCode::kEnvironment);
  EXPECT_NE(s.message().find("no such device"), std::string::npos) << s.message();
  EXPECT_FALSE(Exists(path));
  EXPECT_TRUE(CheckCreatable("/dev/shm/x.pmem", "--device").ok()) << "/dev/shm is a plain tmpfs";
  EXPECT_FALSE(CheckCreatable("/dev/../dev/dax9.9", "--device").ok());
}

TEST(PathClaimTest, AFailedOpenRemovesTheFileItCreated) {
  TempDir dir;
  std::unique_ptr<PmemDevice> dev;
  // Larger than any local file system allows (ext4 stops at 16 TiB).
  const Status s = PmemDevice::Open({dir.file("huge.pmem"), 1ULL << 50, false}, &dev);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(Exists(dir.file("huge.pmem"))) << s.ToString();
}

TEST(PathClaimTest, FilesAreComparedByIdentityNotByName) {
  TempDir dir;
  std::ofstream(dir.file("x")) << "x";
  ASSERT_EQ(symlink(dir.file("x").c_str(), dir.file("link").c_str()), 0);
  EXPECT_EQ(PathFileId(dir.file("x")), PathFileId(dir.file("./link")));
  EXPECT_NE(PathFileId(dir.file("x")), PathFileId(dir.file("y")));
  EXPECT_FALSE(PathFileId(dir.file("y")).has_value());
}

}  // namespace
}  // namespace daxbreak
