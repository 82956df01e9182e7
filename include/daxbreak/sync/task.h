// Task: the identity of a modeled thread (the kernel's task_struct, as far as
// daxbreak needs it): a name for reports and traces, and a pending-signal flag
// that interruptible waits (TASK_INTERRUPTIBLE) honour with EINTR.
//
// Thread-safety: name() and set_name() belong to the owning thread;
// signal_pending(), clear_signal() and send_signal() may be called from any.

#ifndef DAXBREAK_SYNC_TASK_H_
#define DAXBREAK_SYNC_TASK_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace daxbreak {

class Task {
 public:
  // The calling thread's task: the one SetCurrent() installed (a fiber's), or
  // else the OS thread's own, created on first use and named "thread-<id>",
  // which lives as long as the thread; pointers to it must not outlive that.
  static Task& current();
  // A task for a modeled thread that is not an OS thread (a fiber).
  static std::unique_ptr<Task> Create(std::string name);
  // Makes `task` what current() returns on the calling OS thread, until the
  // next call (nullptr: the thread's own again). The controlled scheduler
  // calls it at every fiber switch.
  static void SetCurrent(Task* task);

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  // A small process-unique number, in creation order.
  uint32_t id() const { return id_; }

  // The lock classes the task holds, outermost first (lockdep.h). Touched
  // only by the task itself.
  std::vector<const char*>& held_locks() { return held_locks_; }

  // Whether a signal is pending (signal_pending()).
  bool signal_pending() const { return sigpending_.load(std::memory_order_acquire); }
  // Forgets a pending signal, as its delivery on return to user space does.
  void clear_signal() { sigpending_.store(false, std::memory_order_release); }

 private:
  friend void send_signal(Task& task);
  explicit Task(uint32_t id);

  const uint32_t id_;
  std::string name_;
  std::atomic<bool> sigpending_{false};
  std::vector<const char*> held_locks_;
};

// Marks a signal pending on `task` and wakes it if it sleeps interruptibly
// (kernel: signal_wake_up()). Interruptible waits then return kInterrupted.
void send_signal(Task& task);

}  // namespace daxbreak

#endif  // DAXBREAK_SYNC_TASK_H_
