// A user's own protocol variant and own scenario, added through the
// registries without touching daxbreak's sources, then searched like the
// built-in ones:
//
//   - the protocol `lazy-evict` is `fixed` without the final break on
//     eviction (a file system that frees a file's blocks at unlink without
//     waiting for its busy pages): one row of traits;
//   - the scenario `punch-pinned` punches a hole over the page of a mapped
//     file that a DIO has pinned, while the DIO completes.
//
// It prints one line per search and exits 0 when each met its expectation:
// `fixed` clean in punch-pinned, `no-break` caught in it, `lazy-evict` caught
// in evict-pinned and clean in punch-pinned.
//
// Built in the tree (examples/CMakeLists.txt) and, by the ctest
// `example_consumer`, out of the tree against an installed daxbreak through
// find_package(daxbreak) (CMakeLists.txt here) and through pkg-config
// (Makefile here).

#include <cstdio>

#include "daxbreak/explore/explore_model_base.h"
#include "daxbreak/explore/explorer.h"

namespace {

using namespace daxbreak;

// Punch hole over page 1 of a 2-page mapped file while a DIO holds a pin on
// that page: the punch must wait for the completion before it frees the block.
class PunchPinned final : public ExploreModelBase {
 public:
  explicit PunchPinned(const ModelEnv& env) : ExploreModelBase(env) {
    make_file(2 * kPageSize, 2);
    dio_in_flight(1, 1);
  }
  void add_threads(ControlledScheduler& s) override {
    s.add_thread("punch", [this] { (void)fs_.punch_hole(file_.get(), kPageSize, kPageSize); });
    add_completion_thread(s);
  }
};

Status RegisterMine() {
  ProtocolTraits lazy = BuiltinProtocol("fixed");
  lazy.name = "lazy-evict";
  lazy.status = ProtocolStatus::kHypothetical;
  lazy.summary = "fixed, but eviction frees blocks without waiting for busy pages";
  lazy.cites = "an example of a user's variant";
  lazy.catches_in = "evict-pinned";
  lazy.layout.final_break_on_evict = false;
  Status s = RegisterProtocol(lazy);
  if (!s.ok()) return s;
  return RegisterExploreScenario(
      {"punch-pinned", "punch hole over a page a DIO has pinned",
       [](const ModelEnv& env) -> std::unique_ptr<ExploreModel> { return std::make_unique<PunchPinned>(env); }});
}

// Runs a pct search of `scenario` under `protocol`; true when finding
// something is what `expect_found` says.
bool Check(const char* scenario, const char* protocol, bool expect_found) {
  ExploreOptions o;
  o.scenario = scenario;
  o.protocol = FindProtocol(protocol);
  o.schedules = 2000;
  ExploreResult r;
  const Status s = Explore(o, &r);
  if (!s.ok()) {
    std::printf("%-14s %-11s error: %s\n", scenario, protocol, s.ToString().c_str());
    return false;
  }
  const bool ok = r.found == expect_found;
  std::printf("%-14s %-11s %-40s %s\n", scenario, protocol,
              r.found ? ("found " + r.kind + " (" + r.schedule + ")").c_str() : "clean",
              ok ? "as expected" : "UNEXPECTED");
  return ok;
}

}  // namespace

int main() {
  const Status s = RegisterMine();
  if (!s.ok()) {
    std::fprintf(stderr, "custom_variant: %s\n", s.ToString().c_str());
    return 2;
  }
  bool ok = Check("punch-pinned", "fixed", false);
  ok &= Check("punch-pinned", "no-break", true);
  ok &= Check("evict-pinned", "lazy-evict", true);
  ok &= Check("punch-pinned", "lazy-evict", false);
  return ok ? 0 : 1;
}
