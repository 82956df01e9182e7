// The one way daxbreak turns a JSON value into text: every report, summary,
// trace and cell file goes through JsonText(), so that no writer can lose its
// report to a string that is not UTF-8 (a path with a byte like 0xff).
// nlohmann::json::dump() throws type_error.316 on such a string by default;
// here each invalid byte becomes U+FFFD instead (its error_handler_t::replace),
// and the rest of the document is kept as it was.
//
// Thread-safety: thread-safe (reads `j` only).

#ifndef DAXBREAK_BASE_JSON_TEXT_H_
#define DAXBREAK_BASE_JSON_TEXT_H_

#include <string>

#include <nlohmann/json.hpp>

namespace daxbreak {

// `j` as text: indented by `indent` spaces per level (-1: one line, no
// spaces), non-UTF-8 bytes replaced by U+FFFD. Never throws on bad UTF-8.
std::string JsonText(const nlohmann::json& j, int indent = -1);

}  // namespace daxbreak

#endif  // DAXBREAK_BASE_JSON_TEXT_H_
