#include "explore/trace_flows.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace daxbreak {
namespace {

// Stand-ins for the objects of a run: only their addresses matter.
int key, lock, refcount, pte, checker;

TraceEvent Step(uint32_t thread, SyncOp op, const void* obj, std::string what = "x") {
  TraceEvent e;
  e.thread = thread;
  e.op = op;
  e.obj = obj;
  e.what = std::move(what);
  return e;
}

TraceEvent Atomic(uint32_t thread, SyncOp op, const void* obj, uint64_t before, uint64_t after) {
  TraceEvent e = Step(thread, op, obj);
  e.has_values = true;
  e.before = before;
  e.after = after;
  return e;
}

std::vector<std::string> Describe(const std::vector<TraceFlow>& flows) {
  std::vector<std::string> out;
  for (const TraceFlow& f : flows) out.push_back(std::string(f.kind) + " " + std::to_string(f.from) + "->" + std::to_string(f.to));
  return out;
}

TEST(TraceFlowsTest, AWakeLeadsToTheWaitersNextStep) {
  const std::vector<TraceEvent> trace = {
      Step(1, SyncOp::kWait, &key),   // 0: thread 1 prepares to wait on the key
      Atomic(1, SyncOp::kAtomicLoad, &refcount, 2, 2),  // 1: its condition is false
      Step(0, SyncOp::kWake, &key),   // 2: thread 0 wakes it
      Step(0, SyncOp::kSyncPoint, nullptr),
      Step(1, SyncOp::kSyncPoint, nullptr),  // 4: thread 1 runs again
  };
  EXPECT_EQ(Describe(TraceFlows(trace)), std::vector<std::string>{"wake 2->4"});
}

TEST(TraceFlowsTest, AWaiterThatWentOnWithoutSleepingIsNotWoken) {
  const std::vector<TraceEvent> trace = {
      Step(1, SyncOp::kWait, &key),                    // 0: prepare_to_wait
      Atomic(1, SyncOp::kAtomicLoad, &refcount, 1, 1),  // 1: its condition holds
      Step(1, SyncOp::kLock, &lock, "i_rwsem"),         // 2: it goes on
      Step(0, SyncOp::kWake, &key),                     // 3: a later wake
      Step(1, SyncOp::kSyncPoint, nullptr),
  };
  EXPECT_TRUE(TraceFlows(trace).empty());
}

TEST(TraceFlowsTest, AWakeOfAnotherKeyWakesNobody) {
  int other;
  const std::vector<TraceEvent> trace = {
      Step(1, SyncOp::kWait, &key),
      Step(0, SyncOp::kWake, &other),
      Step(1, SyncOp::kSyncPoint, nullptr),
  };
  EXPECT_TRUE(TraceFlows(trace).empty());
}

TEST(TraceFlowsTest, AnUnlockHandsTheLockToTheNextThreadOnly) {
  const std::vector<TraceEvent> trace = {
      Step(0, SyncOp::kUnlock, &lock, "i_rwsem"),
      Step(1, SyncOp::kLock, &lock, "i_rwsem"),  // 1: handed over
      Step(1, SyncOp::kUnlock, &lock, "i_rwsem"),
      Step(1, SyncOp::kLock, &lock, "i_rwsem"),  // 3: the same thread again: no arrow
      Step(0, SyncOp::kUnlock, &checker, "checker"),
      Step(1, SyncOp::kLock, &checker, "checker"),  // bookkeeping: no arrow
  };
  EXPECT_EQ(Describe(TraceFlows(trace)), std::vector<std::string>{"handoff 0->1"});
}

TEST(TraceFlowsTest, APinLeadsToTheUnpinOfAnotherThread) {
  const std::vector<TraceEvent> trace = {
      Atomic(0, SyncOp::kAtomicRmw, &refcount, 1, 2),  // 0: pin
      Atomic(1, SyncOp::kAtomicLoad, &refcount, 2, 2),  // 1: truncate sees it busy
      Atomic(1, SyncOp::kAtomicRmw, &refcount, 2, 1),   // 2: the DMA ends, unpin
  };
  EXPECT_EQ(Describe(TraceFlows(trace)), (std::vector<std::string>{"reads 0->1", "reference 0->2"}));
}

TEST(TraceFlowsTest, AReadLinksOnlyToTheWriteItSaw) {
  const std::vector<TraceEvent> trace = {
      Atomic(0, SyncOp::kAtomicStore, &pte, 7, 0),  // 0: pte_clear
      Atomic(1, SyncOp::kAtomicLoad, &pte, 0, 0),   // 1: GUP-fast reads the cleared PTE
      Atomic(1, SyncOp::kAtomicLoad, &pte, 0, 0),   // 2: a second read by it: no second arrow
      Atomic(2, SyncOp::kAtomicLoad, &pte, 7, 7),   // 3: a value that write did not leave: none
  };
  EXPECT_EQ(Describe(TraceFlows(trace)), std::vector<std::string>{"reads 0->1"});
}

}  // namespace
}  // namespace daxbreak
