#include "daxbreak/sync/fiber.h"

#include <sys/mman.h>

#include <cstdlib>
#include <exception>
#include <new>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DAXBREAK_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define DAXBREAK_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define DAXBREAK_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define DAXBREAK_TSAN 1
#endif

#if defined(DAXBREAK_ASAN)
#include <sanitizer/asan_interface.h>
#endif
#if defined(DAXBREAK_TSAN)
#include <sanitizer/tsan_interface.h>
#endif

namespace daxbreak {
namespace {

// A guard page below each stack, so that an overflow faults instead of
// writing into a neighbour.
constexpr size_t kGuard = 4096;

// Hands the fiber's own stack to boost::context::fiber.
struct OwnStack {
  void* map;
  size_t bytes;
  boost::context::stack_context allocate() {
    boost::context::stack_context sctx;
    sctx.size = bytes - kGuard;
    sctx.sp = static_cast<char*>(map) + bytes;  // Stacks grow down.
    return sctx;
  }
  void deallocate(boost::context::stack_context&) noexcept {}  // The Fiber unmaps it.
};

}  // namespace

Fiber::Fiber(size_t stack_bytes) : stack_map_bytes_(stack_bytes + kGuard) {
  stack_map_ = mmap(nullptr, stack_map_bytes_, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack_map_ == MAP_FAILED) throw std::bad_alloc();
  mprotect(stack_map_, kGuard, PROT_NONE);
  stack_bottom_ = static_cast<char*>(stack_map_) + kGuard;
  stack_size_ = stack_bytes;
  ctx_ = boost::context::fiber(std::allocator_arg, OwnStack{stack_map_, stack_map_bytes_},
                               [this](boost::context::fiber&& caller) {
                                 caller_ = std::move(caller);
                                 after_switch(/*in_fiber=*/true);
                                 loop();
                                 before_switch(/*to_fiber=*/false, /*exiting=*/true);
                                 return std::move(caller_);
                               });
#if defined(DAXBREAK_TSAN)
  tsan_fiber_ = __tsan_create_fiber(0);
#endif
}

Fiber::~Fiber() {
  // The loop ends on its own (no forced unwinding, which would run on the
  // fiber's stack unannounced to the sanitizers); then the stack goes.
  stop_ = true;
  resume();
#if defined(DAXBREAK_TSAN)
  __tsan_destroy_fiber(tsan_fiber_);
#endif
  munmap(stack_map_, stack_map_bytes_);
}

void Fiber::loop() {
  while (!stop_) {
    body_();  // Must not throw: the scheduler catches its own unwinding.
    body_ = nullptr;
    finished_ = true;
    suspend();
  }
}

void Fiber::resume() {
  before_switch(/*to_fiber=*/true, /*exiting=*/false);
  ctx_ = std::move(ctx_).resume();
  after_switch(/*in_fiber=*/false);
}

void Fiber::suspend() {
  before_switch(/*to_fiber=*/false, /*exiting=*/false);
  caller_ = std::move(caller_).resume();
  after_switch(/*in_fiber=*/true);
}

void Fiber::before_switch(bool to_fiber, bool exiting) {
#if defined(DAXBREAK_TSAN)
  if (to_fiber) tsan_main_ = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(to_fiber ? tsan_fiber_ : tsan_main_, 0);
#endif
#if defined(DAXBREAK_ASAN)
  if (to_fiber) {
    __sanitizer_start_switch_fiber(&main_fake_stack_, stack_bottom_, stack_size_);
  } else {
    __sanitizer_start_switch_fiber(exiting ? nullptr : &fake_stack_, main_bottom_, main_size_);
  }
#endif
  (void)to_fiber;
  (void)exiting;
}

void Fiber::after_switch(bool in_fiber) {
#if defined(DAXBREAK_ASAN)
  if (in_fiber) {
    __sanitizer_finish_switch_fiber(fake_stack_, &main_bottom_, &main_size_);
  } else {
    __sanitizer_finish_switch_fiber(main_fake_stack_, nullptr, nullptr);
  }
#endif
  (void)in_fiber;
}

Fiber* FiberPool::acquire(std::function<void()> body) {
  Fiber* f = nullptr;
  if (!idle_.empty()) {
    f = idle_.back();
    idle_.pop_back();
  } else {
    all_.push_back(std::unique_ptr<Fiber>(new Fiber(stack_bytes_)));
    f = all_.back().get();
  }
  f->body_ = std::move(body);
  f->finished_ = false;
  return f;
}

void FiberPool::release(Fiber* fiber) {
  if (!fiber->finished()) std::terminate();  // Its body's objects would never be destroyed.
  idle_.push_back(fiber);
}

}  // namespace daxbreak
