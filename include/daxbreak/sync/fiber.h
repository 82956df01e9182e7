// Fiber: a stackful coroutine on Boost.Context (boost::context::fiber), the
// unit explore mode runs a modeled thread on: the controlled scheduler runs
// every modeled thread of a schedule as a fiber on one OS thread and switches
// between them at scheduling points, with no OS thread, semaphore or kernel
// call per switch.
//
// Sanitizers see the switches: under AddressSanitizer each switch is
// announced with __sanitizer_start_switch_fiber / _finish_switch_fiber, and
// under ThreadSanitizer each fiber is a TSan fiber (__tsan_create_fiber,
// __tsan_switch_to_fiber with synchronization, so the scheduler's hand-offs
// order the fibers' accesses as the controlled run does).
//
// Stacks come from a FiberStackPool and go back to it, so a search that runs
// a million schedules allocates a handful of stacks.
//
// Thread-safety: a Fiber and its pool belong to one OS thread: resume() from
// the thread's main context, suspend() from inside the fiber.

#ifndef DAXBREAK_SYNC_FIBER_H_
#define DAXBREAK_SYNC_FIBER_H_

#include <cstddef>
#include <functional>
#include <vector>

#include <boost/context/fiber.hpp>

namespace daxbreak {

// Stacks of `stack_bytes` bytes, reused.
class FiberStackPool {
 public:
  explicit FiberStackPool(size_t stack_bytes = 256 * 1024) : stack_bytes_(stack_bytes) {}
  ~FiberStackPool();
  FiberStackPool(const FiberStackPool&) = delete;
  FiberStackPool& operator=(const FiberStackPool&) = delete;

  boost::context::stack_context allocate();
  void deallocate(boost::context::stack_context& sctx);
  // Stacks allocated in all (in use or free).
  size_t stacks() const { return allocated_; }

 private:
  const size_t stack_bytes_;
  std::vector<void*> free_;  // Stack bottoms.
  size_t allocated_ = 0;
};

class Fiber {
 public:
  // A fiber that will run `body` on a stack of `pool` when first resumed.
  Fiber(FiberStackPool* pool, std::function<void()> body);
  // The fiber must have finished (its body returned).
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // From the main context: runs the fiber until it calls suspend() or its
  // body returns.
  void resume();
  // From inside the fiber: back to the context that resumed it; returns
  // when the fiber is resumed again.
  void suspend();
  bool finished() const { return finished_; }

 private:
  // Sanitizer bookkeeping around a switch (no-ops without sanitizers).
  void before_switch(bool to_fiber, bool exiting);
  void after_switch(bool in_fiber);

  std::function<void()> body_;
  boost::context::fiber ctx_;     // The fiber, while suspended (main side).
  boost::context::fiber caller_;  // The main context, while the fiber runs.
  bool finished_ = false;
  // Stack of the fiber and of the main context, for AddressSanitizer.
  const void* stack_bottom_ = nullptr;
  size_t stack_size_ = 0;
  const void* main_bottom_ = nullptr;
  size_t main_size_ = 0;
  void* fake_stack_ = nullptr;       // The fiber's saved fake stack.
  void* main_fake_stack_ = nullptr;  // The main context's saved fake stack.
  // ThreadSanitizer fibers.
  void* tsan_fiber_ = nullptr;
  void* tsan_main_ = nullptr;
};

}  // namespace daxbreak

#endif  // DAXBREAK_SYNC_FIBER_H_
