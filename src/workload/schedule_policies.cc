#include "daxbreak/workload/schedule_policies.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace daxbreak {
namespace {

bool Contains(const std::vector<uint32_t>& v, uint32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

std::string EncodeSchedule(const std::vector<uint32_t>& decisions) {
  std::string out;
  for (size_t i = 0; i < decisions.size();) {
    size_t j = i;
    while (j < decisions.size() && decisions[j] == decisions[i]) ++j;
    if (!out.empty()) out += '.';
    out += std::to_string(decisions[i]);
    if (j - i > 1) out += fmt::format("*{}", j - i);
    i = j;
  }
  return out.empty() ? "-" : out;
}

Status DecodeSchedule(const std::string& text, std::vector<uint32_t>* decisions) {
  decisions->clear();
  if (text == "-") return Status::Ok();
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t end = std::min(text.find('.', pos), text.size());
    const std::string token = text.substr(pos, end - pos);
    const size_t star = token.find('*');
    uint32_t thread = 0, count = 1;
    const std::string t = token.substr(0, star);
    auto r1 = std::from_chars(t.data(), t.data() + t.size(), thread);
    bool ok = !t.empty() && r1.ec == std::errc() && r1.ptr == t.data() + t.size() && thread < 64;
    if (ok && star != std::string::npos) {
      const std::string c = token.substr(star + 1);
      auto r2 = std::from_chars(c.data(), c.data() + c.size(), count);
      ok = !c.empty() && r2.ec == std::errc() && r2.ptr == c.data() + c.size() && count > 0 &&
           count <= 10'000'000;
    }
    if (!ok) {
      return Status::InvalidArgument(fmt::format("--schedule: bad token '{}' in '{}' (want T or T*N, dot-separated)", token, text));
    }
    decisions->insert(decisions->end(), count, thread);
    if (end == text.size()) break;
    pos = end + 1;
  }
  return Status::Ok();
}

uint32_t RandomPolicy::choose(const std::vector<uint32_t>& runnable, uint32_t, uint64_t) {
  return runnable[rng_() % runnable.size()];
}

PctPolicy::PctPolicy(uint64_t seed, uint32_t nr_threads, uint32_t depth, uint64_t expected_steps)
    : rng_(seed), priority_(nr_threads) {
  // Distinct initial priorities d .. d+n-1, shuffled; demotions go below d.
  for (uint32_t i = 0; i < nr_threads; ++i) priority_[i] = depth + i;
  std::shuffle(priority_.begin(), priority_.end(), rng_);
  for (uint32_t i = 1; i < depth; ++i) change_points_.push_back(1 + rng_() % std::max<uint64_t>(expected_steps, 1));
  next_low_ = depth - 1;
}

uint32_t PctPolicy::choose(const std::vector<uint32_t>& runnable, uint32_t current, uint64_t step) {
  if (current < priority_.size() &&
      std::find(change_points_.begin(), change_points_.end(), step) != change_points_.end()) {
    priority_[current] = next_low_--;
  }
  uint32_t best = runnable[0];
  for (uint32_t t : runnable) {
    if (priority_[t] > priority_[best]) best = t;
  }
  return best;
}

uint32_t DfsPolicy::preemptions_after(const Node& n) const {
  const uint32_t pick = n.order[n.index];
  return n.preemptions_before + ((n.current_runnable && pick != n.current) ? 1 : 0);
}

uint32_t DfsPolicy::choose(const std::vector<uint32_t>& runnable, uint32_t current, uint64_t) {
  if (depth_ < stack_.size()) {
    const Node& n = stack_[depth_++];
    const uint32_t pick = n.order[n.index];
    return Contains(runnable, pick) ? pick : runnable[0];
  }
  Node n;
  n.current = current;
  n.current_runnable = Contains(runnable, current);
  if (n.current_runnable) n.order.push_back(current);
  for (uint32_t t : runnable) {
    if (t != current) n.order.push_back(t);
  }
  n.preemptions_before = stack_.empty() ? 0 : preemptions_after(stack_.back());
  stack_.push_back(n);
  ++depth_;
  return n.order[0];
}

bool DfsPolicy::advance() {
  depth_ = 0;
  while (!stack_.empty()) {
    Node& n = stack_.back();
    while (n.index + 1 < n.order.size()) {
      ++n.index;
      if (preemptions_after(n) <= bound_) return true;
    }
    stack_.pop_back();
  }
  return false;
}

uint32_t ReplayPolicy::choose(const std::vector<uint32_t>& runnable, uint32_t current, uint64_t) {
  if (next_ < decisions_.size()) {
    const uint32_t pick = decisions_[next_++];
    if (Contains(runnable, pick)) return pick;
    diverged_ = true;
  }
  return Contains(runnable, current) ? current : runnable[0];
}

}  // namespace daxbreak
