// `daxbreak kernel`: the collision workload on the running kernel's fs-dax
// mount (kernel/kernel_runner.h), with the options, report shape and exit
// codes of `stress`, plus exit 3 for a run that exercised nothing.

#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli_util.h"
#include "commands.h"
#include "daxbreak/base/size_parse.h"
#include "daxbreak/kernel/kernel_runner.h"

namespace daxbreak::cli {
namespace {

struct KernelArgs {
  KernelConfig config;
  std::string disk_size_text = "16M";
  std::string duration_text = "10s";
  std::string stall_timeout_text = "5s";
  std::string ops_text = "truncate,punch,zero,collapse,insert";
  std::string dio_text = "read";
  std::string format = "text";
  std::string output;
  std::string seed;
  std::string max_ops = "0";
  std::string eta = "auto";
};

Status Convert(KernelArgs& a) {
  KernelConfig& c = a.config;
  Status s = ParseSize(a.disk_size_text, &c.disk_bytes);
  if (!s.ok()) return Status::InvalidArgument("--disk-size: " + s.message());
  s = ParseDuration(a.duration_text, &c.duration);
  if (!s.ok()) return Status::InvalidArgument("--duration: " + s.message());
  s = ParseDuration(a.stall_timeout_text, &c.stall_timeout);
  if (!s.ok()) return Status::InvalidArgument("--stall-timeout: " + s.message());
  s = ParseLayoutOps(a.ops_text, &c.layout_ops);
  if (!s.ok()) return s;
  if (a.dio_text == "read" || a.dio_text == "write" || a.dio_text == "read,write" || a.dio_text == "write,read") {
    c.dio_read = a.dio_text.find("read") != std::string::npos;
    c.dio_write = a.dio_text.find("write") != std::string::npos;
  } else {
    return Status::InvalidArgument(fmt::format("--dio: '{}' is not read, write or read,write", a.dio_text));
  }
  s = ParseUnsigned("--max-ops", a.max_ops, 0, UINT64_MAX, &c.max_ops);
  if (!s.ok()) return s;
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

int Run(KernelArgs& a) {
  Status s = Convert(a);
  if (!s.ok()) return Fail(s);
  ReportOutput output;
  s = output.open(a.output, "--output");
  if (s.ok()) s = output.refuse_same_file(a.config.file_path, "--file");
  if (s.ok()) s = output.refuse_same_file(a.config.disk_path, "--disk");
  if (!s.ok()) return Fail(s);
  std::fprintf(stderr, "daxbreak kernel: scenario %s, file '%s', disk '%s', seed %llu\n",
               a.config.scenario.c_str(), a.config.file_path.c_str(), a.config.disk_path.c_str(),
               static_cast<unsigned long long>(a.config.seed));
  a.config.interrupt = InstallStopSignals();
  KernelReport report;
  const Status run = RunKernel(a.config, &report);
  if (!report.ran) return Fail(run);
  const std::string out = a.format == "json" ? report.to_json().dump(2) + "\n" : report.to_text();
  s = output.write(out);
  if (!s.ok()) return Fail(s);
  if (!run.ok()) std::fprintf(stderr, "daxbreak kernel: a worker met an error: %s\n", run.ToString().c_str());
  std::fflush(nullptr);
  return report.exit_code();
}

}  // namespace

CommandRunner AddKernelCommand(CLI::App& app) {
  auto args = std::make_shared<KernelArgs>();
  KernelConfig& c = args->config;
  auto* sub = app.add_subcommand("kernel", "Run the collision workload on this kernel's fs-dax mount, with the data checked");
  sub->add_option("--scenario", c.scenario, "collision (DIO against layout changes) or refault (a break asleep on a page faulted back in)")
      ->capture_default_str();
  sub->add_option("--file", c.file_path, "The victim file, on a DAX mount (ext4 or xfs -o dax); created if absent")
      ->capture_default_str();
  sub->add_flag("--force", c.force, "Overwrite --file/--disk even if they hold data daxbreak did not write");
  sub->add_option("--disk", c.disk_path, "The O_DIRECT source file, on a non-DAX file system")->capture_default_str();
  sub->add_option("--disk-size", args->disk_size_text, "Size of the disk file")->capture_default_str();
  sub->add_option("--threads", c.threads, "DIO threads")->check(CLI::Range(1, 64))->capture_default_str();
  sub->add_option("--dio", args->dio_text, "What the DIO threads do: read (disk into the mapping), write (mapping to disk) or read,write")
      ->capture_default_str();
  sub->add_option("--duration", args->duration_text, "How long to run: 500ms, 60s, 2m, 1h")->capture_default_str();
  sub->add_option("--max-ops", args->max_ops, "Stop after this many layout operations (0: no limit)")->capture_default_str();
  sub->add_option("--ops", args->ops_text, "Layout changes, comma-separated: " + LayoutOpList(kAllLayoutOps))
      ->capture_default_str();
  sub->add_option("--stall-timeout", args->stall_timeout_text,
                  "A layout change that makes no progress this long is a stall finding")
      ->capture_default_str();
  sub->add_flag("--stop-on-violation", c.stop_on_violation, "End the run at the first finding");
  sub->add_option("--seed", args->seed, "Seed of every random choice of the run (random by default; always printed)");
  sub->add_option("--queue-depth", c.queue_depth, "io_uring requests in flight per DIO thread")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  sub->add_option("--file-pages", c.victim_pages, "Pages of the mapped victim file")
      ->check(CLI::Range(2, 1024))
      ->capture_default_str();
  sub->add_option("--output-format", args->format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  sub->add_option("--output", args->output, "Write the report to FILE instead of stdout (opened before the run)");
  sub->add_option("--eta", args->eta, "Live status line on stderr: auto (on a terminal), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  return [args]() { return Run(*args); };
}

}  // namespace daxbreak::cli
