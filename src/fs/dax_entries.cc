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

// dax_busy_page() of a PMD entry at head pfn `head`: up to 6.14 every pfn of
// the entry (for_each_mapped_pfn(), each page its own count); from 6.15 the
// folio (every subpage's reference counts on it). pmd-head-only: the daxbreak
// mutation that looks at the head page alone, which up to 6.14 misses a pin
// on any other subpage. Returns the busy page's pfn, or 0.
uint64_t dax_busy_pmd(const PageArray& pages, uint64_t head, PmdBusyCheck check) {
  if (pages.idle_refcount() == 0 || check == PmdBusyCheck::kHeadOnly) {
    return dax_busy_page(pages, head) ? head : 0;
  }
  for (uint64_t pfn = head; pfn < head + kPmdPages; ++pfn) {
    if (dax_busy_page(pages, pfn)) return pfn;
  }
  return 0;
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

std::string_view DaxPageSizeName(DaxPageSize size) { return size == DaxPageSize::k2M ? "2m" : "4k"; }

Status ParseDaxPageSize(std::string_view text, DaxPageSize* out) {
  if (text == "4k") *out = DaxPageSize::k4K;
  else if (text == "2m") *out = DaxPageSize::k2M;
  else return Status::InvalidArgument(fmt::format("--page-size: unknown size '{}' (choose from 4k, 2m)", text));
  return Status::Ok();
}

const void* DaxEntries::entry_key(uint64_t index) const {
  // Distinct per (mapping, index); only ever compared and hashed.
  return reinterpret_cast<const void*>(reinterpret_cast<uintptr_t>(this) + (index + 1) * 64);
}

std::map<uint64_t, DaxEntry>::iterator DaxEntries::covering(uint64_t index) {
  auto it = entries_.find(index);
  if (it != entries_.end() || pmd_entries_ == 0) return it;
  auto head = entries_.find(index - index % kPmdPages);
  return head != entries_.end() && head->second.pmd ? head : entries_.end();
}

DaxEntry DaxEntries::grab_mapping_entry(uint64_t index) {
  MutexLock lock(&xa_lock_);
  for (;;) {
    auto it = covering(index);
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
    wait_entry_unlocked(xa_lock_, entry_key(it->first));
  }
}

bool DaxEntries::grab_pmd_entry(uint64_t head, DaxEntry* out) {
  MutexLock lock(&xa_lock_);
  for (;;) {
    auto it = entries_.lower_bound(head);
    if (it != entries_.end() && it->first < head + kPmdPages && !it->second.pmd) return false;
    if (it == entries_.end() || it->first != head) {
      DaxEntry fresh;
      fresh.locked = true;
      fresh.pmd = true;
      entries_[head] = fresh;
      ++pmd_entries_;
      *out = fresh;
      return true;
    }
    if (!it->second.locked) {
      it->second.locked = true;
      *out = it->second;
      return true;
    }
    wait_entry_unlocked(xa_lock_, entry_key(head));
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
  if (entry.pmd) index -= index % kPmdPages;
  {
    MutexLock lock(&xa_lock_);
    entry.locked = false;
    if (entry.has_pfn || entry.zero) {
      entries_[index] = entry;
    } else if (entries_.erase(index) != 0 && entry.pmd) {
      --pmd_entries_;
    }
  }
  wake_up_var(entry_key(index));
}

uint64_t DaxEntries::scan_busy_page(uint64_t first, uint64_t last, const PageArray& pages,
                                    LockedEntryScan locked_mode, PmdBusyCheck pmd_check) {
  MutexLock lock(&xa_lock_);
  uint64_t index = first;
  for (;;) {
    auto it = covering(index);
    if (it == entries_.end()) it = entries_.lower_bound(index);
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
    if (it->second.has_pfn && it->second.pmd) {
      if (const uint64_t busy = dax_busy_pmd(pages, it->second.pfn, pmd_check)) return busy;
      index = it->first + kPmdPages;
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
      auto it = covering(index);
      if (it == entries_.end()) it = entries_.lower_bound(index);
      if (it == entries_.end() || it->first > last) break;
      index = it->first;
      if (it->second.locked) {
        wait_entry_unlocked(xa_lock_, entry_key(index));
        continue;
      }
      const DaxEntry e = it->second;
      entries_.erase(it);
      woken.push_back(index);
      if (e.pmd) {
        --pmd_entries_;
        if (e.has_pfn) delete_pmd_pages(e.pfn, index, pages, ino, sink);
        if (e.has_pfn) removed.push_back(RemovedEntry{index, e.pfn});
        index += kPmdPages;
        continue;
      }
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

void DaxEntries::delete_pmd_pages(uint64_t head, uint64_t index, PageArray& pages, uint32_t ino,
                                  ViolationSink* sink) {
  // Up to 6.14: dax_disassociate_entry() WARNs (once) for the first busy page;
  // from 6.15 the folio's count is the head's, checked where dax_folio_put()
  // splits the folio.
  const uint64_t busy = dax_busy_pmd(pages, head, PmdBusyCheck::kEveryPage);
  if (busy != 0 && sink != nullptr) {
    const uint32_t count = pages.page_ref_count(busy);
    const std::string detail =
        pages.idle_refcount() == 0
            ? fmt::format("dax_folio_put WARN: 2 MiB folio refcount {} at its split (idle 0)", count)
            : fmt::format("dax_disassociate_entry WARN: subpage {} of a PMD entry, refcount {} (idle {})",
                          busy - head, count, pages.idle_refcount());
    sink->report(Violation{ViolationKind::kBusyPageDisassociated, busy, ino, (index + busy - head) * kPageSize,
                           Task::current().name(), detail});
  }
  for (uint64_t pfn = head; pfn < head + kPmdPages; ++pfn) pages.disassociate(pfn);
  (void)pages.dax_folio_put(head);
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
  auto it = covering(index);
  if (it == entries_.end()) return false;
  *out = it->second;
  return true;
}

}  // namespace daxbreak
