// The envelope every JSON document daxbreak writes starts with, so that a
// result found in a CI artifact or a shared folder says where and when it was
// made:
//
//   "format_version": 2     (kJsonFormatVersion: the JSON contract, docs/json.md)
//   "daxbreak": {"version": "0.1.0", "kernel_release": "6.1.0-26-amd64",
//                "hostname": "box", "utc": "2026-11-21T10:00:00Z"},
//   "command": "stress" | "explore" | "replay" | "merge" | "list" | "run" | "info" | "oops",
//   "config": {...}   (the options of the command; shared keys such as
//                      "scenario", "protocol", "tlb_flush" and "seed" have one
//                      name and meaning in every command)
//
// Thread-safety: thread-safe (uname, gethostname and the clock only).

#ifndef DAXBREAK_BASE_RUN_METADATA_H_
#define DAXBREAK_BASE_RUN_METADATA_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daxbreak/base/status.h"

namespace daxbreak {

// The version of the JSON contract every document carries as
// "format_version" (docs/json.md; the schemas are share/schema/*.json). It is
// raised when a field is removed, renamed or changes its type or meaning; a
// new optional field does not raise it. Documents without the key are
// version 1 (daxbreak before the schemas).
inline constexpr int kJsonFormatVersion = 2;

// A seed as JSON: a decimal string ("18446744073709551615"), so that a seed
// above 2^53 survives jq and JavaScript, whose numbers are doubles.
nlohmann::json SeedJson(uint64_t seed);
// The list form of SeedJson() for a list of seeds.
nlohmann::json SeedsJson(const std::vector<uint64_t>& seeds);

// Reads a seed that a report wrote: a decimal string (format 2) or a
// non-negative integer (format 1). Returns InvalidArgument naming the value
// otherwise (a sign, a fraction, text, above 2^64-1). Thread-safe.
Status ParseSeedJson(const nlohmann::json& value, uint64_t* seed);

// {"version", "kernel_release" (uname -r), "hostname", "utc" (ISO 8601, now)}.
nlohmann::json RunMetadataJson();

// A document of `command` with the envelope ("format_version", "daxbreak",
// "command") and `config` filled in; callers add their results to it.
nlohmann::json JsonDocument(std::string_view command, nlohmann::json config);

// The current time as "YYYY-MM-DDTHH:MM:SSZ".
std::string UtcTimestamp();

}  // namespace daxbreak

#endif  // DAXBREAK_BASE_RUN_METADATA_H_
