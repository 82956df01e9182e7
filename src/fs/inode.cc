#include "daxbreak/fs/inode.h"

namespace daxbreak {

bool Inode::lookup_extent(uint64_t pgoff, Extent* out) {
  ReadLock lock(&i_data_sem_);
  auto it = extents_.find(pgoff);
  if (it == extents_.end()) return false;
  *out = it->second;
  return true;
}

bool Inode::lookup_block(uint64_t pgoff, uint64_t* pfn) {
  Extent e;
  if (!lookup_extent(pgoff, &e) || e.unwritten) return false;
  *pfn = e.pfn;
  return true;
}

uint64_t Inode::nr_blocks() {
  ReadLock lock(&i_data_sem_);
  return extents_.size();
}

std::map<uint64_t, Extent> Inode::extents_snapshot() {
  ReadLock lock(&i_data_sem_);
  return extents_;
}

}  // namespace daxbreak
