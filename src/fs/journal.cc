#include "daxbreak/fs/journal.h"

namespace daxbreak {

void Journal::commit() {
  WriteLock locked(&handles_);
  commits_.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace daxbreak
