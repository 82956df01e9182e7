// MmStruct: the parts of a process's mm_struct that the layout-breaking
// protocol depends on: how an unmap's TLB flush synchronizes with GUP-fast.
//
// GUP-fast (mm/gup.c gup_fast()) walks the page tables with interrupts
// disabled (local_irq_save). On x86 the flush after a zap
// (flush_tlb_mm_range()) sends IPIs to the CPUs that may cache the old
// entries and waits for each to answer; a CPU inside GUP-fast answers only
// when it re-enables interrupts. So unmap_mapping_pages() cannot return while
// a GUP-fast that read the old PTE is still taking its reference, and the
// busy-page scan that follows sees that reference or none at all
// (docs/protocol.md, 'GUP-fast and the TLB flush'). Where the flush needs no
// IPI (arm64 broadcast TLBI; x86 INVLPGB since 6.15 for some processes) that
// wait is gone.
//
// Thread-safety: thread-safe; sections and flushes are scheduling points in
// explore mode.

#ifndef DAXBREAK_MM_MM_STRUCT_H_
#define DAXBREAK_MM_MM_STRUCT_H_

#include <cstdint>
#include <optional>
#include <map>
#include <string_view>

#include "daxbreak/sync/blocking_core.h"

namespace daxbreak {

// How the TLB flush after a zap waits for GUP-fast.
enum class TlbFlushMode {
  kIpi,        // x86 IPI shootdown: the flush waits for every GUP-fast running with
               // interrupts off when it began.
  kBroadcast,  // Broadcast invalidation: the flush waits for nobody.
};

// "ipi" / "broadcast".
std::string_view TlbFlushModeName(TlbFlushMode mode);
std::optional<TlbFlushMode> ParseTlbFlushMode(std::string_view name);

class MmStruct {
 public:
  explicit MmStruct(TlbFlushMode mode = TlbFlushMode::kIpi) : mode_(mode) {}
  MmStruct(const MmStruct&) = delete;
  MmStruct& operator=(const MmStruct&) = delete;

  TlbFlushMode tlb_flush_mode() const { return mode_; }

  // local_irq_save() .. local_irq_restore() around a GUP-fast walk. Returns
  // the section's id for irqs_on().
  uint64_t irqs_off();
  void irqs_on(uint64_t section);

  // The TLB flush after PTEs were cleared (tlb_flush_mmu() /
  // flush_tlb_mm_range()). With kIpi it returns only when every irqs-off
  // section of another thread (CPU) that had begun before the call has ended
  // (the local CPU flushes itself); with kBroadcast at once.
  void flush_tlb();

 private:
  const TlbFlushMode mode_;
  BlockingCore core_;
  // Touched only inside core_ callbacks.
  uint64_t next_section_ = 1;
  std::map<uint64_t, const void*> irqs_off_;  // Running sections and their thread's Task.
};

// Holds interrupts off for a GUP-fast walk (RAII of MmStruct::irqs_off()).
class IrqsOffSection {
 public:
  explicit IrqsOffSection(MmStruct* mm) : mm_(mm), section_(mm->irqs_off()) {}
  ~IrqsOffSection() { mm_->irqs_on(section_); }
  IrqsOffSection(const IrqsOffSection&) = delete;
  IrqsOffSection& operator=(const IrqsOffSection&) = delete;

 private:
  MmStruct* const mm_;
  const uint64_t section_;
};

}  // namespace daxbreak

#endif  // DAXBREAK_MM_MM_STRUCT_H_
