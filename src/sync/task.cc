#include "daxbreak/sync/task.h"

#include <memory>

#include "daxbreak/sync/wait_var.h"

namespace daxbreak {
namespace {

std::atomic<uint32_t> g_next_task_id{1};

}  // namespace

Task::Task(uint32_t id) : id_(id), name_("thread-" + std::to_string(id)) {}

Task& Task::current() {
  thread_local std::unique_ptr<Task> task;
  if (!task) task.reset(new Task(g_next_task_id.fetch_add(1, std::memory_order_relaxed)));
  return *task;
}

void send_signal(Task& task) {
  task.sigpending_.store(true, std::memory_order_release);
  wake_up_all_var_waiters();
}

}  // namespace daxbreak
