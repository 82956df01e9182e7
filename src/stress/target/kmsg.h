// The kernel log during a kernel-mode run: /dev/kmsg read from the end it
// had when the run started, so only what the run provoked is seen.
//
// Thread-safety: KmsgWatch belongs to one thread.

#ifndef DAXBREAK_SRC_STRESS_TARGET_KMSG_H_
#define DAXBREAK_SRC_STRESS_TARGET_KMSG_H_

#include <string>
#include <string_view>
#include <vector>

namespace daxbreak {

// Whether one log message (the text after /dev/kmsg's "prio,seq,ts,flags;"
// prefix) is a kernel warning: "WARNING:", "BUG:", "kernel BUG", "Oops",
// "general protection fault", or a hung-task report ("INFO: task ... blocked").
bool IsKernelWarning(std::string_view message);

// "6,1234,5678,-;EXT4-fs ..." -> "EXT4-fs ...".
std::string_view KmsgMessage(std::string_view record);

class KmsgWatch {
 public:
  KmsgWatch() = default;
  ~KmsgWatch();
  KmsgWatch(const KmsgWatch&) = delete;
  KmsgWatch& operator=(const KmsgWatch&) = delete;

  // Opens /dev/kmsg at its end. Returns false when it is not readable (not
  // root, or dmesg_restrict): the run then says it could not watch.
  bool open();
  bool is_open() const { return fd_ >= 0; }
  // The messages logged since open() (or the last call) that IsKernelWarning().
  std::vector<std::string> read_warnings();

 private:
  int fd_ = -1;
};

}  // namespace daxbreak

#endif  // DAXBREAK_SRC_STRESS_TARGET_KMSG_H_
