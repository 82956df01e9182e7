#include "daxbreak/fs/protocol.h"

#include <cstdlib>

#include <fmt/format.h>

#include "daxbreak/base/registry.h"
#include "daxbreak/base/report_sink.h"

namespace daxbreak {
namespace {

using L = LayoutBreakTraits;
using I = IomapTraits;
using F = FsyncTraits;

// The built-in rows. Each bug row differs from `fixed` (or `modern`) in the
// traits it names; the code each trait changes cites the row by name.
const ProtocolTraits kBuiltin[] = {
    {.name = "fixed",
     .status = ProtocolStatus::kCorrect,
     .summary = "the layout break with 1-based page refcounts (ext4 from 2018 to 6.14, plus the "
                "scan fixes of the 6.15 series): whole-file break on every layout change; unmap, "
                "wait for each busy page dropping only invalidate_lock, loop until a full scan "
                "finds none; final break on eviction",
     .cites = "430657b6be89 \"ext4: handle layout changes to pinned DAX mappings\"; 5fac7408d828 "
              "\"mm, fs, dax: handle layout changes to pinned dax mappings\"; b1f382178d15 "
              "\"ext4: close race between direct IO and ext4_break_layouts()\"; no kernel "
              "shipped it: Debian's 6.12.117 with the 6.15 scan fixes backported "
              "(patches/6.12-scan-fixes, docs/fixes.md) runs as it",
     .catches_in = "",
     .layout = L{},
     .iomap = I{},
     .fsync = F{}},
    {.name = "modern",
     .status = ProtocolStatus::kReleasedBug,
     .summary = "the 6.15+ form: idle refcount 0, a mapping holds a page reference; stalls when a "
                "page is faulted back in while the break sleeps (seen on 6.17 and 6.18)",
     .cites = "38607c62b34b \"fs/dax: properly refcount fs dax pages\" and d5b3afea22a5 "
              "\"fs/dax: create a common implementation to break DAX layouts\" (6.15); no "
              "upstream report or fix of the stall found; seen up to Debian's 7.3.4, and gone with "
              "daxbreak's patch (patches/refault-stall, row modern-refault-wake; docs/fixes.md)",
     .catches_in = "refault",
     .catches_as = CatchKind::kStall,
     .layout = L{.idle_refcount = 0, .break_deletes_entries = true},
     .iomap = I{},
     .fsync = F{}},
    {.name = "modern-mapcount-wake",
     .status = ProtocolStatus::kCandidateFix,
     .summary = "modern plus a fix for its re-fault stall: the breaker waits for refcount == "
                "mapcount and scans again; the unpin that leaves only mapping references wakes it, "
                "and so does the end of a map",
     .cites = "not in the kernel; proposed by daxbreak",
     .catches_in = "",
     .layout = L{.idle_refcount = 0,
                 .wake_rule = WakeRule::kAtIdleOrOnlyMapped,
                 .wait_condition = BreakWaitCondition::kUnpinned, .break_deletes_entries = true},
     .iomap = I{},
     .fsync = F{}},
    {.name = "modern-refault-wake",
     .status = ProtocolStatus::kCandidateFix,
     .summary = "modern plus daxbreak's kernel patch for its re-fault stall: the breaker waits "
                "until the page is idle or mapped again; the DAX fault that maps a page wakes it, "
                "and it scans (and so unmaps) again",
     .cites = "not in the kernel: patches/refault-stall (\"fs/dax: wake a layout break when a busy "
              "page is faulted back in\"), against Debian's 7.3.4, built and run in daxvm "
              "(docs/fixes.md); Fixes: 38607c62b34b \"fs/dax: properly refcount fs dax pages\"",
     .catches_in = "",
     // While the pin lasts, each re-fault wakes the break, which unmaps the
     // page and sleeps; the touching thread faults again. The pin's
     // completion, once it runs, ends it (tests/explore/dpor_test.cc).
     .cycles_in = "refault",
     .layout = L{.idle_refcount = 0,
                 .wait_condition = BreakWaitCondition::kIdleOrMapped,
                 .fault_wakes_break = true, .break_deletes_entries = true},
     .iomap = I{},
     .fsync = F{}},
    {.name = "no-break",
     .status = ProtocolStatus::kReleasedBug,
     .summary = "layout changes free blocks without breaking layouts: blocks freed under DMA",
     .cites = "ext4 before 430657b6be89 \"ext4: handle layout changes to pinned DAX mappings\" "
              "(4.19)",
     .catches_in = "race2018",
     .applies_to = "ext4,xfs",
     .layout = L{.breaks_layouts = false, .dio_ref = DioRef::kFollGet},
     .iomap = I{},
     .fsync = F{}},
    {.name = "retry-flag",
     .status = ProtocolStatus::kReleasedBug,
     .summary = "the loop goes on only if the sleep callback ran; a pin dropped between the scan "
                "and the wait's first test ends the loop with other pages still pinned",
     .cites = "xfs from d6dc57e251a4 \"xfs, dax: introduce xfs_break_dax_layouts()\" (releases "
              "4.17 to 4.19 not confirmed here), its fix commit not identified here; ext4's loop "
              "was fixed by b1f382178d15 \"ext4: close race between direct IO and "
              "ext4_break_layouts()\" before 4.19, so probably never in an ext4 release (Jan Kara, "
              "linux-ext4, July 2018, in reply to Ross Zwisler)",
     .catches_in = "race2018",
     .applies_to = "ext4,xfs",
     .layout = L{.loop_needs_sleep_callback = true, .dio_ref = DioRef::kFollGet},
     .iomap = I{},
     .fsync = F{}},
    {.name = "no-unmap",
     .status = ProtocolStatus::kHypothetical,
     .summary = "an ablation: the busy-page scan runs without unmapping first, so GUP-fast takes a "
                "reference after the scan passed the page",
     .cites = "never in a release: 5fac7408d828 introduced dax_layout_busy_page() already "
              "unmapping first",
     .catches_in = "gup-fast",
     .layout = L{.unmap_first = false},
     .iomap = I{},
     .fsync = F{}},
    {.name = "mapped-only",
     .status = ProtocolStatus::kReleasedBug,
     .summary = "the scan returns early when no user mapping is left: DMA into pages already "
                "unmapped is missed",
     .cites = "fixed by cee91fa13a8e \"fs/dax: return unmapped busy pages from "
              "dax_layout_busy_page_range()\" (6.15; id read in a merge log)",
     .catches_in = "unmapped-pin",
     .layout = L{.stop_when_unmapped = true},
     .iomap = I{},
     .fsync = F{}},
    {.name = "skip-locked",
     .status = ProtocolStatus::kReleasedBug,
     .summary = "the scan moves past an entry that is locked at that moment: a busy page behind it "
                "is missed",
     .cites = "fixed by 6be3e21d25ca \"fs/dax: don't skip locked entries when scanning entries\" "
              "(6.15)",
     .catches_in = "locked-entry",
     .layout = L{.locked_entry_scan = LockedEntryScan::kSkip},
     .iomap = I{},
     .fsync = F{}},
    {.name = "pause-skip",
     .status = ProtocolStatus::kReleasedBug,
     .summary = "after waiting for a locked entry the scan resumes at the next index (xas_pause): "
                "the waited-on entry is never looked at",
     .cites = "in 6.15 from 6be3e21d25ca; fixed by dd59137bfe70 \"fs/dax: Fix \\\"don't skip "
              "locked entries when scanning entries\\\"\" (May 2025, xas_reset; 6.16-rc1 through "
              "vfs.fixes, and the 6.15-stable review of 17 June 2025; found only intermittently by "
              "xfstests generic/068; id read in a mainline log)",
     .catches_in = "locked-entry",
     .layout = L{.locked_entry_scan = LockedEntryScan::kWaitAndPause},
     .iomap = I{},
     .fsync = F{}},
    {.name = "no-final-break",
     .status = ProtocolStatus::kReleasedBug,
     .summary = "eviction and unmount free blocks without waiting for busy pages",
     .cites = "every kernel before 0e2f80afcfa6 \"fs/dax: ensure all pages are idle prior to "
              "filesystem unmount\" (6.15; id read in a merge log)",
     .catches_in = "evict-pinned",
     .layout = L{.final_break_on_evict = false},
     .iomap = I{},
     .fsync = F{}},
    {.name = "wake-key",
     .status = ProtocolStatus::kHypothetical,
     .summary = "the waker wakes another key than the one the waiter sleeps on: lost wake-up, the "
                "layout change sleeps for ever",
     .cites = "inside the 6.15 series, never in a release: from e6fa3963a30d \"fs/dax: refactor "
              "wait for dax idle page\" the waiter sleeps on the page while "
              "__put_devmap_managed_folio_refs() still wakes &folio->_refcount, until 38607c62b34b "
              "\"fs/dax: properly refcount fs dax pages\" moves the wake (read in the posted v9 "
              "series, not bisected on a built kernel)",
     .catches_in = "lost-wake",
     .catches_as = CatchKind::kStall,
     .layout = L{.wake_rule = WakeRule::kAtIdleWrongKey},
     .iomap = I{},
     .fsync = F{}},
    {.name = "short-range",
     .status = ProtocolStatus::kHypothetical,
     .summary = "a ranged break: only the pages a change touches, nothing on truncate up, and "
                "truncate down stops at the old EOF rounded down, missing a pinned partial page",
     .cites = "never in a release on ext4 or xfs, which always broke the whole file; the nearest "
              "is a 2019 sub-range RFC that Dave Chinner reviewed (not located here). The released "
              "ranged break is virtiofs's, its own row: virtiofs-page0",
     .catches_in = "beyond-eof",
     .applies_to = "ext4,xfs",
     .layout = L{.break_range = BreakRange::kAffectedRange},
     .iomap = I{},
     .fsync = F{}},
    {.name = "virtiofs-page0",
     .status = ProtocolStatus::kReleasedBug,
     .summary = "virtiofs: truncate and punch hole break page 0 only, fuse_dax_break_layouts(inode, "
                "0, 0); a pin on any later page is missed and its window range freed under DMA",
     .cites = "virtiofs DAX (from 5.10, the start not confirmed here) until 7851bf649d42 \"fuse: fix "
              "dax truncate/punch_hole fault path\" (Alistair Popple, 6.15; the title also in Debian's "
              "changelogs, taken by 6.1.135-1 and 6.12.25-1 from the stable updates, so the 6.1 and "
              "6.12 sources here already pass (0, -1)); the (0, 0) call seen in a public copy of an "
              "older fuse_file_fallocate() that still takes fi->i_mmap_sem (before 5.15)",
     .catches_in = "beyond-eof",
     .applies_to = "virtiofs",
     .layout = L{.break_range = BreakRange::kFirstPageOnly},
     .iomap = I{},
     .fsync = F{}},
    {.name = "eintr-partial",
     .status = ProtocolStatus::kReleasedBug,
     .summary = "truncate sets the new size before the break; a signal during the break returns "
                "EINTR with the truncate half done",
     .cites = "fixed by b9c1c26739ec \"ext4: gracefully handle ext4_break_layouts() failure "
              "during truncate\" (Jan Kara, 2019; title confirmed, diff not read)",
     .catches_in = "signal",
     .applies_to = "ext4",
     .layout = L{.size_before_break = true, .dio_ref = DioRef::kFollGet},
     .iomap = I{},
     .fsync = F{}},
    {.name = "bio-release-no-wake",
     .status = ProtocolStatus::kReleasedBug,
     .summary = "a DIO completion drops its page references without the fs-dax wake: the break "
                "sleeps on with its condition already true (a signal returns 0)",
     .cites = "6.1-stable's backport of 1b151e2435fc \"block: Remove special-casing of compound "
              "pages\" (6.1-stable review of 22 January 2024) puts with folio_put(), skipping "
              "put_devmap_managed_page_refs(); the backport of 38b43539d64b \"block: Fix page "
              "refcounts for unaligned buffers in __bio_release_pages()\" (April 2024) kept the "
              "skip with folio_put_refs(); seen on Debian 12's 6.1 (docs/protocol.md, 'Linux 6.1 "
              "lost wake-up'); confirmed in the 6.1.176 source (the wake is only in "
              "__put_devmap_managed_page_refs(), which folio_put_refs() never reaches), and gone "
              "with daxbreak's patch on a 6.1.176 build (patches/6.1-bio-release-wake, "
              "docs/fixes.md); 6.12 does not have it",
     .catches_in = "lost-wake",
     .catches_as = CatchKind::kStall,
     .layout = L{.wake_rule = WakeRule::kAtIdleExceptBioRelease, .dio_ref = DioRef::kFollGet},
     .iomap = I{},
     .fsync = F{}},
    {.name = "dio-error-leak",
     .status = ProtocolStatus::kHypothetical,
     .summary = "a mutation, never in a kernel: a DIO whose GUP fails part way drops the short bio "
                "without releasing the pages it pinned, so their references leak and the break "
                "sleeps for ever",
     .cites = "the correct form keeps the pinned pages in the bio and releases them at its completion: "
              "bio_iov_iter_get_pages() and __bio_iov_iter_get_pages() (block/bio.c), "
              "iomap_dio_bio_iter(), iomap_dio_bio_end_io() and iomap_dio_complete() "
              "(fs/iomap/direct-io.c), checked in the 6.1 and 6.12 sources",
     .catches_in = "dio-partial",
     .catches_as = CatchKind::kStall,
     .layout = L{.dio_error_path = DioErrorPath::kDropUnreleased},
     .iomap = I{},
     .fsync = F{}},
    {.name = "pmd-head-only",
     .status = ProtocolStatus::kHypothetical,
     .summary = "a mutation, never in a kernel: the busy-page scan looks only at the first page of a "
                "2 MiB (PMD) entry, so a DIO pin on another subpage is missed and its block freed; "
                "found with --page-size 2m only (a 4 KiB entry has one page)",
     .cites = "the correct form is dax_busy_page()'s for_each_mapped_pfn() loop over every pfn of the "
              "entry (fs/dax.c, checked in the 6.1 and 6.12 sources), from 5fac7408d828 \"mm, fs, dax: "
              "handle layout changes to pinned dax mappings\"; from 6.15 the folio's count, which a pin "
              "on any subpage raises (38607c62b34b \"fs/dax: properly refcount fs dax pages\", whose "
              "dax_folio_init()/dax_folio_put() were read in its list posting, not in a source package)",
     .catches_in = "pmd-truncate",
     .catches_at = DaxPageSize::k2M,
     .layout = L{.pmd_busy_check = PmdBusyCheck::kHeadOnly},
     .iomap = I{},
     .fsync = F{}},
    // The release lines as they shipped: the traits of the bugs each line
    // had, together (the kernel version table below maps a release to its
    // line). `modern` is the 6.16-and-later line.
    {.name = "linux-4.19-6.14",
     .status = ProtocolStatus::kReleasedBug,
     .summary = "the kernels as shipped from 4.19 to 6.14 (Debian 13's 6.12.y too): fixed's loop with the "
                "three scan bugs 6.15 fixed: the scan returns early when nothing is mapped, moves past a "
                "locked entry, and eviction and unmount do not wait for busy pages",
     .cites = "mapped-only + skip-locked + no-final-break: cee91fa13a8e, 6be3e21d25ca and 0e2f80afcfa6 "
              "(6.15) are absent from the 6.1.192 and 6.12.118 sources (docs/protocol.md, 'The reference "
              "row is a composite'); 4.19 is where 430657b6be89 brought ext4's break; with the "
              "three backported, Debian's 6.12.117 runs as `fixed` (patches/6.12-scan-fixes, "
              "docs/fixes.md)",
     .catches_in = "unmapped-pin",
     .applies_to = "ext4,xfs",
     .layout = L{.stop_when_unmapped = true,
                 .locked_entry_scan = LockedEntryScan::kSkip,
                 .final_break_on_evict = false},
     .iomap = I{},
     .fsync = F{}},
    {.name = "linux-6.1-stable",
     .status = ProtocolStatus::kReleasedBug,
     .summary = "Debian 12's 6.1 as shipped: linux-4.19-6.14 plus the lost wake-up of a DIO completion "
                "(bio-release-no-wake)",
     .cites = "the 4.19-6.14 line's scan bugs plus 6.1-stable's backport of 1b151e2435fc (January 2024; "
              "the first 6.1.y with it not confirmed here); seen on Debian 12's 6.1.0-50 "
              "(docs/protocol.md, 'Linux 6.1 lost wake-up')",
     .catches_in = "lost-wake",
     .catches_as = CatchKind::kStall,
     .applies_to = "ext4,xfs",
     .layout = L{.stop_when_unmapped = true,
                 .locked_entry_scan = LockedEntryScan::kSkip,
                 .wake_rule = WakeRule::kAtIdleExceptBioRelease,
                 .final_break_on_evict = false,
                 .dio_ref = DioRef::kFollGet},
     .iomap = I{},
     .fsync = F{}},
    {.name = "linux-6.15.0",
     .status = ProtocolStatus::kReleasedBug,
     .summary = "6.15.0 as shipped: modern with the xas_pause skip of a waited-on locked entry "
                "(pause-skip)",
     .cites = "the 6.15 series (38607c62b34b, 6be3e21d25ca) before dd59137bfe70 (6.16-rc1; the first "
              "6.15.y with it not confirmed here)",
     .catches_in = "refault",
     .catches_as = CatchKind::kStall,
     .layout = L{.idle_refcount = 0, .locked_entry_scan = LockedEntryScan::kWaitAndPause, .break_deletes_entries = true},
     .iomap = I{},
     .fsync = F{}},
    {.name = "no-iomap-valid",
     .status = ProtocolStatus::kReleasedBug,
     .summary = "a buffered write keeps the mapping it got before it locked the folio: writeback "
                "converts the unwritten extent and reclaim drops the folio, and the write zeroes a "
                "new folio over data already on the device",
     .cites = "the iomap buffered write path before d7b64041164c \"iomap: write iomap validity "
              "checks\" (Dave Chinner, November 2022; 6.2 not confirmed here; in 6.1-stable from "
              "May 2024); the race is the one Dave Chinner describes (linux-xfs, January 2023: "
              "writeback and reclaim over unwritten extents)",
     .catches_in = "stale-unwritten",
     .layout = L{},
     .iomap = I{.write_begin_checks_valid = false},
     .fsync = F{}},
    {.name = "racy-seq",
     .status = ProtocolStatus::kHypothetical,
     .summary = "the extent sequence is advanced as WRITE_ONCE(seq, READ_ONCE(seq) + 1) by writers "
                "that share no lock: an increment is lost, the counter goes back, and a stale "
                "mapping passes iomap_valid",
     .cites = "posted, never merged in this form: Zhang Yi's ext4_es_inc_seq() (ext4 buffered "
              "iomap series, October 2024), Jan Kara's review (linux-ext4, December 2024)",
     .catches_in = "racy-seq",
     .layout = L{},
     .iomap = I{.seq_update = SeqUpdate::kReadThenWrite},
     .fsync = F{}},
    {.name = "seq-misses-change",
     .status = ProtocolStatus::kHypothetical,
     .summary = "an extent change that does not advance the sequence (here the unwritten "
                "conversion at I/O completion): a mapping made before it passes iomap_valid",
     .cites = "Jan Kara's rule (linux-ext4, December 2024: the counter must advance on every "
              "mapping change); "
              "his example is ext4_collapse_range() dropping i_data_sem to restart a transaction; "
              "not a shipped bug",
     .catches_in = "stale-unwritten",
     .layout = L{},
     .iomap = I{.conversion_bumps_seq = false},
     .fsync = F{}},
    {.name = "flush-under-handle",
     .status = ProtocolStatus::kHypothetical,
     .summary = "iomap_zero_range() writes back a dirty folio over an unwritten block and waits for "
                "it while ext4 holds a journal handle; the conversion at I/O completion needs a "
                "handle, a commit waits for the open one: deadlock",
     .cites = "Zhang Yi's ext4 buffered iomap series with iomap zero range as it flushed (Zhang "
              "Yi, linux-fsdevel, August 2025); the flush is from 7d9b474ee4cc \"iomap: make zero "
              "range flush conditional on unwritten mappings\" (id as quoted in the thread); "
              "posted, not in a release",
     .catches_in = "zero-unwritten",
     .catches_as = CatchKind::kStall,
     .layout = L{},
     .iomap = I{.zero_flush = ZeroFlush::kFlushDirty},
     .fsync = F{}},
    {.name = "zero-hole-flush",
     .status = ProtocolStatus::kHypothetical,
     .summary = "with the folio batch, a dirty folio over a hole is not batched and still flushed "
                "under the handle: the same deadlock, met by punch hole",
     .cites = "Brian Foster's folio batch series plus ext4 (Zhang Yi's corner case [hhhhuuuu]; "
              "Zhang Yi, linux-fsdevel, August 2025); posted, not in a release",
     .catches_in = "zero-hole",
     .catches_as = CatchKind::kStall,
     .layout = L{},
     .iomap = I{.zero_flush = ZeroFlush::kBatchFlushOnHole},
     .fsync = F{}},
    {.name = "dirty-folio-batch",
     .status = ProtocolStatus::kCandidateFix,
     .summary = "the folio batch filled for hole mappings as well, so zero range flushes nothing "
                "(in this one-block-per-folio model it acts as no-flush-on-hole)",
     .cites = "Brian Foster's suggestion (\"call the fill helper in the hole case as well\"), "
              "which he calls a hack (thread: Zhang Yi, linux-fsdevel, August 2025); not in a "
              "release",
     .catches_in = "",
     .layout = L{},
     .iomap = I{.zero_flush = ZeroFlush::kBatchAll},
     .fsync = F{}},
    {.name = "no-flush-on-hole",
     .status = ProtocolStatus::kCandidateFix,
     .summary = "the folio batch for unwritten mappings and no flush for a hole mapping (the "
                "default of every other row)",
     .cites = "Zhang Yi's one-line change (linux-fsdevel, August 2025: flush only when the mapping "
              "is IOMAP_UNWRITTEN, on top of the batch); whether it was merged is not confirmed "
              "here",
     .catches_in = "",
     .layout = L{},
     .iomap = I{.zero_flush = ZeroFlush::kBatchNoFlushOnHole},
     .fsync = F{}},
    {.name = "em-before-oe",
     .status = ProtocolStatus::kReleasedBug,
     .summary = "a lockless DIO write into a preallocated extent creates the extent map before the "
                "ordered extent; a fast fsync in between logs the extent as written without waiting "
                "for the I/O, and after a power cut the file shows stale data",
     .cites = "btrfs from 38851cc19adb \"Btrfs: implement unlocked dio write\" until Filipe Manana's "
              "fix of May 2016, \"Btrfs: fix race between fsync and direct IO writes for prealloc "
              "extents\" (seen as 0b901916a00b, mainline commit id not confirmed here; thread: "
              "Chris Mason, linux-btrfs, May 2016)",
     .catches_in = "fsync-dio",
     .layout = L{},
     .iomap = I{},
     .fsync = F{.dio_order = DioFsyncOrder::kEmBeforeOe}},
    {.name = "oe-before-em",
     .status = ProtocolStatus::kCorrect,
     .summary = "the ordered extent first, so a fast fsync that sees the new extent map also finds "
                "the ordered extent and waits for the I/O (the default of every other row)",
     .cites = "Filipe Manana, \"Btrfs: fix race between fsync and direct IO writes for prealloc "
              "extents\" (May 2016; seen as 0b901916a00b, mainline commit id not confirmed here; "
              "thread: Chris Mason, linux-btrfs, May 2016); not de0ee0edb21f \"Btrfs: fix race "
              "between fsync and lockless direct IO writes\", an earlier fix",
     .catches_in = "",
     .layout = L{},
     .iomap = I{},
     .fsync = F{.dio_order = DioFsyncOrder::kOeBeforeEm}},
    {.name = "dio-fsync-rwsem",
     .status = ProtocolStatus::kCandidateFix,
     .summary = "the extent map and ordered extent created under an rwsem held shared, which fast "
                "fsync takes exclusive while it collects them",
     .cites = "Josef Bacik's proposal (thread: Chris Mason, linux-btrfs, May 2016; btrfs later has "
              "a dio_sem of this shape; when it landed is not confirmed here)",
     .catches_in = "",
     .layout = L{},
     .iomap = I{},
     .fsync = F{.dio_order = DioFsyncOrder::kDioSem}},
};

constexpr uint32_t V(uint32_t major, uint32_t minor, uint32_t sublevel = 0) {
  return major * 10000 + minor * 100 + sublevel;
}

// Which row each release line ships as (docs/protocol.md, 'Release windows').
const KernelLine kKernelLines[] = {
    {V(4, 19), V(6, 1), "linux-4.19-6.14", ""},
    {V(6, 1), V(6, 2), "linux-6.1-stable",
     "the lost wake-up came with a January 2024 backport, the first 6.1.y with it not confirmed here; "
     "older 6.1.y shipped as linux-4.19-6.14"},
    {V(6, 2), V(6, 15), "linux-4.19-6.14", ""},
    {V(6, 15, 0), V(6, 15, 1), "linux-6.15.0", ""},
    {V(6, 15, 1), V(6, 16), "modern", "the first 6.15.y with dd59137bfe70 is not confirmed here"},
    {V(6, 16), V(1000, 0), "modern", ""},
};

Registry<ProtocolTraits>& Protocols() {
  static auto* registry = new Registry<ProtocolTraits>("protocol", kBuiltin);  // Never destroyed.
  return *registry;
}

}  // namespace

std::string_view ProtocolStatusName(ProtocolStatus status) {
  switch (status) {
    case ProtocolStatus::kCorrect: return "correct";
    case ProtocolStatus::kReleasedBug: return "released bug";
    case ProtocolStatus::kHypothetical: return "hypothetical";
    case ProtocolStatus::kCandidateFix: return "candidate fix";
  }
  return "?";
}

std::string_view CatchKindName(CatchKind kind) { return kind == CatchKind::kStall ? "stall" : "violation"; }

std::vector<const ProtocolTraits*> AllProtocols() { return Protocols().all(); }

const ProtocolTraits* FindProtocol(std::string_view name) { return Protocols().find(name); }

const ProtocolTraits& BuiltinProtocol(std::string_view name) {
  for (const ProtocolTraits& p : kBuiltin) {
    if (p.name == name) return p;
  }
  ReportText(fmt::format("daxbreak: no built-in protocol '{}'\n", name));
  std::abort();
}

std::string ProtocolNameList() { return Protocols().names(); }

Status RegisterProtocol(const ProtocolTraits& row) { return Protocols().add(row); }

std::vector<KernelLine> KernelLines() { return {std::begin(kKernelLines), std::end(kKernelLines)}; }

const ProtocolTraits* ProtocolForKernel(std::string_view release, KernelLine* line) {
  uint32_t parts[3] = {0, 0, 0};
  size_t i = 0, n = 0;
  for (; i < release.size() && n < 3; ++n) {
    const size_t start = i;
    while (i < release.size() && release[i] >= '0' && release[i] <= '9') parts[n] = parts[n] * 10 + (release[i++] - '0');
    if (i == start) return nullptr;
    if (i < release.size() && release[i] == '.') ++i;
    else break;
  }
  if (n < 1) return nullptr;
  // Debian's 6.1 kernels say 6.1.0-N (an ABI number, not the sublevel):
  // only 6.15 needs its sublevel.
  const uint32_t version = V(parts[0], parts[1], parts[0] == 6 && parts[1] == 15 ? parts[2] : 0);
  for (const KernelLine& l : kKernelLines) {
    if (version >= l.from && version < l.to) {
      if (line != nullptr) *line = l;
      return FindProtocol(l.row);
    }
  }
  return nullptr;
}

std::string KernelVersionText(uint32_t version) {
  std::string out = std::to_string(version / 10000) + "." + std::to_string(version / 100 % 100);
  if (version % 100 != 0) out += "." + std::to_string(version % 100);
  return out;
}

}  // namespace daxbreak
