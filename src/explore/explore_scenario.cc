// The explore scenario table: the built-in scenarios in `daxbreak list`
// order, each one row naming its builder, and the registry users add theirs
// to (base/registry.h).

#include "daxbreak/explore/explore_scenario.h"

#include "daxbreak/base/registry.h"
#include "explore/scenarios/crash_scenarios.h"
#include "explore/scenarios/dax_scenarios.h"
#include "explore/scenarios/dio_scenarios.h"
#include "explore/scenarios/fs_scenarios.h"
#include "explore/scenarios/iomap_scenarios.h"
#include "explore/scenarios/journal_scenarios.h"
#include "explore/scenarios/pmd_scenarios.h"

namespace daxbreak {
namespace {

const ExploreScenarioInfo kBuiltin[] = {
    {"race2018", "one DIO pins two pages; truncate races its completion (the 2018 report)", BuildRace2018},
    {"gup-fast", "a DIO's GUP-fast pin races truncate's unmap and busy-page scan", BuildGupFast},
    {"locked-entry", "fsync holds DAX entry locks while truncate scans past a pinned page", BuildLockedEntry},
    {"evict-pinned", "an unmapped file is unlinked and evicted while a DIO pins its page", BuildEvictPinned},
    {"lost-wake", "truncate sleeps on a pinned page; the completion's wake must reach it", BuildLostWake},
    {"beyond-eof", "truncate to 0 of a 1.5-page file whose partial last page is pinned", BuildBeyondEof},
    {"signal", "a signal interrupts truncate's wait for a pinned page", BuildSignal},
    {"unmapped-pin", "truncate of a file whose pinned page is no longer mapped", BuildUnmappedPin},
    {"refault", "a pinned page is faulted back in while truncate sleeps on it", BuildRefault},
    {"zero-range", "zero range over a file whose page is pinned by a DIO", BuildZeroRange},
    {"collapse", "collapse range moves a page a DIO has pinned", BuildCollapse, "ext4,xfs"},
    {"pmd-truncate", "truncate into a PMD-mapped 2 MiB whose subpage 1 a DIO pins (run with --page-size 2m)", BuildPmdTruncate, "", true},
    {"pmd-punch", "punch of the DIO-pinned subpage 1 of a PMD-mapped 2 MiB, and a refault beside it (--page-size 2m)", BuildPmdPunch, "", true},
    {"dio-partial", "a DIO's GUP fails on page 1 after pinning page 0; the short bio's release must wake truncate's break", BuildDioPartial},
    {"dio-dirty-defer", "a DIO read's release is deferred to bio_dirty_work (a page found clean); truncate's break waits for it", BuildDioDirtyDefer},
    {"stale-unwritten", "a buffered write's unwritten mapping goes stale: writeback converts, reclaim drops the folio (Dave Chinner, linux-xfs, January 2023)", BuildStaleUnwritten, "ext4,xfs"},
    {"racy-seq", "two I/O completions advance the extent sequence at once while a buffered write holds a mapping (Jan Kara, linux-ext4, December 2024)", BuildRacySeq, "ext4"},
    {"zero-unwritten", "ext4 zeroes a partial block under a journal handle over a dirty unwritten folio, beside a commit (Zhang Yi, linux-fsdevel, August 2025)", BuildZeroUnwritten, "ext4"},
    {"zero-hole", "the same over a dirty folio on a hole, as punch hole meets it (Zhang Yi, linux-fsdevel, August 2025)", BuildZeroHole, "ext4"},
    {"fsync-dio", "a lockless DIO write into a preallocated extent, a fast fsync, and a power cut (Chris Mason, linux-btrfs, May 2016)", BuildFsyncDio},
    {"xfs-remap", "xfs: a reflink takes both inodes' MMAPLOCKs while a DIO pins a page of the second; its no-wait break starts again until the pin goes", BuildXfsRemap, "xfs"},
    {"window-reclaim", "virtiofs: a DAX window is reclaimed while a DIO pins a page of it through a mapping already gone", BuildWindowReclaim, "virtiofs"},
};

Registry<ExploreScenarioInfo>& Scenarios() {
  static auto* registry = new Registry<ExploreScenarioInfo>("explore scenario", kBuiltin);  // Never destroyed.
  return *registry;
}

}  // namespace

std::vector<const ExploreScenarioInfo*> ExploreScenarios() { return Scenarios().all(); }

const ExploreScenarioInfo* FindExploreScenario(std::string_view name) { return Scenarios().find(name); }

Status RegisterExploreScenario(const ExploreScenarioInfo& info) {
  if (!info.build) return Status::InvalidArgument("an explore scenario needs a build function");
  return Scenarios().add(info);
}

}  // namespace daxbreak
