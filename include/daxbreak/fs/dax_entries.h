// DaxEntries: a file's DAX entries (the i_pages xarray of a DAX mapping): file
// page index -> pfn, with an entry lock bit. The fault handler locks an entry
// while it maps the page (grab_mapping_entry() .. dax_unlock_entry()); the
// busy-page scan and truncation wait out locked entries (wait_entry_unlocked()).
// Models fs/dax.c.
//
// PMD entries (`--page-size 2m`): an entry with DAX_PMD set covers the
// kPmdPages indices from its (aligned) head index, where it is stored; a
// look-up of any index it covers finds it, as a multi-index xarray entry is
// found. Its pfn is the first of kPmdPages contiguous, aligned device pages.
//
// Thread-safety: thread-safe; the map is guarded by xa_lock_.

#ifndef DAXBREAK_FS_DAX_ENTRIES_H_
#define DAXBREAK_FS_DAX_ENTRIES_H_

#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include "daxbreak/base/status.h"
#include "daxbreak/base/violation.h"
#include "daxbreak/mm/page_array.h"
#include "daxbreak/mm/vma.h"
#include "daxbreak/sync/mutex.h"
#include "daxbreak/sync/thread_annotations.h"

namespace daxbreak {

// The largest DAX mapping the fault handler may make (`--page-size`): 4 KiB
// PTEs only (dax_iomap_pte_fault(); every output before PMD support), or
// also 2 MiB PMDs where the extent and alignment allow (dax_iomap_pmd_fault()).
enum class DaxPageSize { k4K, k2M };
// "4k", "2m".
std::string_view DaxPageSizeName(DaxPageSize size);
// Parses "4k" or "2m" (case-sensitive). Errors: kInvalidArgument naming `text`.
Status ParseDaxPageSize(std::string_view text, DaxPageSize* out);

// How the busy-page scan treats an entry that is locked when it gets there.
enum class LockedEntryScan {
  kWaitAndReset,  // Wait it out, then look at the same index again (fixed).
  kSkip,          // Move past it (the `skip-locked` bug).
  kWaitAndPause,  // Wait it out, then resume at the next index (`pause-skip`).
};

struct DaxEntry {
  uint64_t pfn = 0;     // The device page, if has_pfn.
  bool has_pfn = false; // False: an empty (placeholder) or zero-page entry.
  bool zero = false;    // A zero-page entry (read fault on a hole).
  bool locked = false;  // The DAX_LOCKED bit.
  bool pmd = false;     // The DAX_PMD bit: kPmdPages pages from the head index.
};

// How the busy-page scan looks at the pages of an entry (docs/models/dax-pmd.md).
enum class PmdBusyCheck {
  kEveryPage,  // Every pfn of the entry (for_each_mapped_pfn() in dax_busy_page(), up
               // to 6.14); from 6.15 the folio, whose count every subpage's reference
               // raises (the kernel; no difference for a 4 KiB entry).
  kHeadOnly,   // Only the entry's first pfn, as if the head's count stood for every
               // subpage: the `pmd-head-only` mutation (never in a kernel).
};

// One entry removed by dax_delete_mapping_range().
struct RemovedEntry {
  uint64_t index = 0;
  uint64_t pfn = 0;
};

class DaxEntries {
 public:
  DaxEntries() = default;
  DaxEntries(const DaxEntries&) = delete;
  DaxEntries& operator=(const DaxEntries&) = delete;

