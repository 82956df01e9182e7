// A guard for mappings whose file another process may truncate under us: a
// load or store to a page past the new end of the file raises SIGBUS, which
// would end the process and lose the run's report. The handler, for an
// address inside a guarded range, maps an anonymous zero page over the
// faulting page (so the access completes and the thread goes on) and counts
// the fault; the owner asks GuardedFaults() after the run and reports the
// lost device as an error. A SIGBUS outside every guarded range gets the
// default action again (the process dies as it would have).
//
// Thread-safety: GuardRange() and UnguardRange() may run concurrently with
// each other and with the handler (a fixed table of atomics, no lock: a
// signal handler may take none).

#ifndef DAXBREAK_PMEM_SIGBUS_GUARD_H_
#define DAXBREAK_PMEM_SIGBUS_GUARD_H_

#include <cstddef>
#include <cstdint>

namespace daxbreak {

// Guards [base, base + len) (page-aligned). Returns the slot to pass to the
// other calls, or -1 when all slots are taken (then the range is unguarded).
int GuardRange(void* base, size_t len);
// Ends the guard of `slot` (-1: nothing).
void UnguardRange(int slot);
// The SIGBUS faults taken inside `slot`'s range so far, and in
// `*first_offset` the byte offset in the range of the first one.
uint64_t GuardedFaults(int slot, uint64_t* first_offset);

}  // namespace daxbreak

#endif  // DAXBREAK_PMEM_SIGBUS_GUARD_H_
