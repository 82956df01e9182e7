// Violation: one breach of a protocol's guarantees, as the kernel would show
// it (a WARN) or as the data would show it (a wrong stamp, a lost write).
//
// Lower layers (fs, mm, io) report violations through a ViolationSink; the
// check layer's Checker implements the sink. Keeping the interface here lets
// the arrows of docs/design.md ('Layers', 'Why a DAG') point down only.
//
// Thread-safety: the kind table is constant; Violation is a plain value;
// ViolationSink implementations must be thread-safe.

#ifndef DAXBREAK_BASE_VIOLATION_H_
#define DAXBREAK_BASE_VIOLATION_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace daxbreak {

enum class ViolationKind {
  // dax_disassociate_entry() met a page whose refcount is above idle: the
  // WARN_ON_ONCE(trunc && !dax_page_is_idle(page)) of fs/dax.c up to 6.14.
  // From 6.15: truncate_folio_batch_exceptionals() found a DAX entry the
  // break should have deleted (its WARN_ON_ONCE(1), from bde708f1a65d), or
  // dax_folio_put() split a busy 2 MiB folio.
  kBusyPageDisassociated,
  // A block reached the allocator while its page was still referenced (a DMA
  // may still land in it).
  kPinnedBlockFreed,
  // A DIO completed into a page whose owner (inode, index, association
  // generation) changed since the page was pinned.
  kDmaAfterFree,
  // The data oracle found, in a file block, a stamp that does not belong there.
  kDataCorruption,
  // A layout change returned EINTR but had already changed the file (size or
  // blocks): the half-done truncate of the eintr-partial bug.
  kPartialChangeOnEintr,
  // A folio was filled through a cached mapping (struct iomap) that no longer
  // says what the extent map says: the page cache gets zeros over written
  // data, or another block's bytes.
  kStaleMappingUsed,
  // Two lock classes were taken in both orders (lockdep.h): a deadlock is
  // possible even if this run did not meet it.
  kLockOrderCycle,
  // After a power cut and log replay, an extent marked written holds bytes
  // its write never made durable (stale data).
  kStaleDataAfterCrash,
  // After a power cut and log replay, data written before an fsync that
  // returned is not there.
  kFsyncDataLost,
  // A layout change made no progress for the stall timeout: a break that
  // sleeps for ever (a lost wake-up, a reference nobody drops). Stress and
  // kernel mode; explore mode reports the same as a deadlock.
  kStall,
  // Kernel target: the kernel logged a WARNING (or a hung task) during the
  // run.
  kKernelWarn,
  // Kernel target: the kernel oopsed (an Oops, a BUG, a general protection
  // fault, a panic) during the run; the detail has the first line, the call
  // trace and, for a known bug, its cause and fix.
  kKernelOops,
};

// How many kinds there are.
inline constexpr size_t kViolationKinds = 12;

// What a violation costs. `warn`: a kernel WARN would fire, no data is harmed
// by the violation itself. `data`: data is corrupted, leaked or lost (or a
// DMA may land in a block that is no longer the file's).
enum class Severity { kWarn, kData };

// One row of the kind table.
struct ViolationKindInfo {
  ViolationKind kind;
  std::string_view name;     // Stable snake_case name ("pinned_block_freed").
  Severity severity;
  std::string_view meaning;  // One line for `daxbreak list` and the README.
};

// Every kind, in enum order.
std::span<const ViolationKindInfo> ViolationKinds();
// The row of `kind`.
const ViolationKindInfo& GetViolationKindInfo(ViolationKind kind);
// The stable snake_case name of `kind` ("pinned_block_freed", ...).
std::string_view ViolationKindName(ViolationKind kind);
// The kind whose name is `name`, or nullopt.
std::optional<ViolationKind> ParseViolationKind(std::string_view name);
// "warn" or "data".
std::string_view SeverityName(Severity severity);
inline Severity ViolationSeverity(ViolationKind kind) { return GetViolationKindInfo(kind).severity; }

struct Violation {
  ViolationKind kind = ViolationKind::kPinnedBlockFreed;
  uint64_t pfn = 0;          // Device page frame number (4 KiB pages).
  uint32_t ino = 0;          // Inode number the page belonged to (0: none).
  uint64_t file_offset = 0;  // Byte offset in that inode.
  std::string thread;        // Name of the modeled thread that saw it.
  std::string detail;        // Free text: what was expected, what was found.
};

// One line: "<kind> [<severity>] pfn P ino I offset O by THREAD: DETAIL".
std::string DescribeViolation(const Violation& v);

// Where violations go. Implementations must be thread-safe: report() is called
// concurrently from every modeled thread.
class ViolationSink {
 public:
  virtual ~ViolationSink() = default;
  virtual void report(Violation v) = 0;
};

}  // namespace daxbreak

#endif  // DAXBREAK_BASE_VIOLATION_H_
