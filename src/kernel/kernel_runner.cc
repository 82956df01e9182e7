#include "daxbreak/kernel/kernel_runner.h"

#include <sys/resource.h>
#include <sys/utsname.h>

#include <fmt/format.h>

#include "daxbreak/kernel/host_facts.h"
#include "daxbreak/kernel/kmsg.h"
#include "kernel/kernel_rig.h"

namespace daxbreak {
namespace {

using kernel_internal::KernelRig;

nlohmann::json OptionalJson(const std::optional<uint64_t>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

// The pins a run took, from the counters before and after. A collision run
// is exercised when it took a pin, or when its layout thread was seen asleep
// in a break (a kernel whose O_DIRECT path takes plain page references, not
// FOLL_PIN pins, does not move the counter: Linux 6.1 did not).
void FillPins(const FollPinCounts& before, const FollPinCounts& after, bool collision, KernelReport* r) {
  r->pins = {{"acquired", OptionalJson(after.acquired)}, {"released", OptionalJson(after.released)}};
  const bool counted = before.acquired && after.acquired;
  const uint64_t taken = counted ? *after.acquired - *before.acquired : 0;
  r->pins["taken"] = counted ? nlohmann::json(taken) : nlohmann::json(nullptr);
  if (!collision) return;
  r->exercised = r->exercised || taken > 0;
  if (!r->exercised) {
    r->not_exercised_why = counted ? "nr_foll_pin_acquired did not move and the layout thread was never seen "
                                     "asleep in a break: no O_DIRECT transfer held a page of the mapping"
                                   : "/proc/vmstat has no nr_foll_pin_acquired and the layout thread was never "
                                     "seen asleep in a break";
  }
}

}  // namespace

Status RunKernel(const KernelConfig& config, KernelReport* report) {
  Status s = config.validate();
  if (!s.ok()) return s;
  KernelRig rig;
  s = kernel_internal::BuildKernelRig(config, &rig);
  if (!s.ok()) return s;
  kernel_internal::InstallStallSignal();
  struct utsname u {};
  uname(&u);
  report->config = config;
  report->kernel = {{"release", u.release}, {"fs_type", FsTypeName(rig.victim_fd)}, {"map_sync", rig.map_sync},
                    {"disk_fs_type", rig.disk ? FsTypeName(rig.disk->fd()) : "-"}};
  KmsgWatch kmsg;
  const bool watched = kmsg.open();
  const FollPinCounts before = ReadFollPinCounts();
  rig.checker.restart_clock();
  const bool collision = config.scenario == "collision";
  s = collision ? kernel_internal::RunCollision(rig, report) : kernel_internal::RunRefault(rig, report);
  FillPins(before, ReadFollPinCounts(), collision, report);
  std::vector<std::string> warnings = kmsg.read_warnings();
  for (const std::string& line : warnings) {
    rig.checker.report(Violation{ViolationKind::kKernelWarn, 0, 0, 0, "kernel", line});
  }
  report->kmsg = {{"watched", watched}, {"warnings", warnings}};
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  report->memory = {{"max_rss_bytes", static_cast<uint64_t>(ru.ru_maxrss) * 1024}};
  report->ran = true;
  report->violations = rig.checker.to_json();
  report->violation_count = rig.checker.violation_count();
  report->violations_text = rig.checker.to_text();
  return s;
}

}  // namespace daxbreak