  // grab_mapping_entry(): returns the entry at `index` locked by the caller,
  // first waiting for another holder to unlock it; creates an empty locked
  // entry if there is none.
  // A PMD entry covering `index` is returned as it is (a PTE fault on it maps
  // one subpage; grab_mapping_entry() downgrades only zero and empty PMD
  // entries, which this model does not make): unlock it with its head index.
  DaxEntry grab_mapping_entry(uint64_t index) EXCLUDES(xa_lock_);
  // grab_mapping_entry(PMD_ORDER) for the kPmdPages-aligned `head`: false
  // (VM_FAULT_FALLBACK) if a PTE entry lies in the range; else the PMD entry
  // there, locked (waiting for another holder), or a new empty locked one.
  bool grab_pmd_entry(uint64_t head, DaxEntry* out) EXCLUDES(xa_lock_);
  // Locks the entry at `index` if there is one (waiting for another holder),
  // as dax_writeback_one() does; returns false if there is none.
  bool lock_existing_entry(uint64_t index, DaxEntry* out) EXCLUDES(xa_lock_);
  // The indices of the entries in [first, last], ascending (a snapshot).
  std::vector<uint64_t> indices(uint64_t first, uint64_t last) EXCLUDES(xa_lock_);
  // dax_insert_entry() + dax_unlock_entry(): stores `entry`'s contents at
  // `index`, clears the lock bit and wakes waiters. An entry left with no pfn
  // and not zero is removed (put_unlocked_entry of an empty entry). A PMD
  // entry is stored at `index` rounded down to its head.
  void dax_unlock_entry(uint64_t index, DaxEntry entry) EXCLUDES(xa_lock_);

  // Removes the entry at `index` if it is a zero-page entry, waiting for its
  // lock first (dax_invalidate_mapping_entry_sync() as
  // invalidate_inode_pages2_range() uses it after a write allocated the block:
  // IOMAP_F_NEW). Returns whether it removed one.
  bool invalidate_zero_entry(uint64_t index) EXCLUDES(xa_lock_);

  // The scan of dax_layout_busy_page_range(): the pfn of the first entry in
  // [first, last] (indices, inclusive) whose page is busy (dax_busy_page():
  // a reference beyond idle; from 6.15 beyond idle + mapcount), or 0. With
  // kWaitAndReset a locked entry is waited for and then looked at again from
  // the same index (never skipped); the other modes are the known bugs. The
  // map's lock is dropped only while waiting. A PMD entry that covers any
  // index of the range is looked at as `pmd_check` says.
  uint64_t scan_busy_page(uint64_t first, uint64_t last, const PageArray& pages,
                          LockedEntryScan locked_mode,
                          PmdBusyCheck pmd_check = PmdBusyCheck::kEveryPage) EXCLUDES(xa_lock_);

  // dax_delete_mapping_range() (truncate_inode_pages_range for DAX): removes
  // the entries in [first, last], waiting for locked ones, and disassociates
  // their pages (dax_disassociate_entry()). A page still above idle is
  // reported to `sink` as busy_page_disassociated (ino `ino`): the WARN of
  // dax_disassociate_entry up to 6.14; from 6.15 the WARN for a busy PMD
  // folio in dax_folio_put()'s split, and for a 4 KiB one nothing here (the
  // detail says so). A PMD entry that overlaps the range is removed whole,
  // all its pages disassociated and (6.15) its folio split: what is left of
  // the 2 MiB faults back in at PTE size. Returns what it removed (a PMD
  // entry as its head).
  std::vector<RemovedEntry> dax_delete_mapping_range(uint64_t first, uint64_t last,
                                                     PageArray& pages, uint32_t ino,
                                                     ViolationSink* sink) EXCLUDES(xa_lock_);

  // Entries now (for tests and reports).
  size_t size() EXCLUDES(xa_lock_);
  // The entry at `index`, if any (a snapshot, for tests).
  bool lookup(uint64_t index, DaxEntry* out) EXCLUDES(xa_lock_);

 private:
  // The wait key of the entry at `index` (dax_entry_waitqueue()).
  const void* entry_key(uint64_t index) const;
  // The entry that covers `index` (a PMD entry at its head), or end().
  std::map<uint64_t, DaxEntry>::iterator covering(uint64_t index) REQUIRES(xa_lock_);
  // The pages of a removed PMD entry at pfn `head` (file index `index`):
  // the busy check, disassociation and the folio's split.
  void delete_pmd_pages(uint64_t head, uint64_t index, PageArray& pages, uint32_t ino,
                        ViolationSink* sink) REQUIRES(xa_lock_);

  Mutex xa_lock_{"xa_lock"};
  std::map<uint64_t, DaxEntry> entries_ GUARDED_BY(xa_lock_);
  uint64_t pmd_entries_ GUARDED_BY(xa_lock_) = 0;  // How many entries are PMD entries.
};

}  // namespace daxbreak

#endif  // DAXBREAK_FS_DAX_ENTRIES_H_
