// The 6.15 entry life (bde708f1a65d "fs/dax: always remove DAX page-cache
// entries when breaking layouts"): a break that finds no busy page deletes
// the DAX entries of its range itself, and truncate WARNs for an entry left
// (truncate_folio_batch_exceptionals()). Up to 6.14 the break leaves them and
// truncate deletes only the range it cuts.

#include <string>

#include <gtest/gtest.h>

#include "testing/test_rig.h"

namespace daxbreak {
namespace {

using testing::TestRig;

// A 4-page file, mapped and touched: four DAX entries.
std::unique_ptr<Vma> MapAndTouch(TestRig& rig, std::shared_ptr<Inode>* file) {
  *file = rig.make_file("f", 4, 'e');
  std::unique_ptr<Vma> vma = rig.mmap(file->get(), 4, /*writable=*/true);
  for (uint64_t p = 0; p < 4; ++p) {
    char byte = 0;
    EXPECT_TRUE(user_load(*vma, vma->address_of(p), &byte, 1).ok());
  }
  EXPECT_EQ((*file)->i_pages_.size(), 4u);
  return vma;
}

TEST(EntryLifeTest, ModernBreakDeletesEveryEntryOfItsRange) {
  for (const char* row : {"modern", "linux-6.15.0", "fixed", "linux-4.19-6.14"}) {
    const ProtocolTraits& p = BuiltinProtocol(row);
    TestRig rig(p);
    std::shared_ptr<Inode> f;
    auto vma = MapAndTouch(rig, &f);
    ASSERT_TRUE(rig.fs->punch_hole(f.get(), kPageSize, kPageSize).ok());
    // ext4 breaks the whole file: from 6.15 that deletes all four entries;
    // before, only the punched page's entry goes (truncate_pagecache_range()).
    EXPECT_EQ(f->i_pages_.size(), p.layout.break_deletes_entries ? 0u : 3u) << row;
    EXPECT_EQ(p.layout.break_deletes_entries, p.layout.idle_refcount == 0) << row;
    EXPECT_EQ(rig.checker.violation_count(), 0u) << row;
  }
}

// The check can fail: a 6.15 row whose layout changes never break leaves the
// entries to truncate, which reports the moved WARN.
TEST(EntryLifeTest, EntryLeftForTruncateIsTheMovedWarn) {
  ProtocolTraits no_break = BuiltinProtocol("modern");
  no_break.name = "modern-no-break-test";
  no_break.layout.breaks_layouts = false;
  TestRig rig(no_break);
  std::shared_ptr<Inode> f;
  auto vma = MapAndTouch(rig, &f);
  ASSERT_TRUE(rig.fs->truncate(f.get(), 2 * kPageSize).ok());
  ASSERT_GE(rig.checker.violation_count(), 1u);
  const Violation v = rig.checker.violations().front();
  EXPECT_EQ(v.kind, ViolationKind::kBusyPageDisassociated);
  EXPECT_NE(v.detail.find("truncate_folio_batch_exceptionals"), std::string::npos) << v.detail;
}

}  // namespace
}  // namespace daxbreak
