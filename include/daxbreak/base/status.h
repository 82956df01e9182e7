// Status: the result of an operation that can fail, in the style of leveldb's
// Status. daxbreak reports errors as values, never as exceptions, so that a
// modeled kernel path returns exactly what its kernel function would (an errno).
//
// Thread-safety: a Status is an immutable value; copies may be used from any
// thread.

#ifndef DAXBREAK_BASE_STATUS_H_
#define DAXBREAK_BASE_STATUS_H_

#include <string>
#include <string_view>
#include <utility>

namespace daxbreak {

// The error classes daxbreak distinguishes. Each maps to the errno the modeled
// kernel path returns (see Status::err()).
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // EINVAL: a bad parameter (size, offset, range, name).
  kNotFound,         // ENOENT: no such file in the modeled file system.
  kExists,           // EEXIST: the name is taken.
  kNoSpace,          // ENOSPC: the block allocator is empty.
  kInterrupted,      // EINTR: an interruptible wait saw a pending signal.
  kNotSupported,     // EOPNOTSUPP: e.g. a FOLL_LONGTERM pin of an fs-dax VMA.
  kFault,            // EFAULT / SIGBUS: access beyond EOF or to no mapping.
  kTooBig,           // EFBIG: the result would pass the largest file size.
  kIoError,          // EIO: the backing device or io_uring failed.
  kRefused,          // A path holds data daxbreak did not write (no --force).
  kEnvironment,      // The machine cannot run this (no O_DIRECT, no io_uring).
};

class [[nodiscard]] Status {
 public:
  // An OK status.
  Status() = default;

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status Exists(std::string msg) { return {StatusCode::kExists, std::move(msg)}; }
  static Status NoSpace(std::string msg) { return {StatusCode::kNoSpace, std::move(msg)}; }
  static Status Interrupted(std::string msg) { return {StatusCode::kInterrupted, std::move(msg)}; }
  static Status NotSupported(std::string msg) { return {StatusCode::kNotSupported, std::move(msg)}; }
  static Status Fault(std::string msg) { return {StatusCode::kFault, std::move(msg)}; }
  static Status TooBig(std::string msg) { return {StatusCode::kTooBig, std::move(msg)}; }
  static Status IoError(std::string msg) { return {StatusCode::kIoError, std::move(msg)}; }
  static Status Refused(std::string msg) { return {StatusCode::kRefused, std::move(msg)}; }
  static Status Environment(std::string msg) { return {StatusCode::kEnvironment, std::move(msg)}; }

  // An error built from a negative or positive errno value `err` (as
  // io_uring's cqe->res or a syscall gives it) and a context message.
  static Status FromErrno(int err, std::string_view context);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // The positive errno the modeled kernel path would return: 0 for OK,
  // EINVAL, ENOENT, EEXIST, ENOSPC, EINTR, EOPNOTSUPP, EFAULT, EFBIG, EIO, EPERM
  // (refused), ENODEV (environment).
  int err() const;

  // "OK" or "<code name>: <message>".
  std::string ToString() const;

 private:
  Status(StatusCode code, std::string msg) : code_(code), message_(std::move(msg)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A short lower-case name of `code`, e.g. "interrupted".
std::string_view StatusCodeName(StatusCode code);

}  // namespace daxbreak

#endif  // DAXBREAK_BASE_STATUS_H_
