// Registry<Row>: a table of named rows, the built-in ones first (a constant
// array in the library) and then the ones a user registers at run time. The
// protocol variants (fs/protocol.h), the explore scenarios
// (explore/explore_scenario.h) and the stress scenarios
// (stress/stress_scenario.h) are each one Registry; `daxbreak list`,
// completion and campaigns read them, and nothing else compares their names.
//
// A Row is a struct with a `std::string_view name` and a member
//   template <class Keep> void keep_strings(Keep keep);
// that re-points each of its string_view fields at keep(field): add() copies
// a registered row's strings into storage the registry owns, so the caller's
// strings may go away.
//
// Thread-safety: look-ups are thread-safe once registration is over; add()
// must not run concurrently with anything else (register before any run
// starts). Rows and their strings live as long as the process (the registry
// is never destroyed: rows are used by code that runs at exit), so pointers
// from find() and all() stay valid.

#ifndef DAXBREAK_BASE_REGISTRY_H_
#define DAXBREAK_BASE_REGISTRY_H_

#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daxbreak/base/status.h"

namespace daxbreak {

template <class Row>
class Registry {
 public:
  // `kind` names a row in messages ("protocol", "explore scenario").
  Registry(std::string_view kind, std::span<const Row> builtin) : kind_(kind), builtin_(builtin) {}
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Every row: the built-in ones in their order, then the registered ones in
  // registration order.
  std::vector<const Row*> all() const {
    std::vector<const Row*> out;
    out.reserve(builtin_.size() + added_.size());
    for (const Row& r : builtin_) out.push_back(&r);
    for (const Row& r : added_) out.push_back(&r);
    return out;
  }
  // The row named `name`, or nullptr.
  const Row* find(std::string_view name) const {
    for (const Row* r : all()) {
      if (r->name == name) return r;
    }
    return nullptr;
  }
  // "a, b, c": every name, for messages and help texts.
  std::string names() const {
    std::string out;
    for (const Row* r : all()) {
      if (!out.empty()) out += ", ";
      out += r->name;
    }
    return out;
  }
  // Adds a copy of `row`. Errors: kInvalidArgument for an empty name,
  // kExists for a name that is taken.
  Status add(Row row) {
    if (row.name.empty()) return Status::InvalidArgument(std::string("a ") + std::string(kind_) + " needs a name");
    if (find(row.name) != nullptr) {
      return Status::Exists(std::string(kind_) + " '" + std::string(row.name) + "' exists");
    }
    row.keep_strings([this](std::string_view s) -> std::string_view { return strings_.emplace_back(s); });
    added_.push_back(std::move(row));
    return Status::Ok();
  }

 private:
  const std::string_view kind_;
  const std::span<const Row> builtin_;
  std::deque<Row> added_;           // A deque: pointers stay valid as it grows.
  std::deque<std::string> strings_;  // The registered rows' strings.
};

}  // namespace daxbreak

#endif  // DAXBREAK_BASE_REGISTRY_H_
