// Whole-file writes of text (reports, summaries, JUnit files).
//
// Thread-safety: thread-safe for different paths.

#ifndef DAXBREAK_BASE_TEXT_FILE_H_
#define DAXBREAK_BASE_TEXT_FILE_H_

#include <string>

#include "daxbreak/base/status.h"

namespace daxbreak {

// Replaces the contents of `path` with `text` (created with mode 0666 minus
// the umask if absent). Errors: kIoError naming the path and the errno.
Status WriteTextFile(const std::string& path, const std::string& text);

// Reads the whole regular file `path` into `text`. The path is opened
// without blocking and refused unless it is a regular file, so that a
// directory, a FIFO or a device never hangs or aborts the reader. Errors:
// kInvalidArgument (not a regular file: "is a directory", "is a FIFO", ...),
// kIoError naming the path and the errno.
Status ReadTextFile(const std::string& path, std::string* text);

}  // namespace daxbreak

#endif  // DAXBREAK_BASE_TEXT_FILE_H_
