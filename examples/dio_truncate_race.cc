// One DIO against one truncate, through the library API as a user would call
// it: open a pmem device, create and map a file, start an io_uring DIO read
// into the mapping, truncate the file while the read holds its pins, reap the
// completion, and print what the checker saw.
//
//   dio_truncate_race [fixed|retry-flag|no-break] [DIR]
//
// With `fixed` the truncate waits for the DIO (violations: 0); with `no-break`
// it frees the pinned block and a second file reuses it under the DMA.

#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>

#include "daxbreak/check/checker.h"
#include "daxbreak/fs/dax_fs.h"
#include "daxbreak/io/uring_dio_engine.h"
#include "daxbreak/pmem/pmem_device.h"

using namespace daxbreak;

static int Die(const Status& s) {
  std::fprintf(stderr, "dio_truncate_race: %s\n", s.ToString().c_str());
  return 2;
}

int main(int argc, char** argv) {
  const ProtocolTraits* protocol = FindProtocol(argc > 1 ? argv[1] : "fixed");
  if (protocol == nullptr) {
    std::fprintf(stderr, "unknown protocol '%s' (choose from %s)\n", argv[1], ProtocolNameList().c_str());
    return 2;
  }
  const std::string dir = argc > 2 ? argv[2] : ".";
  const std::string tag = std::to_string(getpid());

  // 1. The device, its page records, a checker and the file system.
  std::unique_ptr<PmemDevice> device;
  Status s = PmemDevice::Open({dir + "/example-" + tag + ".pmem", 4 << 20, false}, &device);
  if (!s.ok()) return Die(s);
  std::unique_ptr<PageArray> pages = MakePageArray(*protocol, device->nr_pages());
  Checker checker;
  DaxFs fs(device.get(), pages.get(), &checker, DaxFsOptions{protocol});
  MmStruct process;  // The process that maps the file (x86: IPI TLB flushes).

  // 2. A 2-page file, mapped shared.
  std::shared_ptr<Inode> file;
  if (!(s = fs.create("data", &file)).ok()) return Die(s);
  const std::string bytes(2 * kPageSize, 'd');
  if (!(s = fs.write(file.get(), 0, bytes.data(), bytes.size())).ok()) return Die(s);
  std::unique_ptr<Vma> vma = fs.mmap(&process, file.get(), 2, /*writable=*/true);

  // 3. A DIO read from the disk into the mapping: its pages are now pinned.
  std::unique_ptr<DiskFile> disk;
  if (!(s = DiskFile::Open({dir + "/example-" + tag + ".disk", 1 << 20, false}, &disk)).ok()) return Die(s);
  std::unique_ptr<DioEngine> dio;
  if (!(s = CreateUringDioEngine(disk.get(), device.get(), pages.get(), &checker, 4, &dio)).ok()) return Die(s);
  if (!(s = dio->dio_read(kPageSize, *vma, vma->address_of(0), 2 * kPageSize)).ok()) return Die(s);

  // 4. Truncate while the DIO is in flight. The fixed protocol blocks until
  //    the completion unpins the pages, so it runs on its own thread.
  std::thread truncator([&] {
    Status t = fs.truncate(file.get(), 0);
    if (!t.ok()) std::fprintf(stderr, "truncate: %s\n", t.ToString().c_str());
    // Another file takes the freed blocks at once (the allocator is LIFO).
    std::shared_ptr<Inode> other;
    if (fs.create("other", &other).ok()) (void)fs.write(other.get(), 0, bytes.data(), bytes.size());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));

  // 5. Reap the completion: this unpins the pages.
  if (!(s = dio->drain()).ok()) return Die(s);
  truncator.join();

  std::printf("protocol %s: break_layouts waited for %llu busy page(s)\n",
              std::string(protocol->name).c_str(),
              static_cast<unsigned long long>(fs.stats().break_waits.load()));
  std::printf("violations: %llu\n%s", static_cast<unsigned long long>(checker.violation_count()),
              checker.to_text().c_str());
  vma.reset();
  dio.reset();
  unlink((dir + "/example-" + tag + ".pmem").c_str());
  unlink((dir + "/example-" + tag + ".disk").c_str());
  return 0;
}
