#include "daxbreak/sync/fiber.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>
#include <exception>

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

// Hands the pool's stacks to boost::context::fiber, and tells the fiber
// where its stack is (for AddressSanitizer).
struct PoolAllocator {
  FiberStackPool* pool;
  const void** bottom;
  size_t* size;
  boost::context::stack_context allocate() {
    boost::context::stack_context sctx = pool->allocate();
    *bottom = static_cast<char*>(sctx.sp) - sctx.size;
    *size = sctx.size;
    return sctx;
  }
  void deallocate(boost::context::stack_context& sctx) noexcept { pool->deallocate(sctx); }
};

}  // namespace

// Each stack is mapped with a guard page below it, so an overflow faults
// instead of writing into a neighbour.
constexpr size_t kGuard = 4096;

FiberStackPool::~FiberStackPool() {
  for (void* bottom : free_) munmap(static_cast<char*>(bottom) - kGuard, stack_bytes_ + kGuard);
}

boost::context::stack_context FiberStackPool::allocate() {
  void* bottom = nullptr;
  if (!free_.empty()) {
    bottom = free_.back();
    free_.pop_back();
  } else {
    void* map = mmap(nullptr, stack_bytes_ + kGuard, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (map == MAP_FAILED) throw std::bad_alloc();
    mprotect(map, kGuard, PROT_NONE);
    bottom = static_cast<char*>(map) + kGuard;
    ++allocated_;
  }
  boost::context::stack_context sctx;
  sctx.size = stack_bytes_;
  sctx.sp = static_cast<char*>(bottom) + stack_bytes_;  // Stacks grow down.
  return sctx;
}

void FiberStackPool::deallocate(boost::context::stack_context& sctx) {
  free_.push_back(static_cast<char*>(sctx.sp) - sctx.size);
}

Fiber::Fiber(FiberStackPool* pool, std::function<void()> body) : body_(std::move(body)) {
  PoolAllocator alloc{pool, &stack_bottom_, &stack_size_};
  ctx_ = boost::context::fiber(std::allocator_arg, alloc, [this](boost::context::fiber&& caller) {
    caller_ = std::move(caller);
    after_switch(/*in_fiber=*/true);
    body_();  // Must not throw: the scheduler catches its own unwinding.
    finished_ = true;
    before_switch(/*to_fiber=*/false, /*exiting=*/true);
    return std::move(caller_);
  });
#if defined(DAXBREAK_TSAN)
  tsan_fiber_ = __tsan_create_fiber(0);
#endif
}

Fiber::~Fiber() {
#if defined(DAXBREAK_TSAN)
  if (tsan_fiber_ != nullptr) __tsan_destroy_fiber(tsan_fiber_);
#endif
  if (!finished_) std::terminate();  // A suspended fiber would leak its stack's objects.
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

}  // namespace daxbreak
