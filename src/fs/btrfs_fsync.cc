#include "daxbreak/fs/btrfs_fsync.h"

#include <cstring>

#include "daxbreak/sync/sync_point.h"
#include "daxbreak/sync/wait_var.h"

namespace daxbreak {

BtrfsFile::BtrfsFile(PmemDevice* device, uint64_t pfn, const FsyncTraits& traits)
    : device_(device), pfn_(pfn), traits_(traits) {}

void BtrfsFile::dio_write(const std::string& data) {
  const auto create_em = [this] {
    MutexLock lock(&tree_lock_);
    em_modified_ = true;  // create_io_em(): no longer a prealloc extent.
  };
  const auto create_oe = [this] {
    MutexLock lock(&tree_lock_);
    oe_exists_ = true;  // btrfs_add_ordered_extent_dio().
  };
  switch (traits_.dio_order) {
    case DioFsyncOrder::kEmBeforeOe:  // em-before-oe: the window fsync falls into.
      create_em();
      create_oe();
      break;
    case DioFsyncOrder::kOeBeforeEm:
      create_oe();
      create_em();
      break;
    case DioFsyncOrder::kDioSem: {  // dio-fsync-rwsem: the pair is atomic to fsync.
      ReadLock sem(&dio_sem_);
      create_em();
      create_oe();
      break;
    }
  }
  // The bio: the data reaches the media, then the ordered extent finishes.
  device_->memcpy_nodrain(device_->page_address(pfn_), data.data(), kPageSize);
  device_->drain();
  DAXBREAK_SYNC_POINT("dio_write:io_done");
  oe_finished_.store(1, "btrfs_finish_ordered_io");
  wake_up_var(&oe_finished_);
  write_returned_.store(1, "dio_write:return");
}

void BtrfsFile::collect(bool* oe_seen, bool* em_seen) {
  {
    MutexLock lock(&tree_lock_);  // btrfs_get_logged_extents()
    *oe_seen = oe_exists_;
  }
  MutexLock lock(&tree_lock_);  // btrfs_log_changed_extents()
  *em_seen = em_modified_;
  if (*em_seen) *oe_seen = *oe_seen || oe_exists_;  // log_one_extent()'s look-up.
}

void BtrfsFile::fsync() {
  if (write_returned_.load("fsync:write_returned") != 0) fsync_started_after_write_.store(1, "fsync:after_write");
  bool oe_seen = false, em_seen = false;
  if (traits_.dio_order == DioFsyncOrder::kDioSem) {
    // dio-fsync-rwsem: no extent map or ordered extent is half made while
    // fsync collects.
    WriteLock sem(&dio_sem_);
    collect(&oe_seen, &em_seen);
  } else {
    collect(&oe_seen, &em_seen);
  }
  if (oe_seen) {
    (void)wait_var_event(&oe_finished_, [this] { return oe_finished_.load("fsync:oe_finished") != 0; }, false);
  }
  // btrfs_sync_log(): the extent item, "written", is durable.
  if (em_seen) log_written_.store(1, "btrfs_sync_log");
  fsync_returned_.store(1, "fsync:return");
}

CrashImage BtrfsFile::power_cut() const {
  CrashImage image;
  image.taken = true;
  image.logged_written = log_written_.peek() != 0;
  image.block.assign(device_->page_address(pfn_), kPageSize);
  image.fsync_returned = fsync_returned_.peek() != 0;
  image.write_before_fsync = fsync_started_after_write_.peek() != 0;
  return image;
}

}  // namespace daxbreak
