#include "option_types.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "daxbreak/base/size_parse.h"
#include "daxbreak/base/suggest.h"

namespace daxbreak::cli {
namespace {

bool EqualFolded(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// The options a parse could have meant: those of `app` and of the
// subcommands it parsed ("--seed", "-h").
std::vector<std::string> OptionNames(const CLI::App* app) {
  std::vector<std::string> names;
  std::vector<const CLI::App*> apps = {app};
  for (const CLI::App* sub : app->get_subcommands()) apps.push_back(sub);
  for (const CLI::App* a : apps) {
    for (const CLI::Option* opt : a->get_options()) {
      for (const std::string& l : opt->get_lnames()) names.push_back("--" + l);
      for (const std::string& s : opt->get_snames()) names.push_back("-" + s);
    }
  }
  return names;
}

// "unknown option '--sede'; did you mean '--seed'?" for the words CLI11
// could not place (ExtrasError lists them after the colon). When an option
// is among them the other words are taken for its value and not named.
std::string ExtrasMessage(const CLI::App* app, const std::string& what) {
  const size_t colon = what.find(": ");
  if (colon == std::string::npos) return what;
  std::istringstream words(what.substr(colon + 2));
  std::vector<std::string> options, others;
  for (std::string w; words >> w;) (w.size() > 1 && w[0] == '-' ? options : others).push_back(w);
  std::reverse(options.begin(), options.end());  // CLI11 lists them last first.
  std::reverse(others.begin(), others.end());
  const std::vector<std::string> names = OptionNames(app);
  std::string out;
  for (const std::string& w : options) {
    const std::string flag = w.substr(0, w.find('='));
    out += fmt::format("{}unknown option '{}'{}", out.empty() ? "" : "\ndaxbreak: ", flag, DidYouMean(flag, names));
  }
  if (!out.empty()) return out;
  for (const std::string& w : others) out += (out.empty() ? "'" : ", '") + w + "'";
  return "unexpected argument" + std::string(others.size() > 1 ? "s " : " ") + out;
}

}  // namespace

CLI::Validator SizeValue() {
  return CLI::Validator(
      [](std::string& text) {
        uint64_t bytes = 0;
        const Status s = ParseSize(text, &bytes);
        return s.ok() ? std::string() : s.message();
      },
      "SIZE", "size");
}

CLI::Validator DurationValue() {
  return CLI::Validator(
      [](std::string& text) {
        std::chrono::nanoseconds d{};
        const Status s = ParseDuration(text, &d);
        return s.ok() ? std::string() : s.message();
      },
      "DURATION", "duration");
}

CLI::Validator Choice(std::vector<std::string> names) {
  auto shared = std::make_shared<const std::vector<std::string>>(std::move(names));
  CLI::Validator v(
      [shared](std::string& text) {
        for (const std::string& n : *shared) {
          if (EqualFolded(n, text)) {
            text = n;
            return std::string();
          }
        }
        return fmt::format("'{}' is not one of {}{}", text, Join(*shared), DidYouMean(text, *shared));
      },
      "{" + Join(*shared) + "}", "choice");
  return v;
}

void RefuseEmptyValues(CLI::App& app) {
  const CLI::Validator non_empty(
      [](std::string& text) { return text.empty() ? std::string("an empty value is not allowed") : std::string(); },
      "", "non-empty");
  const auto visit = [&](CLI::App* a) {
    for (CLI::Option* opt : a->get_options([](const CLI::Option* o) { return o->get_type_size_max() > 0; })) {
      // transform() puts it first, so that its message and not a parser's
      // names the fault; it changes nothing.
      opt->transform(non_empty);
    }
  };
  visit(&app);
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) visit(sub);
}

void InstallFailureMessage(CLI::App& app) {
  app.failure_message([](const CLI::App* a, const CLI::Error& e) {
    std::string what = e.what();
    if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) what = ExtrasMessage(a, what);
    return "daxbreak: " + what + "\n";
  });
}

std::string UnknownSubcommand(const std::string& typed, const std::vector<std::string>& names) {
  if (typed.empty()) return fmt::format("a subcommand is required (choose from {})", Join(names));
  return fmt::format("unknown subcommand '{}' (choose from {}){}", typed, Join(names), DidYouMean(typed, names));
}

}  // namespace daxbreak::cli
