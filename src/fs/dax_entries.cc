#include "daxbreak/fs/dax_entries.h"

#include <fmt/format.h>

#include "daxbreak/mm/vma.h"
#include "daxbreak/base/device_header.h"
#include "daxbreak/sync/task.h"
#include "daxbreak/sync/wait_var.h"

namespace daxbreak {
namespace {

// dax_busy_page(): a page with a reference beyond idle. From 6.15 (idle 0) a
// mapping's reference does not count: refcount - mapcount. Before, nothing
// maps with a reference, so the count alone decides (one read).
bool dax_busy_page(const PageArray& pages, uint64_t pfn) {
  return pages.idle_refcount() == 0 ? !pages.page_is_unpinned(pfn) : !pages.page_is_idle(pfn);
}

// The report of a busy page at dax_disassociate_entry(). Up to 6.14 the
// kernel WARNs there; 6.15+ dax_folio_put() checks no refcount for a 4 KiB
// folio, so the detail says the kernel stays silent.
std::string BusyDisassociateDetail(const PageArray& pages, uint32_t count) {
  if (pages.idle_refcount() == 0) {
    return fmt::format(
        "page refcount {} at dax_disassociate_entry (idle 0); 6.15+ dax_folio_put() has no "
        "refcount check for a 4 KiB folio, so the kernel does not warn here",
        count);
  }
  return fmt::format("dax_disassociate_entry WARN: refcount {} (idle {})", count,
                     pages.idle_refcount());
}

}  // namespace

const void* DaxEntries::entry_key(uint64_t index) const {
  // Distinct per (mapping, index); only ever compared and hashed.
  return reinterpret_cast<const void*>(reinterpret_cast<uintptr_t>(this) + (index + 1) * 64);
}

DaxEntry DaxEntries::grab_mapping_entry(uint64_t index) {
  MutexLock lock(&xa_lock_);
  for (;;) {
    auto it = entries_.find(index);
    if (it == entries_.end()) {
      DaxEntry fresh;
      fresh.locked = true;
      entries_[index] = fresh;
      return fresh;
    }
    if (!it->second.locked) {
      it->second.locked = true;
      return it->second;
    }
    wait_entry_unlocked(xa_lock_, entry_key(index));
  }
}

bool DaxEntries::lock_existing_entry(uint64_t index, DaxEntry* out) {
  MutexLock lock(&xa_lock_);
  for (;;) {
    auto it = entries_.find(index);
    if (it == entries_.end()) return false;
    if (!it->second.locked) {
      it->second.locked = true;
      *out = it->second;
      return true;
    }
    wait_entry_unlocked(xa_lock_, entry_key(index));
  }
}

std::vector<uint64_t> DaxEntries::indices(uint64_t first, uint64_t last) {
  MutexLock lock(&xa_lock_);
  std::vector<uint64_t> out;
  for (auto it = entries_.lower_bound(first); it != entries_.end() && it->first <= last; ++it) {
    out.push_back(it->first);
  }
  return out;
}

void DaxEntries::dax_unlock_entry(uint64_t index, DaxEntry entry) {
  {
    MutexLock lock(&xa_lock_);
    entry.locked = false;
    if (entry.has_pfn || entry.zero) entries_[index] = entry;
    else entries_.erase(index);
  }
  wake_up_var(entry_key(index));
}

uint64_t DaxEntries::scan_busy_page(uint64_t first, uint64_t last, const PageArray& pages,
                                    LockedEntryScan locked_mode) {
  MutexLock lock(&xa_lock_);
  uint64_t index = first;
  for (;;) {
    auto it = entries_.lower_bound(index);
    if (it == entries_.end() || it->first > last) return 0;
    index = it->first;
    if (it->second.locked) {
      // skip-locked: before 6be3e21d25ca ("fs/dax: Don't skip locked entries
      // when scanning entries") the scan went on past a locked entry.
      if (locked_mode == LockedEntryScan::kSkip) {
        ++index;
        continue;
      }
      wait_entry_unlocked(xa_lock_, entry_key(index));
      // pause-skip: the first fix resumed with xas_pause(), i.e. at the next
      // index, so the entry it had waited for was never looked at; the May
      // 2025 fix resets the iterator (xas_reset()) to the same index.
      if (locked_mode == LockedEntryScan::kWaitAndPause) ++index;
      continue;
    }
    if (it->second.has_pfn && dax_busy_page(pages, it->second.pfn)) return it->second.pfn;
    ++index;
  }
}

std::vector<RemovedEntry> DaxEntries::dax_delete_mapping_range(uint64_t first, uint64_t last,
                                                               PageArray& pages, uint32_t ino,
                                                               ViolationSink* sink) {
  std::vector<RemovedEntry> removed;
  std::vector<uint64_t> woken;
  {
    MutexLock lock(&xa_lock_);
    uint64_t index = first;
    for (;;) {
      auto it = entries_.lower_bound(index);
      if (it == entries_.end() || it->first > last) break;
      index = it->first;
      if (it->second.locked) {
        wait_entry_unlocked(xa_lock_, entry_key(index));
        continue;
      }
      const DaxEntry e = it->second;
      entries_.erase(it);
      woken.push_back(index);
      if (e.has_pfn) {
        const uint32_t count = pages.page_ref_count(e.pfn);
        if (count != pages.idle_refcount() && sink != nullptr) {
          sink->report(Violation{ViolationKind::kBusyPageDisassociated, e.pfn, ino, index * kPageSize,
                                 Task::current().name(), BusyDisassociateDetail(pages, count)});
        }
        pages.disassociate(e.pfn);
        removed.push_back(RemovedEntry{index, e.pfn});
      }
      ++index;
    }
  }
  for (uint64_t index : woken) wake_up_var(entry_key(index));
  return removed;
}

bool DaxEntries::invalidate_zero_entry(uint64_t index) {
  bool removed = false;
  {
    MutexLock lock(&xa_lock_);
    for (;;) {
      auto it = entries_.find(index);
      if (it == entries_.end() || !it->second.zero) break;
      if (it->second.locked) {
        wait_entry_unlocked(xa_lock_, entry_key(index));
        continue;
      }
      entries_.erase(it);
      removed = true;
      break;
    }
  }
  if (removed) wake_up_var(entry_key(index));
  return removed;
}

size_t DaxEntries::size() {
  MutexLock lock(&xa_lock_);
  return entries_.size();
}

bool DaxEntries::lookup(uint64_t index, DaxEntry* out) {
  MutexLock lock(&xa_lock_);
  auto it = entries_.find(index);
  if (it == entries_.end()) return false;
  *out = it->second;
  return true;
}

}  // namespace daxbreak
