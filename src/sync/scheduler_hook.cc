#include "daxbreak/sync/scheduler_hook.h"

namespace daxbreak {

namespace sync_internal {
thread_local SchedulerHook* tls_scheduler_hook = nullptr;
}  // namespace sync_internal

void set_current_scheduler_hook(SchedulerHook* hook) {
  sync_internal::tls_scheduler_hook = hook;
}

std::string_view SyncOpName(SyncOp op) {
  switch (op) {
    case SyncOp::kLock: return "lock";
    case SyncOp::kUnlock: return "unlock";
    case SyncOp::kLockShared: return "lock_shared";
    case SyncOp::kUnlockShared: return "unlock_shared";
    case SyncOp::kWait: return "wait";
    case SyncOp::kWake: return "wake";
    case SyncOp::kAtomicLoad: return "load";
    case SyncOp::kAtomicStore: return "store";
    case SyncOp::kAtomicRmw: return "rmw";
    case SyncOp::kSyncPoint: return "sync_point";
    case SyncOp::kSnapshot: return "snapshot";
  }
  return "?";
}

}  // namespace daxbreak
