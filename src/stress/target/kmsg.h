// The kernel log during a kernel-target run: /dev/kmsg read from the end it
// had when the run started, so only what the run provoked is seen.
//
// Thread-safety: KmsgWatch belongs to one thread.

#ifndef DAXBREAK_SRC_STRESS_TARGET_KMSG_H_
#define DAXBREAK_SRC_STRESS_TARGET_KMSG_H_

#include <string>
#include <vector>

namespace daxbreak {

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
  // The records logged since open() (or the last call), each as /dev/kmsg
  // gives it ("prio,seq,ts,flags;message"; stress/kernel_log.h reads them).
  std::vector<std::string> read_records();

 private:
  int fd_ = -1;
};

}  // namespace daxbreak

#endif  // DAXBREAK_SRC_STRESS_TARGET_KMSG_H_
