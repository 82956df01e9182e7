#include "daxbreak/check/stamp.h"

#include <cstddef>
#include <cstring>

#include <fmt/format.h>
#include <xxhash.h>

#include "daxbreak/base/device_header.h"

namespace daxbreak {
namespace {

uint64_t StampChecksum(const Stamp& s) {
  return XXH64(&s, offsetof(Stamp, checksum), /*seed=*/0x7374616d70ULL);
}

uint64_t FillWord(const Stamp& s) { return s.checksum * 0x9E3779B97F4A7C15ULL + 1; }

bool ValidStamp(const Stamp& s) {
  return s.magic == kStampMagic && s.checksum == StampChecksum(s) &&
         (s.kind == static_cast<uint16_t>(StampKind::kFile) || s.kind == static_cast<uint16_t>(StampKind::kDisk));
}

constexpr size_t kFillBegin = sizeof(Stamp);
constexpr size_t kFillEnd = kPageSize - sizeof(Stamp);

}  // namespace

void FillStampedBlock(void* block, Stamp stamp) {
  stamp.magic = kStampMagic;
  stamp.checksum = StampChecksum(stamp);
  char* b = static_cast<char*>(block);
  std::memcpy(b, &stamp, sizeof(stamp));
  const uint64_t word = FillWord(stamp);
  for (size_t off = kFillBegin; off < kFillEnd; off += sizeof(word)) std::memcpy(b + off, &word, sizeof(word));
  std::memcpy(b + kFillEnd, &stamp, sizeof(stamp));
}

BlockReading ReadStampedBlock(const void* block) {
  const char* b = static_cast<const char*>(block);
  BlockReading r;
  std::memcpy(&r.stamp, b, sizeof(Stamp));
  if (!ValidStamp(r.stamp)) {
    static const char kZeros[kPageSize] = {};
    r.state = std::memcmp(b, kZeros, kPageSize) == 0 ? BlockState::kZero : BlockState::kGarbage;
    return r;
  }
  r.state = BlockState::kStamped;
  if (std::memcmp(b + kFillEnd, &r.stamp, sizeof(Stamp)) != 0) {
    r.state = BlockState::kTorn;
    return r;
  }
  const uint64_t word = FillWord(r.stamp);
  for (size_t off = kFillBegin; off < kFillEnd; off += sizeof(word)) {
    if (std::memcmp(b + off, &word, sizeof(word)) != 0) {
      r.state = BlockState::kTorn;
      break;
    }
  }
  return r;
}

std::string DescribeReading(const BlockReading& r) {
  auto who = [&] {
    return r.stamp.kind == static_cast<uint16_t>(StampKind::kDisk)
               ? fmt::format("disk block {}", r.stamp.index)
               : fmt::format("file ino {} page {} gen {}", r.stamp.ino, r.stamp.index, r.stamp.generation);
  };
  switch (r.state) {
    case BlockState::kZero: return "zero";
    case BlockState::kStamped: return who();
    case BlockState::kTorn: return fmt::format("torn block headed by {}", who());
    case BlockState::kGarbage: return "garbage (no stamp)";
  }
  return "?";
}

}  // namespace daxbreak
