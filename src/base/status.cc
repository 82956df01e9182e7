#include "daxbreak/base/status.h"

#include <cerrno>
#include <cstring>
#include <cstdlib>

#include <fmt/format.h>

namespace daxbreak {

Status Status::FromErrno(int err, std::string_view context) {
  const int e = std::abs(err);
  std::string msg = fmt::format("{}: {}", context, std::strerror(e));
  switch (e) {
    case EINVAL: return InvalidArgument(std::move(msg));
    case ENOENT: return NotFound(std::move(msg));
    case EEXIST: return Exists(std::move(msg));
    case ENOSPC: return NoSpace(std::move(msg));
    case EINTR: return Interrupted(std::move(msg));
    case EOPNOTSUPP: return NotSupported(std::move(msg));
    case EFAULT: return Fault(std::move(msg));
    case EFBIG: return TooBig(std::move(msg));
    default: return IoError(std::move(msg));
  }
}

int Status::err() const {
  switch (code_) {
    case StatusCode::kOk: return 0;
    case StatusCode::kInvalidArgument: return EINVAL;
    case StatusCode::kNotFound: return ENOENT;
    case StatusCode::kExists: return EEXIST;
    case StatusCode::kNoSpace: return ENOSPC;
    case StatusCode::kInterrupted: return EINTR;
    case StatusCode::kNotSupported: return EOPNOTSUPP;
    case StatusCode::kFault: return EFAULT;
    case StatusCode::kTooBig: return EFBIG;
    case StatusCode::kIoError: return EIO;
    case StatusCode::kRefused: return EPERM;
    case StatusCode::kEnvironment: return ENODEV;
  }
  return EIO;
}

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kNotFound: return "not found";
    case StatusCode::kExists: return "exists";
    case StatusCode::kNoSpace: return "no space";
    case StatusCode::kInterrupted: return "interrupted";
    case StatusCode::kNotSupported: return "not supported";
    case StatusCode::kFault: return "fault";
    case StatusCode::kTooBig: return "file too big";
    case StatusCode::kIoError: return "I/O error";
    case StatusCode::kRefused: return "refused";
    case StatusCode::kEnvironment: return "environment";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return fmt::format("{}: {}", StatusCodeName(code_), message_);
}

}  // namespace daxbreak
