#include "cli_util.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

namespace daxbreak::cli {

int Fail(const std::string& message) {
  std::fprintf(stderr, "daxbreak: %s\n", message.c_str());
  return kExitUsage;
}

int Fail(const Status& status) { return Fail(status.message()); }

Status ParseProtocolOption(const std::string& text, const ProtocolTraits** out) {
  const ProtocolTraits* protocol = FindProtocol(text);
  if (protocol == nullptr) {
    return Status::InvalidArgument(
        fmt::format("--protocol: unknown protocol '{}' (choose from {})", text, ProtocolNameList()));
  }
  *out = protocol;
  return Status::Ok();
}

Status ParseTlbFlushOption(const std::string& text, TlbFlushMode* out) {
  const auto mode = ParseTlbFlushMode(text);
  if (!mode) {
    return Status::InvalidArgument(
        fmt::format("--tlb-flush: unknown mode '{}' (choose from ipi, broadcast)", text));
  }
  *out = *mode;
  return Status::Ok();
}

Status ParseUnsigned(const std::string& option, const std::string& text, uint64_t min, uint64_t max,
                     uint64_t* out) {
  uint64_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || v < min || v > max) {
    return Status::InvalidArgument(fmt::format("{}: '{}' is not a whole number in {}..{}", option, text, min, max));
  }
  *out = v;
  return Status::Ok();
}

Status WriteOutput(const std::string& path, const std::string& text) {
  if (path.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return Status::Ok();
  }
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::IoError(fmt::format("--output: cannot write '{}'", path));
  return Status::Ok();
}

}  // namespace daxbreak::cli
