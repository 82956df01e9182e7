// Fiber: a stackful coroutine on Boost.Context (boost::context::fiber), the
// unit explore mode runs a modeled thread on: the controlled scheduler runs
// every modeled thread of a schedule as a fiber on one OS thread and switches
// between them at scheduling points, with no OS thread, semaphore or kernel
// call per switch.
//
// Fibers are reused: a FiberPool keeps each fiber's context and stack alive
// between bodies (a fiber loops: run a body, report it finished, wait for the
// next), so a search that runs a million schedules creates a handful of
// fibers.
//
// Sanitizers see the switches: under AddressSanitizer each switch is
// announced with __sanitizer_start_switch_fiber / _finish_switch_fiber, and
// under ThreadSanitizer each fiber is a TSan fiber (__tsan_create_fiber,
// __tsan_switch_to_fiber with synchronization, so the scheduler's hand-offs
// order the fibers' accesses as the controlled run does).
//
// Thread-safety: a pool and its fibers belong to one OS thread: resume() from
// the thread's main context, suspend() from inside the fiber.

#ifndef DAXBREAK_SYNC_FIBER_H_
#define DAXBREAK_SYNC_FIBER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include <boost/context/fiber.hpp>

namespace daxbreak {

class FiberPool;

class Fiber {
 public:
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // From the main context: runs the fiber's body until it calls suspend() or
  // returns.
  void resume();
  // From inside the fiber: back to the context that resumed it; returns
  // when the fiber is resumed again.
  void suspend();
  // Whether the body has returned (the fiber is idle).
  bool finished() const { return finished_; }

 private:
  friend class FiberPool;
  explicit Fiber(size_t stack_bytes);
  // The fiber's life: run a body, mark it finished, wait for the next,
  // until stop_.
  void loop();
  // Sanitizer bookkeeping around a switch (no-ops without sanitizers);
  // `exiting`: the fiber's last switch.
  void before_switch(bool to_fiber, bool exiting);
  void after_switch(bool in_fiber);

  std::function<void()> body_;
  bool finished_ = true;
  bool stop_ = false;  // Set by the destructor: the loop returns.
  boost::context::fiber ctx_;     // The fiber, while suspended (main side).
  boost::context::fiber caller_;  // The main context, while the fiber runs.
  // Stack of the fiber and of the main context, for AddressSanitizer (the
  // sanitizer fields are used only in sanitizer builds).
  void* stack_map_ = nullptr;     // The mapping: guard page, then the stack.
  size_t stack_map_bytes_ = 0;
  const void* stack_bottom_ = nullptr;
  size_t stack_size_ = 0;
  [[maybe_unused]] const void* main_bottom_ = nullptr;
  [[maybe_unused]] size_t main_size_ = 0;
  [[maybe_unused]] void* fake_stack_ = nullptr;       // The fiber's saved fake stack.
  [[maybe_unused]] void* main_fake_stack_ = nullptr;  // The main context's saved fake stack.
  // ThreadSanitizer fibers.
  [[maybe_unused]] void* tsan_fiber_ = nullptr;
  [[maybe_unused]] void* tsan_main_ = nullptr;
};

// Idle fibers with stacks of `stack_bytes` bytes.
class FiberPool {
 public:
  explicit FiberPool(size_t stack_bytes = 256 * 1024) : stack_bytes_(stack_bytes) {}
  FiberPool(const FiberPool&) = delete;
  FiberPool& operator=(const FiberPool&) = delete;

  // An idle fiber that runs `body` when next resumed.
  Fiber* acquire(std::function<void()> body);
  // Gives back a fiber whose body has finished.
  void release(Fiber* fiber);
  // Fibers made in all (in use or idle).
  size_t size() const { return all_.size(); }

 private:
  const size_t stack_bytes_;
  std::vector<std::unique_ptr<Fiber>> all_;
  std::vector<Fiber*> idle_;
};

}  // namespace daxbreak

#endif  // DAXBREAK_SYNC_FIBER_H_
