// The arrows of a traced run: which step of one modeled thread let a step of
// another go on. A trace viewer (ui.perfetto.dev, chrome://tracing) draws
// each as a flow event pair from the first step's slice to the second's, so
// that a reader follows a race across threads the way the mailing-list
// diagrams do with their arrows:
//
// - wake:      wake_up_var() on a key -> the next step of each thread that
//              was waiting on that key (from prepare_to_wait() on, with
//              no lock taken and nothing written since) when the wake came;
// - reference: a reference taken on a page or counter (an atomic
//              read-modify-write that raises it: a pin, folio_try_get) ->
//              the step of another thread that drops it again (the end of
//              the DMA through the pin, the unpin);
// - handoff:   the unlock of a lock -> the next lock of it by another thread;
// - reads:     a write of an atomic (PTE, i_size, refcount, sequence) -> the
//              first later read of it by each other thread that saw that
//              value (reads-from).
//
// Steps the diagram leaves out (bookkeeping locks: the checker's, the
// allocator's) have no arrows.
//
// Thread-safety: a pure function of its argument.

#ifndef DAXBREAK_SRC_EXPLORE_TRACE_FLOWS_H_
#define DAXBREAK_SRC_EXPLORE_TRACE_FLOWS_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "daxbreak/sync/controlled_scheduler.h"

namespace daxbreak {

// One arrow: from trace[from] to trace[to] (indices into the run's trace,
// from < to, different threads), of kind "wake", "reference", "handoff" or
// "reads".
struct TraceFlow {
  size_t from = 0;
  size_t to = 0;
  std::string_view kind;
};

// The arrows of `trace`, in the order of their first step.
std::vector<TraceFlow> TraceFlows(const std::vector<TraceEvent>& trace);

}  // namespace daxbreak

#endif  // DAXBREAK_SRC_EXPLORE_TRACE_FLOWS_H_
