// The envelope every JSON document daxbreak writes starts with, so that a
// result found in a CI artifact or a shared folder says where and when it was
// made:
//
//   "daxbreak": {"version": "0.1.0", "kernel_release": "6.1.0-26-amd64",
//                "hostname": "box", "utc": "2026-11-21T10:00:00Z"},
//   "command": "stress" | "explore" | "replay" | "merge" | "list" | "run" | "info",
//   "config": {...}   (the options of the command; shared keys such as
//                      "scenario", "protocol", "tlb_flush" and "seed" have one
//                      name and meaning in every command)
//
// Thread-safety: thread-safe (uname, gethostname and the clock only).

#ifndef DAXBREAK_BASE_RUN_METADATA_H_
#define DAXBREAK_BASE_RUN_METADATA_H_

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace daxbreak {

// {"version", "kernel_release" (uname -r), "hostname", "utc" (ISO 8601, now)}.
nlohmann::json RunMetadataJson();

// A document of `command` with the envelope and `config` filled in; callers
// add their results to it.
nlohmann::json JsonDocument(std::string_view command, nlohmann::json config);

// The current time as "YYYY-MM-DDTHH:MM:SSZ".
std::string UtcTimestamp();

}  // namespace daxbreak

#endif  // DAXBREAK_BASE_RUN_METADATA_H_
