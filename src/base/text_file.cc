#include "daxbreak/base/text_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

namespace daxbreak {

Status WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::IoError(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
  return Status::Ok();
}

}  // namespace daxbreak
