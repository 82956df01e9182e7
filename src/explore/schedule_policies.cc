#include "explore/schedule_policies.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <xxhash.h>

namespace daxbreak {
namespace {

bool Contains(const std::vector<uint32_t>& v, uint32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The relation dfs's sleep sets have always used: StepsDependent(), except
// that a snapshot (the power cut of fsync-dio, a named sync point until
// kSnapshot existed) counts as touching nothing. It keeps dfs's schedule
// counts; it may leave out orders of a snapshot against other steps, which
// dpor (DporDependent()) does not.
bool DfsDependent(const PendingStep& a, const PendingStep& b) {
  if (a.op == SyncOp::kSnapshot || b.op == SyncOp::kSnapshot) return false;
  return StepsDependent(a, b);
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

RandomPolicy RandomPolicy::WithDrawnSwitchRate(uint64_t seed) {
  SplitMix64 draw(seed ^ 0x5eed5eed5eed5eedULL);
  return RandomPolicy(seed, static_cast<uint32_t>(100 + draw() % 901));
}

uint32_t RandomPolicy::choose(const Decision& d) {
  if (switch_per_mille_ < 1000 && rng_() % 1000 >= switch_per_mille_ &&
      std::find(d.runnable.begin(), d.runnable.end(), d.current) != d.runnable.end()) {
    return d.current;
  }
  return d.runnable[rng_() % d.runnable.size()];
}

PctPolicy::PctPolicy(uint64_t seed, uint32_t nr_threads, uint32_t depth, uint64_t expected_steps)
    : rng_(seed), priority_(nr_threads) {
  // Distinct initial priorities d .. d+n-1, shuffled; demotions go below d.
  for (uint32_t i = 0; i < nr_threads; ++i) priority_[i] = depth + i;
  std::shuffle(priority_.begin(), priority_.end(), rng_);
  for (uint32_t i = 1; i < depth; ++i) change_points_.push_back(1 + rng_() % std::max<uint64_t>(expected_steps, 1));
  next_low_ = depth - 1;
}

uint32_t PctPolicy::choose(const Decision& d) {
  if (d.current < priority_.size() &&
      std::find(change_points_.begin(), change_points_.end(), d.step) != change_points_.end()) {
    priority_[d.current] = next_low_--;
  }
  uint32_t best = d.runnable[0];
  for (uint32_t t : d.runnable) {
    if (priority_[t] > priority_[best]) best = t;
  }
  return best;
}

DfsPolicy::DfsPolicy(uint32_t preemption_bound, bool sleep_sets, DfsShard shard)
    : bound_(preemption_bound), sleep_sets_(sleep_sets), shard_(shard) {}

uint32_t DfsPolicy::preemptions_after(const Node& n, size_t index) const {
  return n.preemptions_before + ((n.current_runnable && n.order[index] != n.current) ? 1 : 0);
}

uint64_t DfsPolicy::prefix_hash(size_t depth, size_t index_at_depth) const {
  // XXH64 (the project's one hash) over the indices taken at the branching
  // nodes down to `depth`: the same prefix hashes alike in every shard.
  std::vector<uint64_t> taken;
  taken.reserve(depth + 1);
  for (size_t k = 0; k <= depth; ++k) {
    if (stack_[k].order.size() < 2) continue;
    taken.push_back(k == depth ? index_at_depth : stack_[k].index);
  }
  return XXH64(taken.data(), taken.size() * sizeof(uint64_t), /*seed=*/0);
}

bool DfsPolicy::owned(const Node& n, size_t i) const {
  if (shard_.count <= 1 || n.order.size() < 2 || n.branching_above + 1 != shard_.split_depth) return true;
  const size_t depth = static_cast<size_t>(&n - stack_.data());
  return prefix_hash(depth, i) % shard_.count == shard_.index;
}

bool DfsPolicy::explorable(const Node& n, size_t i) const {
  if (preemptions_after(n, i) > bound_) return false;
  return !Contains(n.sleep, n.order[i]);
}

bool DfsPolicy::allowed(const Node& n, size_t i) const { return explorable(n, i) && owned(n, i); }

void DfsPolicy::note_other_shard(Node& n, size_t i) const {
  // A candidate another shard explores counts as explored here too, so the
  // sleep sets of later siblings are the same in every shard.
  if (sleep_sets_ && explorable(n, i) && !owned(n, i)) n.done.push_back(n.order[i]);
}

void DfsPolicy::enter(const Node& n) {
  asleep_.clear();
  if (!sleep_sets_) return;
  for (const auto* list : {&n.sleep, &n.done}) {
    for (uint32_t t : *list) {
      if (t != n.order[n.index]) asleep_.push_back(t);
    }
  }
}

void DfsPolicy::observe(uint32_t thread, const Decision& d) {
  const std::vector<PendingStep>& pending = d.pending;
  // A step wakes every sleeping step it does not commute with. A sleeping
  // thread that takes its step anyway (as the only runnable one) has moved
  // on: it wakes too.
  std::erase_if(asleep_, [&](uint32_t t) { return t == thread || DfsDependent(pending[t], pending[thread]); });
}

uint32_t DfsPolicy::choose(const Decision& d) {
  if (depth_ < stack_.size()) {
    const Node& n = stack_[depth_++];
    enter(n);
    const uint32_t pick = n.order[n.index];
    return Contains(d.runnable, pick) ? pick : d.runnable[0];
  }
  Node n;
  n.current = d.current;
  n.current_runnable = Contains(d.runnable, d.current);
  if (n.current_runnable) n.order.push_back(d.current);
  for (uint32_t t : d.runnable) {
    if (t != d.current) n.order.push_back(t);
  }
  if (!stack_.empty()) {
    const Node& parent = stack_.back();
    n.preemptions_before = preemptions_after(parent, parent.index);
    n.branching_above = parent.branching_above + (parent.order.size() >= 2 ? 1 : 0);
  }
  n.sleep = asleep_;
  stack_.push_back(std::move(n));
  Node& node = stack_.back();
  ++depth_;
  // Nodes above the split depth are met by every shard; shard 0 counts them.
  if (shard_.count <= 1 || node.branching_above >= shard_.split_depth || shard_.index == 0) {
    for (size_t i = 0; i < node.order.size(); ++i) {
      if (preemptions_after(node, i) > bound_ && !Contains(node.sleep, node.order[i])) ++bound_cut_;
    }
  }
  for (size_t i = 0; i < node.order.size(); ++i) {
    if (allowed(node, i)) {
      node.index = i;
      enter(node);
      return node.order[i];
    }
    note_other_shard(node, i);
  }
  // Every candidate sleeps, is out of the bound or belongs to another shard.
  node.index = node.order.size();
  return kAbandon;
}

bool DfsPolicy::advance() {
  depth_ = 0;
  asleep_.clear();
  while (!stack_.empty()) {
    Node& n = stack_.back();
    if (n.index < n.order.size() && sleep_sets_) n.done.push_back(n.order[n.index]);
    while (n.index + 1 < n.order.size()) {
      ++n.index;
      if (allowed(n, n.index)) return true;
      note_other_shard(n, n.index);
    }
    stack_.pop_back();
  }
  return false;
}

bool DfsPolicy::owns_current_run() const {
  if (shard_.count <= 1) return true;
  // A run that reached the split node was dealt out there (choose() never
  // takes a candidate of another shard).
  for (const Node& n : stack_) {
    if (n.order.size() >= 2 && n.branching_above + 1 == shard_.split_depth) return true;
  }
  if (stack_.empty()) return shard_.index == 0;
  return prefix_hash(stack_.size() - 1, stack_.back().index) % shard_.count == shard_.index;
}

std::vector<uint32_t> DfsPolicy::position() const {
  std::vector<uint32_t> out;
  for (const Node& n : stack_) out.push_back(static_cast<uint32_t>(n.index));
  return out;
}

double DfsPolicy::fraction_done() const {
  double done = 0, width = 1;
  for (const Node& n : stack_) {
    const double size = static_cast<double>(n.order.size());
    done += width * static_cast<double>(std::min(n.index, n.order.size())) / size;
    width /= size;
  }
  return done;
}

uint32_t ReplayPolicy::choose(const Decision& d) {
  if (next_ < decisions_.size()) {
    const uint32_t pick = decisions_[next_++];
    if (Contains(d.runnable, pick)) return pick;
    if (diverged_.empty()) {
      diverged_ = fmt::format("decision {} picks thread {}, which is not runnable there (runnable: {})", next_,
                              pick, fmt::join(d.runnable, ", "));
    }
  } else {
    ran_out_ = true;
  }
  return Contains(d.runnable, d.current) ? d.current : d.runnable[0];
}

std::string ReplayPolicy::mismatch() const {
  if (!diverged_.empty()) return diverged_;
  if (ran_out_) return fmt::format("the run needed more than the schedule's {} decisions", decisions_.size());
  if (next_ < decisions_.size()) {
    return fmt::format("the run ended after {} of the schedule's {} decisions", next_, decisions_.size());
  }
  return "";
}

}  // namespace daxbreak
