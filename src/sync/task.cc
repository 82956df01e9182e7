#include "daxbreak/sync/task.h"

#include <memory>

#include "daxbreak/sync/scheduler_hook.h"
#include "daxbreak/sync/wait_var.h"

namespace daxbreak {
namespace {

std::atomic<uint32_t> g_next_task_id{1};
thread_local Task* tls_current_override = nullptr;

}  // namespace

Task::Task(uint32_t id) : id_(id), name_("thread-" + std::to_string(id)) {}

std::unique_ptr<Task> Task::Create(std::string name) {
  std::unique_ptr<Task> task(new Task(g_next_task_id.fetch_add(1, std::memory_order_relaxed)));
  task->set_name(std::move(name));
  return task;
}

void Task::SetCurrent(Task* task) { tls_current_override = task; }

Task& Task::current() {
  if (tls_current_override != nullptr) return *tls_current_override;
  thread_local std::unique_ptr<Task> task;
  if (!task) task.reset(new Task(g_next_task_id.fetch_add(1, std::memory_order_relaxed)));
  return *task;
}

void send_signal(Task& task) {
  // One scheduling point for the whole signal, on no object: the explorer
  // treats it as dependent on every step, so it orders the flag's store
  // against a waiter's test of it (which is not a scheduling point).
  schedule_point(SyncOp::kWake, nullptr, "send_signal");
  task.sigpending_.store(true, std::memory_order_release);
  wake_up_all_var_waiters();
}

}  // namespace daxbreak
