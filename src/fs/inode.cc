#include "daxbreak/fs/inode.h"

namespace daxbreak {

bool Inode::lookup_block(uint64_t pgoff, uint64_t* pfn) {
  ReadLock lock(&i_data_sem_);
  auto it = extents_.find(pgoff);
  if (it == extents_.end()) return false;
  *pfn = it->second;
  return true;
}

uint64_t Inode::nr_blocks() {
  ReadLock lock(&i_data_sem_);
  return extents_.size();
}

}  // namespace daxbreak
