// DiskFile: the non-DAX "disk" of the DIO engine: a real file opened with
// O_DIRECT, so reads and writes go between the device and the pinned pmem
// pages without a copy through the page cache. Page 0 holds a daxbreak
// header (role disk); the same refusal rule as the pmem device applies: a
// non-empty path without that header is not written unless `force`.
//
// Thread-safety: immutable after Open(); write_block() and read_block() may run
// concurrently on different blocks.

#ifndef DAXBREAK_IO_DISK_FILE_H_
#define DAXBREAK_IO_DISK_FILE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "daxbreak/base/status.h"

namespace daxbreak {

struct DiskFileOptions {
  std::string path;
  uint64_t size_bytes = 16ULL << 20;  // Size of a new file (bytes, 4 KiB multiple).
  bool force = false;                 // Format a path with foreign data.
};

class DiskFile {
 public:
  // Opens or creates the disk file, locks it (flock, held while the object
  // lives), allocates its blocks and writes its header. A file this call
  // created is removed again when it fails. Errors: kRefused (foreign or
  // corrupt contents and no force, or another process holds the lock; the
  // path is untouched), kNoSpace (larger than the free space of its file
  // system), kEnvironment (its file system refuses O_DIRECT, a missing path
  // under /dev), kInvalidArgument (size, not a regular file), kIoError.
  static Status Open(const DiskFileOptions& options, std::unique_ptr<DiskFile>* out);
  ~DiskFile();
  DiskFile(const DiskFile&) = delete;
  DiskFile& operator=(const DiskFile&) = delete;

  // The O_DIRECT descriptor (offsets and lengths must be 4 KiB aligned).
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  uint64_t size_bytes() const { return size_bytes_; }
  // Blocks usable for data: 1 .. nr_blocks()-1 (block 0 is the header).
  uint64_t nr_blocks() const { return size_bytes_ / 4096; }
  // Writes one 4 KiB block `block` (>= 1) from `data` (4 KiB). Errors: kIoError.
  Status write_block(uint64_t block, const void* data);
  // Reads one 4 KiB block into `data`. Errors: kIoError.
  Status read_block(uint64_t block, void* data);

 private:
  DiskFile() = default;
  // Opens (creating when `create`), locks, judges the old contents
  // (`old_bytes` long), allocates and writes the header.
  Status claim(const DiskFileOptions& options, uint64_t old_bytes, bool create);
  // Checks the free space, sizes the file to `bytes` and allocates its blocks.
  Status allocate(uint64_t bytes);

  std::string path_;
  int fd_ = -1;
  bool created_ = false;
  uint64_t size_bytes_ = 0;
};

}  // namespace daxbreak

#endif  // DAXBREAK_IO_DISK_FILE_H_
