#include "daxbreak/base/suggest.h"

#include <algorithm>
#include <cctype>

namespace daxbreak {
namespace {

char Fold(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool StartsWithFolded(std::string_view name, std::string_view prefix) {
  if (prefix.empty() || prefix.size() > name.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (Fold(name[i]) != Fold(prefix[i])) return false;
  }
  return true;
}

}  // namespace

size_t EditDistance(std::string_view a, std::string_view b) {
  // d[i][j]: the distance between the first i letters of a and the first j
  // of b (the words are short: a full table is fine).
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const bool same = Fold(a[i - 1]) == Fold(b[j - 1]);
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (same ? 0 : 1)});
      if (i > 1 && j > 1 && Fold(a[i - 1]) == Fold(b[j - 2]) && Fold(a[i - 2]) == Fold(b[j - 1])) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);  // Two letters swapped.
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string ClosestName(std::string_view typed, const std::vector<std::string>& names) {
  const size_t limit = std::clamp<size_t>(typed.size() / 3, 1, 3);
  std::string best;
  size_t best_distance = limit + 1;
  for (const std::string& name : names) {
    const size_t d = EditDistance(typed, name);
    if (d == 0) continue;  // The same word: nothing to suggest.
    if (d < best_distance) best = name, best_distance = d;
  }
  if (!best.empty()) return best;
  for (const std::string& name : names) {
    if (typed.size() >= 2 && name.size() > typed.size() && StartsWithFolded(name, typed)) return name;
  }
  return "";
}

std::string DidYouMean(std::string_view typed, const std::vector<std::string>& names) {
  const std::string best = ClosestName(typed, names);
  return best.empty() ? "" : "; did you mean '" + best + "'?";
}

std::string DidYouMean(std::string_view typed, std::string_view comma_list) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= comma_list.size()) {
    size_t end = comma_list.find(',', start);
    if (end == std::string_view::npos) end = comma_list.size();
    std::string_view name = comma_list.substr(start, end - start);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (!name.empty()) names.emplace_back(name);
    start = end + 1;
  }
  return DidYouMean(typed, names);
}

}  // namespace daxbreak
