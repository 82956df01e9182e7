// AddressSpace: the mm side of a file's struct address_space: its host inode
// number and i_mmap, the set of VMAs that map it, and unmap_mapping_pages().
// (The DAX entries of i_pages live in the fs layer, fs/dax_entries.h.)
//
// Thread-safety: thread-safe; i_mmap is guarded by i_mmap_rwsem.

#ifndef DAXBREAK_MM_ADDRESS_SPACE_H_
#define DAXBREAK_MM_ADDRESS_SPACE_H_

#include <cstdint>
#include <vector>

#include "daxbreak/sync/rwsem.h"
#include "daxbreak/sync/thread_annotations.h"

namespace daxbreak {

class Vma;

class AddressSpace {
 public:
  explicit AddressSpace(uint32_t host_ino) : host_ino_(host_ino) {}
  AddressSpace(const AddressSpace&) = delete;
  AddressSpace& operator=(const AddressSpace&) = delete;

  uint32_t host_ino() const { return host_ino_; }

  // vma_link / vma_unlink on i_mmap.
  void add_vma(Vma* vma) EXCLUDES(i_mmap_rwsem_);
  void remove_vma(Vma* vma) EXCLUDES(i_mmap_rwsem_);
  // mapping_mapped(): whether any VMA maps the file now.
  bool mapping_mapped() EXCLUDES(i_mmap_rwsem_);

  // unmap_mapping_pages() (mm/memory.c): zaps the PTEs of file pages
  // [first, first + nr) in every VMA of the file (Vma::zap_range()). When it
  // returns, no user access through those PTEs is running; with an IPI TLB
  // flush, no GUP-fast that read one of them is still taking its reference
  // either. Returns how many present PTEs were cleared.
  uint64_t unmap_mapping_pages(uint64_t first, uint64_t nr) EXCLUDES(i_mmap_rwsem_);

 private:
  const uint32_t host_ino_;
  RwSem i_mmap_rwsem_{"i_mmap_rwsem"};
  std::vector<Vma*> i_mmap_ GUARDED_BY(i_mmap_rwsem_);
};

}  // namespace daxbreak

#endif  // DAXBREAK_MM_ADDRESS_SPACE_H_
