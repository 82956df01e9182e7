#include "daxbreak/mm/mm_struct.h"

#include "daxbreak/sync/task.h"

namespace daxbreak {

std::string_view TlbFlushModeName(TlbFlushMode mode) {
  return mode == TlbFlushMode::kIpi ? "ipi" : "broadcast";
}

std::optional<TlbFlushMode> ParseTlbFlushMode(std::string_view name) {
  for (TlbFlushMode m : {TlbFlushMode::kIpi, TlbFlushMode::kBroadcast}) {
    if (TlbFlushModeName(m) == name) return m;
  }
  return std::nullopt;
}

uint64_t MmStruct::irqs_off() {
  uint64_t id = 0;
  const void* cpu = &Task::current();
  core_.change(SyncOp::kLock, this, "local_irq_save", [&] {
    id = next_section_++;
    irqs_off_.emplace(id, cpu);
  });
  return id;
}

void MmStruct::irqs_on(uint64_t section) {
  core_.release(SyncOp::kUnlock, this, "local_irq_restore", [&] { irqs_off_.erase(section); });
}

void MmStruct::flush_tlb() {
  if (mode_ == TlbFlushMode::kBroadcast) return;
  // Every section that had begun has an id below the next one: the IPI
  // reaches each such CPU and is answered when its section ends. Sections
  // that begin later read the cleared PTEs and need no wait.
  const uint64_t begun_before = core_.read([this] { return next_section_; });
  const void* self = &Task::current();
  core_.wait(
      SyncOp::kWait, this, "flush_tlb:ipi_wait",
      [&] {
        for (const auto& [id, cpu] : irqs_off_) {
          if (id >= begun_before) break;
          if (cpu != self) return false;
        }
        return true;
      },
      [] {});
}

}  // namespace daxbreak
