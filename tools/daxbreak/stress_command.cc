// `daxbreak stress` and `daxbreak kernel`: a stress run (stress/stress_runner.h)
// from the command line, with the conventions of fio and stress-ng:
// --duration with suffixes, a seed that is always printed, text or JSON
// output, a status line on a terminal.
//
//   daxbreak stress [--target model|kernel] ...   the model by default
//   daxbreak kernel ...                           = stress --target kernel
//
// Both register the same options (one StressArgs, one Convert(), one
// StressConfig::validate()); `kernel` leaves out those of the model target.

#include <sys/stat.h>
#include <sys/utsname.h>

#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli_util.h"
#include "commands.h"
#include "daxbreak/base/json_text.h"
#include "daxbreak/base/printable.h"
#include "option_types.h"
#include "daxbreak/base/size_parse.h"
#include "daxbreak/stress/stress_runner.h"
#include "daxbreak/stress/stress_scenario.h"

namespace daxbreak::cli {
namespace {

// Option values as typed, converted after parsing so that errors name them.
struct StressArgs {
  StressConfig config;
  std::string target = "model";
  std::string size_text;
  std::string disk_size_text = "16M";
  std::string duration_text = "10s";
  std::string protocol_text = "fixed";
  std::string fs_text = "ext4";
  std::string ops_text = LayoutOpList(kAllLayoutOps);
  std::string dio_text = "read";
  std::string tlb_flush_text = "ipi";
  std::string page_size_text = "4k";
  std::string format = "text";
  std::string output;
  std::string seed;  // Validated by hand: CLI11 wraps "-1" into 2^64-1.
  std::string max_ops = "0";
  std::string eta = "auto";
  std::string stall_timeout = "5s";
};

Status Convert(StressArgs& a) {
  StressConfig& c = a.config;
  Status s = ParseTargetKind(a.target, &c.target);
  if (!s.ok()) return s;
  if (!a.size_text.empty()) {
    s = ParseSize(a.size_text, &c.device_bytes);
    if (!s.ok()) return Status::InvalidArgument("--size: " + s.message());
    if (c.device_bytes == 0) return Status::InvalidArgument("--size: 0 is not a device size");
  }
  s = ParseSize(a.disk_size_text, &c.disk_bytes);
  if (!s.ok()) return Status::InvalidArgument("--disk-size: " + s.message());
  s = ParseDuration(a.duration_text, &c.duration);
  if (!s.ok()) return Status::InvalidArgument("--duration: " + s.message());
  s = ParseDuration(a.stall_timeout, &c.stall_timeout);
  if (!s.ok()) return Status::InvalidArgument("--stall-timeout: " + s.message());
  s = ParseProtocolOption(a.protocol_text, &c.protocol);
  if (s.ok()) s = ParseFsOption(a.fs_text, &c.fs);
  if (s.ok()) s = ParseLayoutOps(a.ops_text, &c.layout_ops);
  if (s.ok()) s = ParseDioMode(a.dio_text, &c.dio);
  if (s.ok()) s = ParseTlbFlushOption(a.tlb_flush_text, &c.tlb_flush);
  if (s.ok()) s = ParseDaxPageSize(a.page_size_text, &c.page_size);
  if (s.ok()) s = ParseUnsigned("--max-ops", a.max_ops, 0, UINT64_MAX, &c.max_ops);
  if (!s.ok()) return s;
  // A file system without collapse and insert range (virtiofs) runs the
  // default --ops without them; asked for by name, they are refused in
  // validate().
  if (!c.fs->traits.collapse_insert && a.ops_text == LayoutOpList(kAllLayoutOps)) {
    c.layout_ops &= ~(LayoutOpBit(LayoutOp::kCollapse) | LayoutOpBit(LayoutOp::kInsert));
  }
  if (a.seed.empty()) {
    c.seed = RandomSeed();
  } else {
    s = ParseUnsigned("--seed", a.seed, 0, UINT64_MAX, &c.seed);
    if (!s.ok()) return s;
  }
  c.progress = ShowStatusLine(a.eta);
  c.status_width = TerminalWidth();
  return c.validate();
}

// uname -r.
std::string KernelRelease() {
  struct utsname u {};
  return uname(&u) == 0 ? u.release : "?";
}

// What the run will use, said before it starts: the target's files and
// sizes, and that a sparse device costs only what the run touches.
std::string Plan(const StressConfig& c) {
  std::string plan = fmt::format("daxbreak stress: scenario {}, target {}{}, seed {}\n", c.scenario,
                                 TargetKindName(c.target),
                                 c.target == TargetKind::kModel ? fmt::format(", protocol {}", c.protocol->name) : "",
                                 c.seed);
  if (c.target == TargetKind::kKernel) {
    plan += fmt::format("  file   '{}' ({} pages, on a DAX mount)\n", c.file_path, c.victim_pages);
  } else {
    struct stat st {};
    const bool exists = stat(c.device_path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
    const uint64_t device = c.device_bytes != 0 ? c.device_bytes : exists ? static_cast<uint64_t>(st.st_size) : 64ULL << 20;
    plan += fmt::format("  device '{}' {}: file blocks and page records (8 bytes each) only for the pages the run touches\n",
                        c.device_path, FormatSize(device));
  }
  if (FindStressScenario(c.scenario)->needs.disk) {
    plan += fmt::format("  disk   '{}' {}: allocated up front\n", c.disk_path, FormatSize(c.disk_bytes));
  }
  return plan;
}

int Run(StressArgs& a) {
  Status s = Convert(a);
  if (!s.ok()) return Fail(s);
  const StressConfig& c = a.config;
  // The report's file is opened now: a bad path must not cost a whole run.
  ReportOutput output;
  s = output.open(a.output, "--output");
  if (s.ok()) {
    s = c.target == TargetKind::kModel ? output.refuse_same_file(c.device_path, "--device")
                                       : output.refuse_same_file(c.file_path, "--file");
  }
  if (s.ok()) s = output.refuse_same_file(c.disk_path, "--disk");
  if (!s.ok()) return Fail(s);
  std::fprintf(stderr, "%s", Printable(Plan(c)).c_str());
  // A kernel-target run may not live to write its report (the kernel it
  // tests may die): a provisional one (ran: false) stands in until then, for
  // `daxbreak oops` to complete from the console.
  if (c.target == TargetKind::kKernel && a.format == "json" && !a.output.empty()) {
    StressReport provisional;
    provisional.config = c;
    provisional.target = {{"kernel", {{"release", KernelRelease()}}}};
    s = output.write(JsonText(provisional.to_json(), 2) + "\n");
    if (!s.ok()) return Fail(s);
  }
  a.config.interrupt = InstallStopSignals();
  StressReport report;
  const Status run = RunStress(a.config, &report);
  if (!report.ran) return Fail(run);
  // What ran is reported even when a worker failed or a signal came.
  s = output.write(a.format == "json" ? JsonText(report.to_json(), 2) + "\n" : report.to_text());
  if (!s.ok()) return Fail(s);
  if (!report.error.empty()) {
    std::fprintf(stderr, "daxbreak: %s%s\n", report.files_lost ? "" : "a worker met an error: ",
                 Printable(report.error).c_str());
  }
  std::fflush(nullptr);
  return report.exit_code();
}

// The options of both commands; `kernel` (for the kernel target only) leaves
// out --target and the model's options.
void AddStressOptions(CLI::App* sub, StressArgs& a, bool kernel_only) {
  StressConfig& c = a.config;
  sub->add_option("--scenario", c.scenario, "Scenario: " + StressScenarioNames() + " (daxbreak list)")
      ->capture_default_str();
  if (!kernel_only) {
    sub->add_option("--target", a.target, "model (the model over a pmem device) or kernel (this kernel's fs-dax mount)")
        ->transform(Choice({"model", "kernel"}))
        ->capture_default_str();
    sub->add_option("--device", c.device_path,
                    "model: backing pmem path, a file (created if absent), a file on an fs-dax mount, or /dev/daxN.M")
        ->capture_default_str();
    sub->add_option("--size", a.size_text, "model: device size for a new or empty file, e.g. 64M (default 64M)")
        ->check(SizeValue());
    sub->add_option("--protocol", a.protocol_text, "model: protocol variant: " + ProtocolNameList())
        ->capture_default_str();
    sub->add_option("--fs", a.fs_text, "model: file system the model runs: " + FsModelNameList())
        ->capture_default_str();
    sub->add_option("--tlb-flush", a.tlb_flush_text,
                    "model: how an unmap's TLB flush waits for GUP-fast: ipi (x86) or broadcast (no wait)")
        ->transform(Choice({"ipi", "broadcast"}))
        ->capture_default_str();
    sub->add_option("--page-size", a.page_size_text,
                    "model: largest DAX mapping: 4k, or 2m (PMD faults where a file's extent allows)")
        ->transform(Choice({"4k", "2m"}))
        ->capture_default_str();
    sub->add_option("--noise", c.noise_per_million,
                    "model: sync points (per million) at which a thread spins a random time, widening race windows (0: off)")
        ->check(CLI::Range(0, 1000000))
        ->capture_default_str();
    sub->add_option("--noise-max", c.noise_max_ns, "model: longest noise spin in ns")
        ->check(CLI::Range(1, 10000000))
        ->capture_default_str();
  }
  sub->add_option("--file", c.file_path, "kernel: the victim file, on a DAX mount (ext4 or xfs -o dax); created if absent")
      ->capture_default_str();
  sub->add_flag("--force", c.force, "Overwrite --device/--file/--disk even if they hold data daxbreak did not write");
  sub->add_option("--disk", c.disk_path, "The O_DIRECT disk file, on a non-DAX file system")->capture_default_str();
  sub->add_option("--disk-size", a.disk_size_text, "Size of the disk file")->check(SizeValue())->capture_default_str();
  sub->add_option("--threads", c.threads, "DIO threads (collision) or buffered writers (cached-mapping)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  sub->add_option("--dio", a.dio_text, "What the DIO threads do: read (disk into the mapping), write (mapping to disk) or read,write")
      ->capture_default_str();
  sub->add_option("--duration", a.duration_text, "How long to run: 500ms, 60s, 2m, 1h")
      ->check(DurationValue())
      ->capture_default_str();
  sub->add_option("--max-ops", a.max_ops, "Stop after this many layout operations (0: no limit)")->capture_default_str();
  sub->add_option("--ops", a.ops_text, "Layout changes of the mapped file, comma-separated: " + LayoutOpList(kAllLayoutOps))
      ->capture_default_str();
  sub->add_flag("--stop-on-violation", c.stop_on_violation, "End the run at the first violation (time to detection)");
  sub->add_option("--stall-timeout", a.stall_timeout, "A layout change that makes no progress this long is a stall finding")
      ->check(DurationValue())
      ->capture_default_str();
  sub->add_option("--seed", a.seed, "Seed of every random choice of the run (random by default; always printed)");
  sub->add_option("--queue-depth", c.queue_depth, "io_uring requests in flight per DIO thread")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  sub->add_option("--file-pages", c.victim_pages, "Pages of the mapped victim file")
      ->check(CLI::Range(2, 1024))
      ->capture_default_str();
  sub->add_option("--output-format", a.format, "text or json")->transform(Choice({"text", "json"}))->capture_default_str();
  sub->add_option("--output", a.output, "Write the report to FILE instead of stdout (opened before the run)");
  sub->add_option("--eta", a.eta, "Live status line on stderr: auto (on a terminal), always, never")
      ->transform(Choice({"auto", "always", "never"}))
      ->capture_default_str();
}

}  // namespace

CommandRunner AddStressCommand(CLI::App& app) {
  auto args = std::make_shared<StressArgs>();
  auto* sub = app.add_subcommand("stress", "Run a scenario on real threads against the model or this kernel, with the data checked");
  AddStressOptions(sub, *args, /*kernel_only=*/false);
  return [args]() { return Run(*args); };
}

CommandRunner AddKernelCommand(CLI::App& app) {
  auto args = std::make_shared<StressArgs>();
  args->target = "kernel";
  auto* sub = app.add_subcommand("kernel", "stress --target kernel: a scenario on this kernel's fs-dax mount, with the data checked");
  AddStressOptions(sub, *args, /*kernel_only=*/true);
  return [args]() { return Run(*args); };
}

}  // namespace daxbreak::cli
