// The daxbreak subcommands. Each Add*Command registers its options on `app`
// and returns a runner the main function calls after parsing succeeded.

#ifndef DAXBREAK_TOOLS_DAXBREAK_COMMANDS_H_
#define DAXBREAK_TOOLS_DAXBREAK_COMMANDS_H_

#include <functional>

#include <CLI/CLI.hpp>

namespace daxbreak::cli {

// A parsed subcommand's body; returns the process exit code.
using CommandRunner = std::function<int()>;

CommandRunner AddStressCommand(CLI::App& app);
CommandRunner AddListCommand(CLI::App& app);
CommandRunner AddExploreCommand(CLI::App& app);
CommandRunner AddReplayCommand(CLI::App& app);
CommandRunner AddMergeCommand(CLI::App& app);
CommandRunner AddInfoCommand(CLI::App& app);
CommandRunner AddRunCommand(CLI::App& app);
CommandRunner AddKernelCommand(CLI::App& app);
CommandRunner AddOopsCommand(CLI::App& app);

}  // namespace daxbreak::cli

#endif  // DAXBREAK_TOOLS_DAXBREAK_COMMANDS_H_
