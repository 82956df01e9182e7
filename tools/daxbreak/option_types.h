// The kinds of option value daxbreak takes, as CLI11 validators and
// transformers, and the one place CLI11's errors are worded: every option
// that takes a value refuses an empty one, sizes and durations are checked
// by base/size_parse.h as they are parsed, choices match in any case and
// name the closest choice when none matches, and every parse error is
// printed as "daxbreak: <message>" (exit 2, kExitUsage).

#ifndef DAXBREAK_TOOLS_DAXBREAK_OPTION_TYPES_H_
#define DAXBREAK_TOOLS_DAXBREAK_OPTION_TYPES_H_

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace daxbreak::cli {

// A byte count as ParseSize() reads it ("64M" = "64MiB" = 2^26, "64MB" =
// 64 * 10^6); the text is left as typed.
CLI::Validator SizeValue();

// A duration as ParseDuration() reads it ("250us", "60s", "2m"); the text
// is left as typed.
CLI::Validator DurationValue();

// One of `names`, in any case; the value becomes the name as spelt in
// `names` ("JSON" -> "json"). A value that matches none is refused naming
// the choices and the closest one.
CLI::Validator Choice(std::vector<std::string> names);

// Adds a validator refusing "" to every option of `app` and of its
// subcommands that takes a value (flags excepted), so that `--seed ''` is an
// error and not "--seed not given". Call after all options are added.
void RefuseEmptyValues(CLI::App& app);

// Makes `app` (and the subcommands added after this call) word its parse
// errors as "daxbreak: <message>", with "did you mean" for an unknown option
// or subcommand.
void InstallFailureMessage(CLI::App& app);

// The message for an unknown subcommand `typed` (none when it is ""),
// naming `names` and the closest of them.
std::string UnknownSubcommand(const std::string& typed, const std::vector<std::string>& names);

}  // namespace daxbreak::cli

#endif  // DAXBREAK_TOOLS_DAXBREAK_OPTION_TYPES_H_
