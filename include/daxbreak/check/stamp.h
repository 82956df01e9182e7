// Stamps: every 4 KiB block that the workload writes names its writer, so the
// data oracle sees corruption in the bytes instead of inferring it. A stamped
// block holds the 32-byte Stamp at its start and again at its end, and a fill
// word derived from the stamp's checksum in between; a DMA that lands in the
// block replaces all of it with a disk block's stamp.
//
// Thread-safety: pure functions.

#ifndef DAXBREAK_CHECK_STAMP_H_
#define DAXBREAK_CHECK_STAMP_H_

#include <cstdint>
#include <string>

namespace daxbreak {

enum class StampKind : uint16_t {
  kFile = 1,  // Written by the workload into file `ino`, page `index`.
  kDisk = 2,  // A block of the disk file; `index` is the disk block.
};

struct Stamp {
  uint32_t magic = 0;       // kStampMagic.
  uint16_t kind = 0;        // StampKind.
  uint16_t reserved = 0;
  uint32_t ino = 0;         // File (kFile) or 0 (kDisk).
  uint32_t index = 0;       // File page or disk block.
  uint64_t generation = 0;  // Write generation (kFile), run seed (kDisk).
  uint64_t checksum = 0;    // XXH64 of the 24 bytes before it.
};
static_assert(sizeof(Stamp) == 32);

inline constexpr uint32_t kStampMagic = 0x53584144;  // "DAXS"

// Fills the 4096-byte `block` with `stamp` (its checksum is computed here).
void FillStampedBlock(void* block, Stamp stamp);

// What a block holds.
enum class BlockState {
  kZero,     // All zero bytes.
  kStamped,  // A whole, self-consistent stamped block.
  kTorn,     // A stamp at one end, other bytes at the other or in between.
  kGarbage,  // No stamp at the start.
};

struct BlockReading {
  BlockState state = BlockState::kGarbage;
  Stamp stamp;  // The head stamp when state is kStamped or kTorn.
};

// Reads the 4096-byte `block`.
BlockReading ReadStampedBlock(const void* block);

// "file ino 7 page 3 gen 12", "disk block 90", "zero", "torn (...)", "garbage".
std::string DescribeReading(const BlockReading& reading);

}  // namespace daxbreak

#endif  // DAXBREAK_CHECK_STAMP_H_
