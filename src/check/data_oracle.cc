#include "daxbreak/check/data_oracle.h"

#include <vector>

#include <fmt/format.h>

#include "daxbreak/check/stamp.h"
#include "daxbreak/base/device_header.h"
#include "daxbreak/sync/task.h"

namespace daxbreak {

void DataOracle::expect(uint32_t ino, uint64_t pos, uint64_t generation, uint64_t stamp_index) {
  MutexLock lock(&mu_);
  expected_[{ino, pos}] = Expected{stamp_index, generation};
}

void DataOracle::expect_zero(uint32_t ino, uint64_t first, uint64_t last) {
  MutexLock lock(&mu_);
  expected_.erase(expected_.lower_bound({ino, first}), expected_.upper_bound({ino, last}));
}

void DataOracle::shift(uint32_t ino, uint64_t from, int64_t delta) {
  MutexLock lock(&mu_);
  const auto begin = expected_.lower_bound({ino, from});
  const auto end = expected_.lower_bound({ino + 1, 0});
  std::vector<std::pair<uint64_t, Expected>> moved;
  for (auto it = begin; it != end; ++it) {
    moved.emplace_back(static_cast<uint64_t>(static_cast<int64_t>(it->first.second) + delta), it->second);
  }
  expected_.erase(begin, end);
  for (const auto& [pos, e] : moved) expected_[{ino, pos}] = e;
}

void DataOracle::forget(uint32_t ino) {
  MutexLock lock(&mu_);
  expected_.erase(expected_.lower_bound({ino, 0}), expected_.lower_bound({ino + 1, 0}));
}

uint64_t DataOracle::tracked_pages() {
  MutexLock lock(&mu_);
  return expected_.size();
}

void DataOracle::report(uint32_t ino, uint64_t pos, uint64_t pfn, std::string detail) {
  if (sink_ == nullptr) return;
  sink_->report(Violation{ViolationKind::kDataCorruption, pfn, ino, pos * kPageSize,
                          Task::current().name(), std::move(detail)});
}

bool DataOracle::verify_file_page(uint32_t ino, uint64_t pos, uint64_t pfn, const void* block) {
  bool known = false;
  Expected want;
  {
    MutexLock lock(&mu_);
    auto it = expected_.find({ino, pos});
    if (it != expected_.end()) {
      known = true;
      want = it->second;
    }
  }
  const BlockReading r = ReadStampedBlock(block);
  if (!known) {
    if (r.state == BlockState::kZero) return true;
    report(ino, pos, pfn, fmt::format("expected zeros at file page {}, found {}", pos, DescribeReading(r)));
    return false;
  }
  const bool ok = r.state == BlockState::kStamped &&
                  r.stamp.kind == static_cast<uint16_t>(StampKind::kFile) && r.stamp.ino == ino &&
                  r.stamp.index == want.stamp_index && r.stamp.generation == want.generation;
  if (!ok) {
    report(ino, pos, pfn,
           fmt::format("expected file ino {} page {} gen {} at file page {}, found {}", ino,
                       want.stamp_index, want.generation, pos, DescribeReading(r)));
  }
  return ok;
}

namespace {

// Zeros, a disk block, or a stamp of `ino` itself.
bool AllowedInDmaTarget(const BlockReading& r, uint32_t ino) {
  if (r.state == BlockState::kZero) return true;
  if (r.state != BlockState::kStamped) return false;
  return r.stamp.kind == static_cast<uint16_t>(StampKind::kDisk) ||
         (r.stamp.kind == static_cast<uint16_t>(StampKind::kFile) && r.stamp.ino == ino);
}

}  // namespace

bool DataOracle::verify_dma_target_page(uint32_t ino, uint64_t pos, uint64_t pfn, const void* block) {
  const BlockReading r = ReadStampedBlock(block);
  if (AllowedInDmaTarget(r, ino)) return true;
  report(ino, pos, pfn,
         fmt::format("DMA target page holds {}: only zeros, disk blocks and its own blocks can get there",
                     DescribeReading(r)));
  return false;
}

bool DataOracle::verify_dma_copy(uint32_t ino, uint64_t disk_block, const void* block) {
  const BlockReading r = ReadStampedBlock(block);
  if (AllowedInDmaTarget(r, ino)) return true;
  if (sink_ != nullptr) {
    sink_->report(Violation{ViolationKind::kDataCorruption, 0, ino, disk_block * kPageSize, "final-check",
                            fmt::format("disk block {} (a DIO write target) holds {}: a write carried a block "
                                        "the file no longer owned",
                                        disk_block, DescribeReading(r))});
  }
  return false;
}

}  // namespace daxbreak
