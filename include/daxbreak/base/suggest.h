// "Did you mean": the closest of the names a value could have been, for the
// messages that refuse a misspelt subcommand, option or choice. One edit
// distance (Damerau-Levenshtein, optimal string alignment: insert, delete,
// substitute or swap two neighbours, each cost 1; letters compared
// case-insensitively) serves every caller; a name is offered only
// when it is within a third of the typed word's length (at least 1, at most
// 3 edits) or starts with it, so that an unrelated word gets no suggestion.
// Written here because CLI11 (the parser of the command line) has none.
//
// Thread-safety: pure functions.

#ifndef DAXBREAK_BASE_SUGGEST_H_
#define DAXBREAK_BASE_SUGGEST_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace daxbreak {

// The edit distance between `a` and `b`, ignoring ASCII case.
size_t EditDistance(std::string_view a, std::string_view b);

// The closest of `names` to `typed` under the rule above, or "" when none is
// close. Ties go to the earliest name.
std::string ClosestName(std::string_view typed, const std::vector<std::string>& names);

// "; did you mean 'x'?" for the closest name, or "" (append it to a message).
// `names` is either a vector or a comma-separated list ("a, b, c").
std::string DidYouMean(std::string_view typed, const std::vector<std::string>& names);
std::string DidYouMean(std::string_view typed, std::string_view comma_list);

}  // namespace daxbreak

#endif  // DAXBREAK_BASE_SUGGEST_H_
