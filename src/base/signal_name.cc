#include "daxbreak/base/signal_name.h"

#include <signal.h>
#include <string.h>

#include <charconv>

#include <fmt/format.h>

namespace daxbreak {

std::string SignalName(int signo) {
  const char* abbrev = sigabbrev_np(signo);
  return abbrev != nullptr ? fmt::format("SIG{}", abbrev) : fmt::format("SIG{}", signo);
}

int ParseSignalName(std::string_view name) {
  if (name.substr(0, 3) != "SIG") return 0;
  for (int signo = 1; signo < NSIG; ++signo) {
    if (SignalName(signo) == name) return signo;
  }
  int signo = 0;
  const std::string_view digits = name.substr(3);
  const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), signo);
  return r.ec == std::errc() && r.ptr == digits.data() + digits.size() ? signo : 0;
}

}  // namespace daxbreak
