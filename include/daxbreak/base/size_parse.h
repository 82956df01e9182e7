// Parsers for the human-written quantities the CLI takes: sizes ("64M",
// "64MB") and durations ("60s", "2m"); the CLI applies them through CLI11
// validators (tools/daxbreak/option_types.h). They return a Status naming
// the bad text.
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

// Parses a byte count: digits with an optional unit, letters in any case.
// K, M, G, T and KiB, MiB, GiB, TiB are powers of 1024; KB, MB, GB, TB are
// powers of 1000; B or none is bytes (the reading of GNU dd and truncate).
// "64M" = "64MiB" -> 67108864, "64MB" -> 64000000.
// Errors: kInvalidArgument for an empty, negative, non-numeric or overflowing
// value; the message quotes `text`.
Status ParseSize(std::string_view text, uint64_t* bytes);

// Formats a byte count the way ParseSize() reads it, exact where it can be:
// 67108864 -> "64 MiB", 1536 -> "1.5 KiB", 100 -> "100 B".
std::string FormatSize(uint64_t bytes);

// Formats a count or a rate the way fio's status line shows it: 12345 ->
// "12.3k", 2.5e6 -> "2.5M", 999 -> "999".
std::string FormatCount(double v);

// Parses a duration: digits with an optional unit ns, us, ms, s, m (minutes)
// or h, in any case (no unit means seconds). "90s" -> 90 s. Errors: kInvalidArgument quoting `text`.
Status ParseDuration(std::string_view text, std::chrono::nanoseconds* out);

}  // namespace daxbreak

#endif  // DAXBREAK_BASE_SIZE_PARSE_H_
