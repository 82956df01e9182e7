// Protocol variants: the correct forms and the known bugs of docs/protocol.md,
// 'Variants', each one row of data (ProtocolTraits). The code a trait changes
// reads it where it acts, in a small block that names the variant; the
// history (what shipped, what fixed it) lives in the row, and the guarantee
// in the code's comment.
//
// Rows are looked up by name. The built-in rows come first; users add their
// own with RegisterProtocol() (a new combination of the traits below).
//
// Thread-safety: the built-in table is constant. RegisterProtocol() must not
// run concurrently with look-ups (register before any run starts); the
// returned pointers stay valid for the life of the process.

#ifndef DAXBREAK_FS_PROTOCOL_H_
#define DAXBREAK_FS_PROTOCOL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daxbreak/base/status.h"
#include "daxbreak/fs/dax_entries.h"
#include "daxbreak/mm/dio_traits.h"
#include "daxbreak/mm/page_array.h"

namespace daxbreak {

// What a row is, historically.
enum class ProtocolStatus {
  kCorrect,       // What the kernel does and should do.
  kReleasedBug,   // Shipped in a kernel release (or a stable series).
  kHypothetical,  // Never in a release: an ablation or a proposal that was not taken.
  kCandidateFix,  // Proposed here or on a list, not in the kernel.
};
// "correct", "released bug", "hypothetical", "candidate fix".
std::string_view ProtocolStatusName(ProtocolStatus status);

// Which pages a layout change breaks before it changes the file.
enum class BreakRange {
  kWholeFile,      // ext4 and xfs: every page of the file (before 6.15
                   // dax_layout_busy_page(mapping); from 6.15
                   // dax_break_layout_inode(), 0..LLONG_MAX), for every size
                   // change, truncate up included.
  kAffectedRange,  // Only the pages the change touches; none for truncate up
                   // (`short-range`).
  kFirstPageOnly,  // Truncate and punch hole break page 0 only: virtiofs's
                   // fuse_dax_break_layouts(inode, 0, 0) before "fuse: fix dax
                   // truncate/punch_hole fault path" (`virtiofs-page0`).
};

// What the breaker sleeps until, for a busy page.
enum class BreakWaitCondition {
  kIdle,      // dax_page_is_idle(): the count back at idle.
  kUnpinned,  // refcount == idle + mapcount: no pin left (then it scans again).
  kIdleOrMapped,  // dax_page_is_idle(), or a fault has mapped the page again (then
                  // it scans, and so unmaps, again): daxbreak's kernel patch
                  // (patches/refault-stall, `modern-refault-wake`).
};

// The knobs of the layout-breaking protocol (fs/dax.c, fs/ext4/inode.c).
struct LayoutBreakTraits {
  uint32_t idle_refcount = 1;             // 1 up to 6.14; 0 from 6.15 (mappings then
                                          // hold a page reference).
  bool breaks_layouts = true;             // false: layout changes never wait.
  bool unmap_first = true;                // false: the scan runs without unmapping.
  bool stop_when_unmapped = false;        // true: the scan returns early when no VMA maps
                                          // the file.
  bool loop_needs_sleep_callback = false; // true: the loop goes on only if the wait's sleep
                                          // callback ran.
  LockedEntryScan locked_entry_scan = LockedEntryScan::kWaitAndReset;
  BreakRange break_range = BreakRange::kWholeFile;
  WakeRule wake_rule = WakeRule::kAtIdle;
  BreakWaitCondition wait_condition = BreakWaitCondition::kIdle;
  bool fault_wakes_break = false;         // true: a DAX fault that maps a page wakes the
                                          // break waiting on it (`modern-refault-wake`).
  bool final_break_on_evict = true;       // false: eviction frees busy blocks.
  bool size_before_break = false;         // true: truncate sets i_size before the break.
  DioRef dio_ref = DioRef::kFollPin;      // The DIO's page reference (kFollGet: rows of
                                          // kernels before 6.5, a7e689dd1c06).
  bool break_deletes_entries = false;     // true (6.15+): the break deletes the DAX entries
                                          // of its range once no page is busy
                                          // (bde708f1a65d), and truncate WARNs for any left
                                          // (truncate_folio_batch_exceptionals()).
  PmdBusyCheck pmd_busy_check = PmdBusyCheck::kEveryPage;  // How a PMD entry is found
                                          // busy (`pmd-head-only`; only with --page-size 2m).
  DioErrorPath dio_error_path = DioErrorPath::kReleaseWithBio;  // The pages of a DIO whose
                                          // GUP failed part way (`dio-error-leak`; the
                                          // dio-partial scenario).
};

// How the extent sequence (ext4 i_es_seq, xfs if_seq) is advanced.
enum class SeqUpdate {
  kAtomic,         // One atomic increment (atomic_inc, or a plain one under the one
                   // lock every writer holds).
  kReadThenWrite,  // WRITE_ONCE(seq, READ_ONCE(seq) + 1) from writers that share no
                   // lock: two increments can overlap and the counter goes back
                   // (`racy-seq`).
};

// What iomap_zero_range() does with a dirty folio in the range it zeroes
// (docs/models/journal.md, 'What daxbreak models'). The model has one block
// per folio, so "a dirty folio over a hole and an unwritten block" is a dirty
// folio over a hole whose writeback allocates an unwritten block and converts
// it at completion.
enum class ZeroFlush {
  kFlushDirty,         // Flushes (writes back and waits for) a dirty folio over an
                       // unwritten or hole mapping (`flush-under-handle`).
  kBatchFlushOnHole,   // A folio batch filled at lookup for unwritten mappings; a
                       // dirty folio over a hole is still flushed (`zero-hole-flush`).
  kBatchAll,           // The batch filled for hole mappings too (`dirty-folio-batch`).
  kBatchNoFlushOnHole, // The batch for unwritten mappings and no flush for a hole
                       // (`no-flush-on-hole`, the default).
};

// The knobs of cached mappings (fs/iomap/buffered-io.c; docs/models/iomap.md, 'Variants').
struct IomapTraits {
  bool write_begin_checks_valid = true;  // false: iomap_write_begin() never calls
                                         // ->iomap_valid() (`no-iomap-valid`).
  SeqUpdate seq_update = SeqUpdate::kAtomic;
  bool conversion_bumps_seq = true;      // false: the unwritten conversion at I/O
                                         // completion changes the extent map without
                                         // advancing the sequence (`seq-misses-change`).
  ZeroFlush zero_flush = ZeroFlush::kBatchNoFlushOnHole;
};

// In which order a lockless DIO write into a preallocated extent creates its
// extent map and its ordered extent (btrfs; docs/models/crash.md, 'The race').
enum class DioFsyncOrder {
  kEmBeforeOe,  // Extent map first (`em-before-oe`, the bug).
  kOeBeforeEm,  // Ordered extent first (`oe-before-em`, Filipe Manana's fix; the default).
  kDioSem,      // Either order, but both under an rwsem that fsync takes exclusive
                // while it collects (`dio-fsync-rwsem`, Josef Bacik's proposal).
};

// The knobs of fsync against direct I/O (docs/models/crash.md, 'Variants').
struct FsyncTraits {
  DioFsyncOrder dio_order = DioFsyncOrder::kOeBeforeEm;
};

// How a buggy row shows in its catches_in scenario.
enum class CatchKind {
  kViolation,  // A violation kind (a WARN, a freed pinned block, ...).
  kStall,      // A deadlock: the layout change sleeps for ever (a known stall).
};
// "violation", "stall".
std::string_view CatchKindName(CatchKind kind);

struct ProtocolTraits {
  std::string_view name;        // CLI name: "fixed", "retry-flag", ...
  ProtocolStatus status = ProtocolStatus::kCorrect;
  std::string_view summary;     // One line: what it does or what goes wrong.
  std::string_view cites;       // Kernel commits, threads; says so where unconfirmed.
  std::string_view catches_in;  // The explore scenario that finds it ("" if none).
  CatchKind catches_as = CatchKind::kViolation;  // What it finds there.
  // The page size it is found at there (`--page-size`); at the other it is
  // clean (a row about PMD entries).
  DaxPageSize catches_at = DaxPageSize::k4K;
  // An explore scenario in which a correct row or candidate fix has a cycle
  // that goes on only while a scheduler keeps one runnable thread from ever
  // running (an unfair schedule: the depth limit cuts it, a `step_limit`);
  // it ends as soon as that thread runs. Searches that may be unfair (pct,
  // dpor with no bound) report it; campaigns expect `any` there ("" if none).
  std::string_view cycles_in = {};
  // The file systems (fs/fs_model.h) the row applies to, comma-separated:
  // "ext4,xfs". Empty: every one (a row about the DAX core alone, or one whose
  // scenario does not use the file-system axis). A run of the row on another
  // file system is refused (explore, stress) or skipped (campaigns).
  std::string_view applies_to = {};
  LayoutBreakTraits layout;
  IomapTraits iomap;
  FsyncTraits fsync;

