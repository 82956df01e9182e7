// Clang thread-safety annotations (-Wthread-safety), as in leveldb's
// port/thread_annotations.h and absl/base/thread_annotations.h. They expand to
// nothing on compilers without the analysis (g++).
//
// Thread-safety: macros only; they state the locking rules of the code they
// annotate and add no synchronization.

#ifndef DAXBREAK_SYNC_THREAD_ANNOTATIONS_H_
#define DAXBREAK_SYNC_THREAD_ANNOTATIONS_H_

#if defined(__clang__)
#define DAXBREAK_TSA(x) __attribute__((x))
#else
#define DAXBREAK_TSA(x)
#endif

#define CAPABILITY(x) DAXBREAK_TSA(capability(x))
#define SCOPED_CAPABILITY DAXBREAK_TSA(scoped_lockable)
#define GUARDED_BY(x) DAXBREAK_TSA(guarded_by(x))
#define PT_GUARDED_BY(x) DAXBREAK_TSA(pt_guarded_by(x))
#define ACQUIRED_BEFORE(...) DAXBREAK_TSA(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) DAXBREAK_TSA(acquired_after(__VA_ARGS__))
#define REQUIRES(...) DAXBREAK_TSA(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) DAXBREAK_TSA(requires_shared_capability(__VA_ARGS__))
#define ACQUIRE(...) DAXBREAK_TSA(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) DAXBREAK_TSA(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) DAXBREAK_TSA(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) DAXBREAK_TSA(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) DAXBREAK_TSA(release_generic_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) DAXBREAK_TSA(try_acquire_capability(__VA_ARGS__))
#define EXCLUDES(...) DAXBREAK_TSA(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) DAXBREAK_TSA(assert_capability(x))
#define ASSERT_SHARED_CAPABILITY(x) DAXBREAK_TSA(assert_shared_capability(x))
#define RETURN_CAPABILITY(x) DAXBREAK_TSA(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS DAXBREAK_TSA(no_thread_safety_analysis)

#endif  // DAXBREAK_SYNC_THREAD_ANNOTATIONS_H_
