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

}  // namespace daxbreak

#endif  // DAXBREAK_BASE_TEXT_FILE_H_