  // Re-points the strings at keep(s) (Registry::add(), base/registry.h).
  template <class Keep>
  void keep_strings(Keep keep) {
    name = keep(name), summary = keep(summary), cites = keep(cites), catches_in = keep(catches_in);
    cycles_in = keep(cycles_in), applies_to = keep(applies_to);
  }
};

// Every protocol: the built-in rows in `daxbreak list` order, then the
// registered ones.
std::vector<const ProtocolTraits*> AllProtocols();
// The row named `name`, or nullptr.
const ProtocolTraits* FindProtocol(std::string_view name);
// A built-in row by name; aborts if there is none (for code and tests that
// name a built-in protocol).
const ProtocolTraits& BuiltinProtocol(std::string_view name);
// The correct protocol of the current kernel line (`fixed`).
inline const ProtocolTraits& DefaultProtocol() { return BuiltinProtocol("fixed"); }
// "fixed, modern, no-break, ...", for error messages.
std::string ProtocolNameList();
// Adds `row` (its strings are copied). Errors: kInvalidArgument for an empty
// name, kExists for a name that is taken. Not thread-safe against look-ups.
Status RegisterProtocol(const ProtocolTraits& row);

// A range of kernel releases [from, to) and the built-in row that models how
// they shipped. Versions are major * 10000 + minor * 100 + sublevel.
struct KernelLine {
  uint32_t from = 0;
  uint32_t to = 0;
  std::string_view row;   // A built-in row's name.
  std::string_view note;  // What is not confirmed about the range.
};
// The table, oldest first; the ranges do not overlap.
std::vector<KernelLine> KernelLines();
// The row of a kernel release as uname -r prints it ("6.12.117+deb13-amd64",
// "6.1.0-50-amd64": only major.minor counts, except for 6.15.0), or nullptr
// for a release before 4.19 or one that does not parse. `line` (may be
// null) receives the table entry.
const ProtocolTraits* ProtocolForKernel(std::string_view release, KernelLine* line = nullptr);
// "4.19" .. "6.14", "6.15.0": a version number as text.
std::string KernelVersionText(uint32_t version);

}  // namespace daxbreak

#endif  // DAXBREAK_FS_PROTOCOL_H_
