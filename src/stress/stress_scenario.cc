// The stress scenario table: the built-in scenarios in `daxbreak list` order,
// each one row naming the targets it runs on, what it needs opened and its
// builder, and the registry users add theirs to (base/registry.h).

#include "daxbreak/stress/stress_scenario.h"

#include "daxbreak/base/registry.h"

namespace daxbreak {

// The builders, one file each in stress/scenarios/.
std::unique_ptr<StressWorkload> BuildCollision(StressContext& ctx);      // collision.cc
std::unique_ptr<StressWorkload> BuildCachedMapping(StressContext& ctx);  // cached_mapping.cc
std::unique_ptr<StressWorkload> BuildRefault(StressContext& ctx);        // refault.cc
std::unique_ptr<StressWorkload> BuildRefaultDio(StressContext& ctx);     // refault_dio.cc
std::unique_ptr<StressWorkload> BuildUnmappedPin(StressContext& ctx);    // unmapped_pin.cc
std::unique_ptr<StressWorkload> BuildEvictPinned(StressContext& ctx);    // evict_pinned.cc
std::unique_ptr<StressWorkload> BuildLockedEntry(StressContext& ctx);    // locked_entry.cc
std::unique_ptr<StressWorkload> BuildDioErrorCompletion(StressContext& ctx);  // dio_error_completion.cc

namespace {

const StressScenarioInfo kBuiltin[] = {
    {.name = "collision",
     .summary = "the xfstests generic/503 shape with the data checked: O_DIRECT into a mapped DAX file "
                "against every layout change, a writer that reuses the freed blocks, a final data pass",
     .on_model = true,
     .on_kernel = true,
     .needs = {.disk = true},
     .build = BuildCollision},
    {.name = "cached-mapping",
     .summary = "buffered writers on page-cache files against writeback, reclaim and layout changes, "
                "with a data oracle (stale iomap mappings); model only: a kernel's writeback and "
                "reclaim cannot be steered",
     .on_model = true,
     .on_kernel = false,
     .needs = {},
     .build = BuildCachedMapping},
    {.name = "refault",
     .summary = "a page referenced through vmsplice, a truncate asleep on it, the page faulted back in, "
                "the reference dropped: the change must return (it stalls from Linux 6.15)",
     .on_model = true,
     .on_kernel = true,
     .needs = {},
     .build = BuildRefault},
    {.name = "refault-dio",
     .summary = "refault in which O_DIRECT reads into page 0 outlast the pipe reference: the change must "
                "return once they stop (it stalls from 6.15; the 6.1-stable row loses the wake of the last "
                "completion)",
     .on_model = true,
     .on_kernel = true,
     .needs = {.disk = true},
     .build = BuildRefaultDio},
    {.name = "unmapped-pin",
     .summary = "a page referenced through vmsplice and then munmapped, a truncate: it must wait for the "
                "reference; kernels up to 6.14 free the block, and other files' data reads through it",
     .on_model = true,
     .on_kernel = true,
     .needs = {},
     .build = BuildUnmappedPin},
    {.name = "evict-pinned",
     .summary = "a file's page referenced through vmsplice and munmapped, then the file unlinked and "
                "closed: eviction must wait for the reference; kernels before 6.15 free the block",
     .on_model = true,
     .on_kernel = true,
     .needs = {},
     .build = BuildEvictPinned},
    {.name = "locked-entry",
     .summary = "page 0 mapped and referenced, writeback locking its entry in a loop, truncates that a "
                "signal restarts: none may finish; kernels up to 6.14 skip the locked entry and free the block",
     .on_model = true,
     .on_kernel = true,
     .needs = {},
     .build = BuildLockedEntry},
    {.name = "dio-error-completion",
     .summary = "io_uring O_DIRECT reads into a mapping whose file was truncated under half of it: each "
                "fails part way and runs iomap's error completion; Debian's 6.17.13 panics in it (a kernel bug "
                "outside DAX)",
     .on_model = false,
     .on_kernel = true,
     .needs = {.disk = true},
     .build = BuildDioErrorCompletion},
};

Registry<StressScenarioInfo>& Scenarios() {
  static auto* registry = new Registry<StressScenarioInfo>("stress scenario", kBuiltin);  // Never destroyed.
  return *registry;
}

}  // namespace

std::string StressScenarioInfo::targets() const {
  if (on_model && on_kernel) return "model, kernel";
  return on_model ? "model" : "kernel";
}

std::vector<const StressScenarioInfo*> StressScenarios() { return Scenarios().all(); }

const StressScenarioInfo* FindStressScenario(std::string_view name) { return Scenarios().find(name); }

std::string StressScenarioNames() { return Scenarios().names(); }

Status RegisterStressScenario(const StressScenarioInfo& info) {
  if (!info.build) return Status::InvalidArgument("a stress scenario needs a build function");
  if (!info.on_model && !info.on_kernel) return Status::InvalidArgument("a stress scenario needs a target");
  return Scenarios().add(info);
}

}  // namespace daxbreak
