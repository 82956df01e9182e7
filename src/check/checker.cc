#include "daxbreak/check/checker.h"

#include <fmt/format.h>

namespace daxbreak {

namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Checker::Checker(size_t cap) : cap_(cap) { restart_clock(); }

void Checker::restart_clock() { start_ns_.store(NowNs(), std::memory_order_release); }

void Checker::report(Violation v) {
  const int64_t now_ns = NowNs() - start_ns_.load(std::memory_order_acquire);
  int64_t unset = -1;
  first_ns_.compare_exchange_strong(unset, now_ns);
  by_kind_[static_cast<size_t>(v.kind)].fetch_add(1, std::memory_order_relaxed);
  MutexLock lock(&mu_);
  total_.fetch_add(1, std::memory_order_release);
  if (kept_.size() < cap_) kept_.push_back(std::move(v));
}

uint64_t Checker::count(ViolationKind kind) const {
  return by_kind_[static_cast<size_t>(kind)].load(std::memory_order_relaxed);
}

std::vector<Violation> Checker::violations() const {
  MutexLock lock(&mu_);
  return kept_;
}

void AddViolationFields(const nlohmann::json& violations, uint64_t count, nlohmann::json* doc) {
  nlohmann::json& j = *doc;
  j["violation_count"] = count;
  j["violations_by_kind"] = violations.value("by_kind", nlohmann::json::object());
  j["violations_by_severity"] = violations.value("by_severity", nlohmann::json::object());
  j["first_violation_seconds"] = violations.value("first_violation_seconds", nlohmann::json(nullptr));
  j["violations"] = violations.value("violations", nlohmann::json::array());
}

nlohmann::json Checker::to_json() const {
  nlohmann::json j;
  j["violation_count"] = violation_count();
  nlohmann::json by_kind = nlohmann::json::object();
  for (size_t k = 0; k < by_kind_.size(); ++k) {
    by_kind[std::string(ViolationKindName(static_cast<ViolationKind>(k)))] = by_kind_[k].load();
  }
  j["by_kind"] = by_kind;
  uint64_t warn = 0, data = 0;
  for (const ViolationKindInfo& k : ViolationKinds()) {
    (k.severity == Severity::kWarn ? warn : data) += count(k.kind);
  }
  j["by_severity"] = {{"warn", warn}, {"data", data}};
  const int64_t first = first_violation_ns();
  j["first_violation_seconds"] = first < 0 ? nlohmann::json(nullptr) : nlohmann::json(first / 1e9);
  nlohmann::json list = nlohmann::json::array();
  for (const Violation& v : violations()) {
    list.push_back({{"kind", ViolationKindName(v.kind)},
                    {"severity", SeverityName(ViolationSeverity(v.kind))},
                    {"pfn", v.pfn},
                    {"ino", v.ino},
                    {"file_offset", v.file_offset},
                    {"thread", v.thread},
                    {"detail", v.detail}});
  }
  j["violations"] = list;
  return j;
}

std::string Checker::to_text() const {
  std::string out;
  const std::vector<Violation> kept = violations();
  for (const Violation& v : kept) {
    out += fmt::format("  {:<24} {:<4} pfn {:<7} ino {:<5} offset {:<9} thread {:<10} {}\n",
                       ViolationKindName(v.kind), SeverityName(ViolationSeverity(v.kind)), v.pfn,
                       v.ino, v.file_offset, v.thread, v.detail);
  }
  const uint64_t total = violation_count();
  if (total > kept.size()) out += fmt::format("  ... and {} more\n", total - kept.size());
  return out;
}

}  // namespace daxbreak
