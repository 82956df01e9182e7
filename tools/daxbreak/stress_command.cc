// `daxbreak stress`: the free-mode stress run (StressRunner) from the command
// line, with the conventions of fio and stress-ng: --duration with suffixes,
// a seed that is always printed, text or JSON output, a status line on a TTY.

#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli_util.h"
#include "commands.h"
#include "daxbreak/base/size_parse.h"
#include "daxbreak/stress/stress_runner.h"

namespace daxbreak::cli {
namespace {

// Option values as typed, converted after parsing so that errors name them.
struct StressArgs {
  StressConfig config;
  std::string size_text;
  std::string disk_size_text = "16M";
  std::string duration_text = "10s";
  std::string protocol_text = "fixed";
  std::string ops_text = LayoutOpList(kAllLayoutOps);
  std::string tlb_flush_text = "ipi";
  std::string format = "text";
  std::string output;
  std::string seed;     // Validated by hand: CLI11 wraps "-1" into 2^64-1.
  std::string max_ops = "0";
  std::string eta = "auto";
  std::string stall_timeout = "5s";
};

Status Convert(StressArgs& a) {
  if (!a.size_text.empty()) {
    Status s = ParseSize(a.size_text, &a.config.device_bytes);
    if (!s.ok()) return Status::InvalidArgument("--size: " + s.message());
    if (a.config.device_bytes == 0) return Status::InvalidArgument("--size: 0 is not a device size");
  }
  Status s = ParseSize(a.disk_size_text, &a.config.disk_bytes);
  if (!s.ok()) return Status::InvalidArgument("--disk-size: " + s.message());
  s = ParseDuration(a.duration_text, &a.config.duration);
  if (!s.ok()) return Status::InvalidArgument("--duration: " + s.message());
  s = ParseDuration(a.stall_timeout, &a.config.stall_timeout);
  if (!s.ok()) return Status::InvalidArgument("--stall-timeout: " + s.message());
  s = ParseProtocolOption(a.protocol_text, &a.config.protocol);
  if (!s.ok()) return s;
  s = ParseLayoutOps(a.ops_text, &a.config.layout_ops);
  if (!s.ok()) return s;
  s = ParseTlbFlushOption(a.tlb_flush_text, &a.config.tlb_flush);
  if (!s.ok()) return s;
  s = ParseUnsigned("--max-ops", a.max_ops, 0, UINT64_MAX, &a.config.max_ops);
  if (!s.ok()) return s;
  if (a.seed.empty()) {
    a.config.seed = RandomSeed();
  } else {
    s = ParseUnsigned("--seed", a.seed, 0, UINT64_MAX, &a.config.seed);
    if (!s.ok()) return s;
  }
  a.config.progress = ShowStatusLine(a.eta);
  a.config.status_width = TerminalWidth();
  return a.config.validate();
}

// What the run will use, said before it starts: sizes, and that a sparse
// device costs only what the run touches.
std::string Plan(const StressConfig& c) {
  struct stat st {};
  const bool exists = stat(c.device_path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
  const uint64_t device = c.device_bytes != 0 ? c.device_bytes : exists ? static_cast<uint64_t>(st.st_size) : 64ULL << 20;
  std::string plan = fmt::format(
      "daxbreak stress: scenario {}, protocol {}, seed {}\n"
      "  device '{}' {}: file blocks and page records (8 bytes each) only for the pages the run touches\n",
      c.scenario, c.protocol->name, c.seed, c.device_path, FormatSize(device));
  if (c.scenario == "collision") plan += fmt::format("  disk   '{}' {}: allocated up front\n", c.disk_path, FormatSize(c.disk_bytes));
  return plan;
}

int Run(StressArgs& a) {
  Status s = Convert(a);
  if (!s.ok()) return Fail(s);
  // The report's file is opened now: a bad path must not cost a whole run.
  ReportOutput output;
  s = output.open(a.output, "--output");
  if (s.ok()) s = output.refuse_same_file(a.config.device_path, "--device");
  if (s.ok()) s = output.refuse_same_file(a.config.disk_path, "--disk");
  if (!s.ok()) return Fail(s);
  std::fprintf(stderr, "%s", Plan(a.config).c_str());
  a.config.interrupt = InstallStopSignals();
  StressReport report;
  const Status run = RunStress(a.config, &report);
  if (!report.ran) return Fail(run);
  // What ran is reported even when a thread failed or a signal came.
  const std::string out = a.format == "json" ? report.to_json().dump(2) + "\n" : report.to_text();
  s = output.write(out);
  if (!s.ok()) return Fail(s);
  if (!run.ok()) return Fail(run);
  return report.exit_code();
}

}  // namespace

CommandRunner AddStressCommand(CLI::App& app) {
  auto args = std::make_shared<StressArgs>();
  StressConfig& c = args->config;
  auto* sub = app.add_subcommand("stress", "Run a scenario on real threads with real io_uring DIO");
  sub->add_option("--scenario", c.scenario, "collision (DIO against layout changes) or cached-mapping (buffered writes against writeback, reclaim and layout changes)")->capture_default_str();
  sub->add_option("--device", c.device_path, "Backing pmem path: a file (created if absent), a file on an fs-dax mount, or /dev/daxN.M")
      ->capture_default_str();
  sub->add_option("--size", args->size_text, "Device size for a new or empty file, e.g. 64M (default 64M)");
  sub->add_flag("--force", c.force, "Format --device/--disk even if they hold data daxbreak did not write");
  sub->add_option("--disk", c.disk_path, "The O_DIRECT backing disk file (non-DAX file system)")->capture_default_str();
  sub->add_option("--disk-size", args->disk_size_text, "Size of the disk file")->capture_default_str();
  sub->add_option("--threads", c.threads, "DIO threads (collision) or buffered writers (cached-mapping)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  sub->add_option("--duration", args->duration_text, "How long to run: 500ms, 60s, 2m, 1h")->capture_default_str();
  sub->add_option("--max-ops", args->max_ops, "Stop after this many layout operations (0: no limit)")
      ->capture_default_str();
  sub->add_option("--ops", args->ops_text,
                  "Layout changes of the mapped file, comma-separated: " + LayoutOpList(kAllLayoutOps))
      ->capture_default_str();
  sub->add_option("--tlb-flush", args->tlb_flush_text,
                  "How an unmap's TLB flush waits for GUP-fast: ipi (x86) or broadcast (no wait)")
      ->capture_default_str();
  sub->add_option("--noise", c.noise_per_million,
                  "Noise injection: sync points (per million) at which a thread spins a random time, "
                  "widening race windows (0: off)")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  sub->add_option("--noise-max", c.noise_max_ns, "Longest noise spin in ns")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
  sub->add_flag("--stop-on-violation", c.stop_on_violation, "End the run at the first violation (time to detection)");
  sub->add_option("--stall-timeout", args->stall_timeout,
                  "A layout change that makes no progress this long is a stall finding (collision)")
      ->capture_default_str();
  sub->add_option("--seed", args->seed, "Seed of every random choice of the run (random by default; always printed)");
  sub->add_option("--protocol", args->protocol_text, "Protocol variant: " + ProtocolNameList())->capture_default_str();
  sub->add_option("--queue-depth", c.queue_depth, "io_uring requests in flight per DIO thread")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  sub->add_option("--file-pages", c.victim_pages, "Pages of the mapped victim file")
      ->check(CLI::Range(2, 1024))
      ->capture_default_str();
  sub->add_option("--output-format", args->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  sub->add_option("--output", args->output, "Write the report to FILE instead of stdout (opened before the run)");
  sub->add_option("--eta", args->eta, "Live status line on stderr: auto (on a terminal), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  return [args]() { return Run(*args); };
}

}  // namespace daxbreak::cli
