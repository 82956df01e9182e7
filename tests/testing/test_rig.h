// TestRig: a temporary directory with a fresh pmem device file, page array,
// checker and DaxFs, for tests of the layers above pmem.

#ifndef DAXBREAK_TESTS_TESTING_TEST_RIG_H_
#define DAXBREAK_TESTS_TESTING_TEST_RIG_H_

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "daxbreak/check/checker.h"
#include "daxbreak/fs/dax_fs.h"
#include "daxbreak/mm/page_array.h"
#include "daxbreak/pmem/pmem_device.h"
#include "daxbreak/sync/sync_point.h"

namespace daxbreak::testing {

// A directory removed with everything in it at destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "daxbreak-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A device of `mib` MiB, a process whose unmaps flush with `tlb_flush`, and a
// DaxFs with `protocol` and largest mapping `page_size` over the device.
struct TestRig {
  explicit TestRig(const ProtocolTraits& protocol = DefaultProtocol(), uint64_t mib = 4,
                   TlbFlushMode tlb_flush = TlbFlushMode::kIpi, const FsModel& fs_model = DefaultFsModel(),
                   DaxPageSize page_size = DaxPageSize::k4K)
      : mm(tlb_flush) {
    SyncPoint::instance().reset();
    PmemDeviceOptions opts{dir.file("dev.pmem"), mib << 20, false};
    Status s = PmemDevice::Open(opts, &device);
    EXPECT_TRUE(s.ok()) << s.ToString();
    pages = MakePageArray(protocol, device->nr_pages(), page_size);
    fs = std::make_unique<DaxFs>(device.get(), pages.get(), &checker, DaxFsOptions{&protocol, &fs_model, page_size});
  }
  // The same on ext4 with largest mapping `page_size` (the 2 MiB tests).
  TestRig(const ProtocolTraits& protocol, uint64_t mib, TlbFlushMode tlb_flush, DaxPageSize page_size)
      : TestRig(protocol, mib, tlb_flush, DefaultFsModel(), page_size) {}
  ~TestRig() { SyncPoint::instance().reset(); }

  // Creates `name` with `nr_pages` allocated pages, each filled with `fill`.
  std::shared_ptr<Inode> make_file(const std::string& name, uint32_t nr_pages, char fill = 'a') {
    std::shared_ptr<Inode> inode;
    Status s = fs->create(name, &inode);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::string data(kPageSize * nr_pages, fill);
    s = fs->write(inode.get(), 0, data.data(), data.size());
    EXPECT_TRUE(s.ok()) << s.ToString();
    return inode;
  }

  // Up to `len` bytes of `inode` at byte `off`, through DaxFs::read().
  std::string read(Inode* inode, uint64_t off, uint64_t len) {
    std::string out(len, '?');
    uint64_t done = 0;
    EXPECT_TRUE(fs->read(inode, off, out.data(), len, &done).ok());
    out.resize(done);
    return out;
  }

  // mmap() in the rig's process.
  std::unique_ptr<Vma> mmap(Inode* inode, uint64_t nr_pages, bool writable) {
    return fs->mmap(&mm, inode, nr_pages, writable);
  }

  TempDir dir;
  MmStruct mm;
  std::unique_ptr<PmemDevice> device;
  std::unique_ptr<PageArray> pages;
  Checker checker;
  std::unique_ptr<DaxFs> fs;
};

}  // namespace daxbreak::testing

#endif  // DAXBREAK_TESTS_TESTING_TEST_RIG_H_
