#include "daxbreak/mm/address_space.h"

#include <algorithm>

#include "daxbreak/mm/vma.h"

namespace daxbreak {

void AddressSpace::add_vma(Vma* vma) {
  WriteLock lock(&i_mmap_rwsem_);
  i_mmap_.push_back(vma);
}

void AddressSpace::remove_vma(Vma* vma) {
  WriteLock lock(&i_mmap_rwsem_);
  i_mmap_.erase(std::remove(i_mmap_.begin(), i_mmap_.end(), vma), i_mmap_.end());
}

bool AddressSpace::mapping_mapped() {
  ReadLock lock(&i_mmap_rwsem_);
  return !i_mmap_.empty();
}

uint64_t AddressSpace::unmap_mapping_pages(uint64_t first, uint64_t nr) {
  ReadLock lock(&i_mmap_rwsem_);
  uint64_t zapped = 0;
  for (Vma* vma : i_mmap_) zapped += vma->zap_range(first, nr);
  return zapped;
}

}  // namespace daxbreak
