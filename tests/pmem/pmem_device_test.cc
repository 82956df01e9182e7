#include "daxbreak/pmem/pmem_device.h"

#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "testing/test_rig.h"

namespace daxbreak {
namespace {

using testing::TempDir;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(PmemDeviceTest, CreatesFileAtSizeWithHeader) {
  TempDir dir;
  std::unique_ptr<PmemDevice> dev;
  Status s = PmemDevice::Open({dir.file("a.pmem"), 2 << 20, false}, &dev);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(dev->size_bytes(), 2u << 20);
  EXPECT_EQ(dev->nr_pages(), 512u);
  EXPECT_EQ(dev->first_data_pfn(), 1u);
  EXPECT_EQ(dev->header().format_count, 1u);
  // A plain file: libpmem2 gives PAGE unless told otherwise.
  if (getenv("PMEM2_FORCE_GRANULARITY") == nullptr) {
    EXPECT_EQ(dev->granularity(), StoreGranularity::kPage);
  }
  EXPECT_TRUE(dev->sync_all().ok());
  uint64_t bad = 99;
  EXPECT_TRUE(dev->count_badblocks(&bad).ok());
  EXPECT_EQ(bad, 0u);
}

TEST(PmemDeviceTest, ReopensItsOwnFile) {
  TempDir dir;
  std::unique_ptr<PmemDevice> dev;
  ASSERT_TRUE(PmemDevice::Open({dir.file("a.pmem"), 2 << 20, false}, &dev).ok());
  dev.reset();
  Status s = PmemDevice::Open({dir.file("a.pmem"), 0, false}, &dev);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(dev->header().format_count, 2u);
  EXPECT_EQ(dev->size_bytes(), 2u << 20);
}

TEST(PmemDeviceTest, RefusesForeignDataAndLeavesItUnchanged) {
  TempDir dir;
  const std::string path = dir.file("precious.bin");
  std::string data(3 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + 3);
  std::ofstream(path, std::ios::binary).write(data.data(), static_cast<std::streamsize>(data.size()));
  std::unique_ptr<PmemDevice> dev;
  Status s = PmemDevice::Open({path, 0, false}, &dev);
  EXPECT_EQ(s.code(), StatusCode::kRefused);
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("--force"), std::string::npos) << s.message();
  EXPECT_EQ(ReadAll(path), data);
  s = PmemDevice::Open({path, 4 << 20, false}, &dev);  // A size does not override.
  EXPECT_EQ(s.code(), StatusCode::kRefused);
  EXPECT_EQ(ReadAll(path), data);
  // With force it is formatted.
  s = PmemDevice::Open({path, 0, true}, &dev);
  ASSERT_TRUE(s.ok()) << s.ToString();
  dev.reset();
  EXPECT_NE(ReadAll(path), data);
}

TEST(PmemDeviceTest, RejectsBadSizesAndDirectories) {
  TempDir dir;
  std::unique_ptr<PmemDevice> dev;
  EXPECT_EQ(PmemDevice::Open({dir.file("x"), 1000, false}, &dev).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(PmemDevice::Open({dir.file("y"), 4096, false}, &dev).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(PmemDevice::Open({dir.path(), 0, false}, &dev).code(), StatusCode::kInvalidArgument);
}

TEST(PmemDeviceTest, MemcpyReachesTheFile) {
  TempDir dir;
  const std::string path = dir.file("a.pmem");
  std::unique_ptr<PmemDevice> dev;
  ASSERT_TRUE(PmemDevice::Open({path, 1 << 20, false}, &dev).ok());
  const std::string msg = "persisted through libpmem2";
  dev->memcpy_nodrain(dev->page_address(5), msg.data(), msg.size());
  ASSERT_TRUE(dev->sync_all().ok());
  dev.reset();
  EXPECT_EQ(ReadAll(path).substr(5 * 4096, msg.size()), msg);
}

}  // namespace
}  // namespace daxbreak
