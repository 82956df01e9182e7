#include "pmem/sigbus_guard.h"

#include <signal.h>
#include <sys/mman.h>

#include <atomic>

namespace daxbreak {
namespace {

constexpr int kSlots = 16;
constexpr uintptr_t kPage = 4096;

struct Slot {
  std::atomic<bool> used{false};   // Claimed by GuardRange().
  std::atomic<uintptr_t> base{0};  // 0: not (yet) guarded.
  std::atomic<size_t> len{0};
  std::atomic<uint64_t> faults{0};
  std::atomic<uint64_t> first_offset{0};
};

Slot g_slots[kSlots];

void OnSigbus(int signo, siginfo_t* info, void*) {
  const auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
  for (Slot& slot : g_slots) {
    const uintptr_t base = slot.base.load();
    if (base == 0 || addr < base || addr >= base + slot.len.load()) continue;
    const uintptr_t page = addr & ~(kPage - 1);
    // The page behind the truncated part of the file is gone; a private zero
    // page in its place lets the faulting access complete.
    void* p = mmap(reinterpret_cast<void*>(page), kPage, PROT_READ | PROT_WRITE,
                   MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) break;
    if (slot.faults.fetch_add(1) == 0) slot.first_offset.store(page - base);
    return;
  }
  // Not ours: the default action on return, when the access faults again.
  signal(signo, SIG_DFL);
}

void InstallHandler() {
  struct sigaction sa {};
  sa.sa_sigaction = OnSigbus;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, nullptr);
}

}  // namespace

int GuardRange(void* base, size_t len) {
  static const bool installed = (InstallHandler(), true);
  (void)installed;
  for (int i = 0; i < kSlots; ++i) {
    bool expected = false;
    if (!g_slots[i].used.compare_exchange_strong(expected, true)) continue;
    g_slots[i].len.store(len);
    g_slots[i].faults.store(0);
    g_slots[i].first_offset.store(0);
    g_slots[i].base.store(reinterpret_cast<uintptr_t>(base));
    return i;
  }
  return -1;
}

void UnguardRange(int slot) {
  if (slot < 0 || slot >= kSlots) return;
  g_slots[slot].base.store(0);
  g_slots[slot].used.store(false);
}

uint64_t GuardedFaults(int slot, uint64_t* first_offset) {
  if (slot < 0 || slot >= kSlots) return 0;
  *first_offset = g_slots[slot].first_offset.load();
  return g_slots[slot].faults.load();
}

}  // namespace daxbreak
