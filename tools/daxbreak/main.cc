// daxbreak: a testbed for the Linux fs-dax layout-breaking protocol.
// Exit codes: 0 clean, 1 findings, 2 usage or environment error (or a worker's
// error, or the run's files cut under it), 3 a stress run that exercised
// nothing, 129/130/143 stopped by SIGHUP/SIGINT/SIGTERM.

#include <cstdio>
#include <string_view>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli_util.h"
#include "commands.h"
#include "option_types.h"
#include "daxbreak/base/report_sink.h"
#include "daxbreak/version.h"

int main(int argc, char** argv) {
  // The library's status lines and last words go to stderr.
  daxbreak::SetReportSink([](std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
  });
  CLI::App app{"daxbreak: reproduce and check the fs-dax layout-breaking protocol"};
  // "daxbreak 0.9.0 (commit 1a2b3c4d5e6f, Release build)": the values CMake
  // found when it configured this build (version.h.in).
  app.set_version_flag("--version", fmt::format("daxbreak {} (commit {}, {} build)", DAXBREAK_VERSION,
                                                DAXBREAK_GIT_COMMIT, DAXBREAK_BUILD_TYPE));
  daxbreak::cli::InstallFailureMessage(app);
  app.require_subcommand(1);
  // A repeated option takes its last value, as in fio and most tools.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  std::vector<std::pair<std::string, daxbreak::cli::CommandRunner>> runners;
  runners.emplace_back("stress", daxbreak::cli::AddStressCommand(app));
  runners.emplace_back("explore", daxbreak::cli::AddExploreCommand(app));
  runners.emplace_back("replay", daxbreak::cli::AddReplayCommand(app));
  runners.emplace_back("merge", daxbreak::cli::AddMergeCommand(app));
  runners.emplace_back("list", daxbreak::cli::AddListCommand(app));
  runners.emplace_back("run", daxbreak::cli::AddRunCommand(app));
  runners.emplace_back("info", daxbreak::cli::AddInfoCommand(app));
  runners.emplace_back("kernel", daxbreak::cli::AddKernelCommand(app));
  runners.emplace_back("oops", daxbreak::cli::AddOopsCommand(app));
  daxbreak::cli::RefuseEmptyValues(app);
  // CLI11 would only say "A subcommand is required"; name what was typed.
  std::vector<std::string> names;
  bool known = false;
  for (const auto& [name, run] : runners) {
    names.push_back(name);
    known |= argc > 1 && name == argv[1];
  }
  if (argc == 1) return daxbreak::cli::Fail(daxbreak::cli::UnknownSubcommand("", names));
  if (argc > 1 && argv[1][0] != '-' && !known) {
    return daxbreak::cli::Fail(daxbreak::cli::UnknownSubcommand(argv[1], names));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : daxbreak::cli::kExitUsage;
  }
  for (auto& [name, run] : runners) {
    if (app.got_subcommand(name)) return run();
  }
  return daxbreak::cli::kExitUsage;
}
