// Text from outside (a path, a file name, an error that quotes one) made safe
// to print on a terminal: a path may hold an escape sequence (ESC [ ... ) that
// would otherwise move the cursor, recolour or retitle the terminal of whoever
// reads the message. Every message that names a path goes out through
// Printable() (cli::Fail() applies it to the whole message, and the text
// reports to theirs), so one function decides what reaches the terminal.
//
// Thread-safety: pure function.

#ifndef DAXBREAK_BASE_PRINTABLE_H_
#define DAXBREAK_BASE_PRINTABLE_H_

#include <string>
#include <string_view>

namespace daxbreak {

// `text` with every control byte (0x00-0x1f and 0x7f; newline and tab kept)
// and every byte that is not part of valid UTF-8 written as \xNN. Other
// bytes, backslashes included, are kept: valid UTF-8 text without control
// bytes (a JSON document among them) comes back unchanged.
std::string Printable(std::string_view text);

}  // namespace daxbreak

#endif  // DAXBREAK_BASE_PRINTABLE_H_
