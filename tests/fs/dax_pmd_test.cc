// 2 MiB DAX entries (docs/models/dax-pmd.md): the PMD entry and its look-ups,
// the PMD fault and its fallbacks, the PMD entry deleted whole by a partial
// change and the refault at PTE size, and the folio refcount of the 6.15 rows.

#include <string>

#include <gtest/gtest.h>

#include "daxbreak/mm/gup.h"
#include "testing/test_rig.h"

namespace daxbreak {
namespace {

using testing::TestRig;

// A 2 MiB file, mapped whole, touched at page 0.
struct PmdFile {
  explicit PmdFile(TestRig& rig, uint64_t pages = kPmdPages) {
    file = rig.make_file("f", static_cast<uint32_t>(pages), 'p');
    vma = rig.mmap(file.get(), pages, /*writable=*/true);
    char byte = 0;
    EXPECT_TRUE(user_load(*vma, vma->address_of(0), &byte, 1).ok());
    EXPECT_EQ(byte, 'p');
  }
  std::shared_ptr<Inode> file;
  std::unique_ptr<Vma> vma;
};

TEST(DaxPmdTest, PageSizeParsesAndNamesBadInput) {
  DaxPageSize size = DaxPageSize::k4K;
  ASSERT_TRUE(ParseDaxPageSize("2m", &size).ok());
  EXPECT_EQ(size, DaxPageSize::k2M);
  EXPECT_EQ(DaxPageSizeName(size), "2m");
  const Status bad = ParseDaxPageSize("1g", &size);
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("'1g'"), std::string::npos);
}

TEST(DaxPmdTest, PmdEntryCoversItsRangeAndRefusesAPteEntryInside) {
  DaxEntries entries;
  DaxEntry e;
  ASSERT_TRUE(entries.grab_pmd_entry(kPmdPages, &e));
  EXPECT_TRUE(e.pmd && e.locked && !e.has_pfn);
  e.pfn = 1024;
  e.has_pfn = true;
  entries.dax_unlock_entry(kPmdPages + 7, e);  // Stored at its head.
  EXPECT_EQ(entries.size(), 1u);
  DaxEntry seen;
  ASSERT_TRUE(entries.lookup(2 * kPmdPages - 1, &seen));  // Any covered index finds it.
  EXPECT_TRUE(seen.pmd);
  EXPECT_EQ(seen.pfn, 1024u);
  EXPECT_FALSE(entries.lookup(2 * kPmdPages, &seen));
  // A PTE fault inside gets the PMD entry itself.
  const DaxEntry got = entries.grab_mapping_entry(kPmdPages + 3);
  EXPECT_TRUE(got.pmd && got.locked);
  entries.dax_unlock_entry(kPmdPages + 3, got);
  // A PMD fault where a PTE entry lies falls back.
  DaxEntry pte = entries.grab_mapping_entry(5);
  pte.pfn = 77;
  pte.has_pfn = true;
  entries.dax_unlock_entry(5, pte);
  EXPECT_FALSE(entries.grab_pmd_entry(0, &e));
}

TEST(DaxPmdTest, AlignedFileFaultsOncePmdAt2mAnd512TimesAt4k) {
  for (DaxPageSize size : {DaxPageSize::k2M, DaxPageSize::k4K}) {
    TestRig rig(DefaultProtocol(), 8, TlbFlushMode::kIpi, size);
    PmdFile f(rig);
    for (uint64_t p = 1; p < kPmdPages; ++p) {
      char byte = 0;
      ASSERT_TRUE(user_load(*f.vma, f.vma->address_of(p), &byte, 1).ok());
    }
    DaxEntry e;
    ASSERT_TRUE(f.file->i_pages_.lookup(300, &e));
    EXPECT_EQ(e.pmd, size == DaxPageSize::k2M);
    EXPECT_EQ(rig.fs->stats().faults.load(), size == DaxPageSize::k2M ? 1u : kPmdPages);
    EXPECT_EQ(f.file->i_pages_.size(), size == DaxPageSize::k2M ? 1u : kPmdPages);
  }
}

TEST(DaxPmdTest, FallsBackToPtesBeyondEofOrOutsideTheVma) {
  TestRig rig(DefaultProtocol(), 8, TlbFlushMode::kIpi, DaxPageSize::k2M);
  PmdFile f(rig, kPmdPages - 1);  // The 2 MiB would reach past EOF.
  DaxEntry e;
  ASSERT_TRUE(f.file->i_pages_.lookup(0, &e));
  EXPECT_FALSE(e.pmd);
}

TEST(DaxPmdTest, PartialTruncateDeletesThePmdEntryAndRefaultsAtPteSize) {
  TestRig rig(DefaultProtocol(), 8, TlbFlushMode::kIpi, DaxPageSize::k2M);
  PmdFile f(rig);
  ASSERT_TRUE(rig.fs->truncate(f.file.get(), 4 * kPageSize).ok());
  EXPECT_EQ(f.file->i_pages_.size(), 0u);  // The whole PMD entry went.
  EXPECT_EQ(f.file->nr_blocks(), 4u);
  char byte = 0;
  ASSERT_TRUE(user_load(*f.vma, f.vma->address_of(2), &byte, 1).ok());
  EXPECT_EQ(byte, 'p');
  DaxEntry e;
  ASSERT_TRUE(f.file->i_pages_.lookup(2, &e));
  EXPECT_FALSE(e.pmd);
  EXPECT_FALSE(f.file->i_pages_.lookup(3, &e));  // One PTE entry per faulted page.
  EXPECT_EQ(rig.checker.violation_count(), 0u);
}

// 6.15 rows: one folio. A pin on subpage 5 raises the head's count, the
// mapping holds one reference for the whole PMD, and the split at the
// entry's deletion gives each page its own count back. Before 6.15 the
// subpage's own count moves.
TEST(DaxPmdTest, ModernPinOnASubpageCountsOnTheFolio) {
  for (const char* row : {"modern", "fixed"}) {
    const ProtocolTraits& p = BuiltinProtocol(row);
    TestRig rig(p, 8, TlbFlushMode::kIpi, DaxPageSize::k2M);
    PmdFile f(rig);
    DaxEntry e;
    ASSERT_TRUE(f.file->i_pages_.lookup(0, &e));
    const uint64_t head = e.pfn;
    std::vector<PinnedPage> pinned;
    ASSERT_TRUE(pin_user_pages(*f.vma, f.vma->address_of(5), 1, FOLL_PIN | FOLL_WRITE, &pinned).ok());
    ASSERT_EQ(pinned.size(), 1u);
    EXPECT_EQ(pinned[0].pfn, head + 5);
    if (p.layout.idle_refcount == 0) {
      EXPECT_EQ(rig.pages->folio_pfn(head + 5), head);
      EXPECT_EQ(rig.pages->page_ref_count(head), 2u);  // The PMD mapping and the pin.
      EXPECT_EQ(rig.pages->page_mapcount(head), 1u);
      EXPECT_FALSE(rig.pages->page_is_unpinned(head));
    } else {
      EXPECT_EQ(rig.pages->folio_pfn(head + 5), head + 5);
      EXPECT_EQ(rig.pages->page_ref_count(head + 5), 1 + kGupPinCountingBias);  // An order-0 page's pin.
      EXPECT_TRUE(rig.pages->page_is_idle(head));
    }
    unpin_user_pages(*rig.pages, pinned);
    f.vma.reset();
    ASSERT_TRUE(rig.fs->truncate(f.file.get(), 0).ok());
    EXPECT_EQ(rig.pages->folio_pfn(head + 5), head + 5);  // Split back (or never joined).
    EXPECT_EQ(rig.pages->page_ref_count(head + 5), p.layout.idle_refcount);
    EXPECT_EQ(rig.checker.violation_count(), 0u);
  }
}

}  // namespace
}  // namespace daxbreak
