#include "daxbreak/check/data_oracle.h"

#include <fmt/format.h>

#include "daxbreak/check/stamp.h"
#include "daxbreak/pmem/device_header.h"
#include "daxbreak/sync/task.h"

namespace daxbreak {

void DataOracle::expect(uint32_t ino, uint32_t index, uint64_t generation) {
  MutexLock lock(&mu_);
  expected_[{ino, index}] = generation;
}

void DataOracle::forget(uint32_t ino) {
  MutexLock lock(&mu_);
  expected_.erase(expected_.lower_bound({ino, 0}), expected_.lower_bound({ino + 1, 0}));
}

uint64_t DataOracle::tracked_pages() {
  MutexLock lock(&mu_);
  return expected_.size();
}

void DataOracle::report(uint32_t ino, uint32_t index, uint64_t pfn, std::string detail) {
  if (sink_ == nullptr) return;
  sink_->report(Violation{ViolationKind::kDataCorruption, pfn, ino,
                          static_cast<uint64_t>(index) * kPageSize, Task::current().name(),
                          std::move(detail)});
}

bool DataOracle::verify_file_page(uint32_t ino, uint32_t index, uint64_t pfn, const void* block) {
  bool known = false;
  uint64_t generation = 0;
  {
    MutexLock lock(&mu_);
    auto it = expected_.find({ino, index});
    if (it != expected_.end()) {
      known = true;
      generation = it->second;
    }
  }
  const BlockReading r = ReadStampedBlock(block);
  if (!known) {
    if (r.state == BlockState::kZero) return true;
    report(ino, index, pfn, fmt::format("expected zeros, found {}", DescribeReading(r)));
    return false;
  }
  const bool ok = r.state == BlockState::kStamped &&
                  r.stamp.kind == static_cast<uint16_t>(StampKind::kFile) && r.stamp.ino == ino &&
                  r.stamp.index == index && r.stamp.generation == generation;
  if (!ok) {
    report(ino, index, pfn,
           fmt::format("expected file ino {} page {} gen {}, found {}", ino, index, generation,
                       DescribeReading(r)));
  }
  return ok;
}

bool DataOracle::verify_dma_target_page(uint32_t ino, uint32_t index, uint64_t pfn, const void* block) {
  const BlockReading r = ReadStampedBlock(block);
  if (r.state == BlockState::kZero ||
      (r.state == BlockState::kStamped && r.stamp.kind == static_cast<uint16_t>(StampKind::kDisk))) {
    return true;
  }
  report(ino, index, pfn, fmt::format("DMA target page holds {}", DescribeReading(r)));
  return false;
}

}  // namespace daxbreak
