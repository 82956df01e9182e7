// The oracle of a power cut: what a file must show after log replay and
// remount, given what was written and what was fsync'd (docs/models/crash.md,
// 'What daxbreak models').
//
// Thread-safety: a pure function of its arguments; reports go to `sink`.

#ifndef DAXBREAK_CHECK_CRASH_ORACLE_H_
#define DAXBREAK_CHECK_CRASH_ORACLE_H_

#include <cstdint>
#include <string>

#include "daxbreak/base/violation.h"
#include "daxbreak/fs/btrfs_fsync.h"

namespace daxbreak {

// Checks `image` of file `ino`, block `pfn`, whose only write put `written`
// (kPageSize bytes). Reports stale_data_after_crash when the log says the
// extent is written but the media does not hold `written`, and
// fsync_data_lost when an fsync that started after the write returned and
// itself returned before the cut does not bring `written` back. Does nothing
// for an image not taken.
void CheckCrashImage(const CrashImage& image, const std::string& written, uint32_t ino, uint64_t pfn,
                     ViolationSink* sink);

}  // namespace daxbreak

#endif  // DAXBREAK_CHECK_CRASH_ORACLE_H_
