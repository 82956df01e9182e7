// Parsers for the human-written quantities the CLI takes: sizes ("64M") and
// durations ("60s", "2m"). They return a Status naming the bad text.
//
// Thread-safety: pure functions.

#ifndef DAXBREAK_BASE_SIZE_PARSE_H_
#define DAXBREAK_BASE_SIZE_PARSE_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "daxbreak/base/status.h"

namespace daxbreak {

// Parses a byte count: digits with an optional binary suffix K, M, G, T
// (case-insensitive, optional trailing "iB"/"B"). "64M" -> 67108864.
// Errors: kInvalidArgument for an empty, negative, non-numeric or overflowing
// value; the message quotes `text`.
Status ParseSize(std::string_view text, uint64_t* bytes);

// Formats a byte count the way ParseSize() reads it, exact where it can be:
// 67108864 -> "64 MiB", 1536 -> "1.5 KiB", 100 -> "100 B".
std::string FormatSize(uint64_t bytes);

// Formats a count or a rate the way fio's status line shows it: 12345 ->
// "12.3k", 2.5e6 -> "2.5M", 999 -> "999".
std::string FormatCount(double v);

// Parses a duration: digits with an optional suffix ms, s, m, h (no suffix
// means seconds). "90s" -> 90 s. Errors: kInvalidArgument quoting `text`.
Status ParseDuration(std::string_view text, std::chrono::nanoseconds* out);

}  // namespace daxbreak

#endif  // DAXBREAK_BASE_SIZE_PARSE_H_
