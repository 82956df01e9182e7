#include "daxbreak/mm/page_array.h"

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "daxbreak/sync/wait_var.h"

namespace daxbreak {
namespace {

TEST(PageArrayTest, IdleValueIsAParameter) {
  PageArray old_model(8, 1), new_model(8, 0);
  EXPECT_TRUE(old_model.page_is_idle(3));
  EXPECT_EQ(old_model.page_ref_count(3), 1u);
  EXPECT_TRUE(new_model.page_is_idle(3));
  EXPECT_EQ(new_model.page_ref_count(3), 0u);
  old_model.get_page(3);
  EXPECT_FALSE(old_model.page_is_idle(3));
  old_model.put_page(3);
  EXPECT_TRUE(old_model.page_is_idle(3));
}

TEST(PageArrayTest, AtMostSixteenBytesPerPage) {
  PageArray pages(1024, 1);
  pages.get_page(1023);
  EXPECT_LE(pages.memory_bytes(), 16u * 1024 + 8);
}

TEST(PageArrayTest, EveryOwnerChangeBumpsTheGeneration) {
  PageArray pages(8, 1);
  const uint16_t start = pages.generation(2);
  pages.associate(2);
  const uint16_t first = pages.generation(2);
  EXPECT_NE(first, start);
  pages.disassociate(2);
  EXPECT_NE(pages.generation(2), first) << "a freed page must read as a new owner";
  pages.associate(2);
  EXPECT_NE(pages.generation(2), first) << "re-association must read as a new owner";
  EXPECT_EQ(pages.generation(3), start) << "other pages keep theirs";
}

TEST(PageArrayTest, WakesOnlyOnTransitionToIdle) {
  PageArray pages(4, 1);
  pages.get_page(1);
  pages.get_page(1);  // Count 3.
  std::atomic<bool> woke{false};
  std::thread waiter([&] {
    // Satisfied already at count 2; only a wake makes the waiter look again.
    (void)wait_var_event(pages.refcount_key(1), [&] { return pages.page_ref_count(1) <= 2; }, false);
    woke = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  pages.put_page(1);  // 3 -> 2: not idle, no wake.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(woke.load()) << "put_page woke waiters before the page was idle";
  pages.put_page(1);  // 2 -> 1: idle, wake.
  waiter.join();
  EXPECT_TRUE(woke.load());
}


TEST(PageArrayTest, MappingHoldsAReferenceAndAMapcount) {
  PageArray pages(4, 0);
  pages.map_page(1);
  EXPECT_EQ(pages.page_ref_count(1), 1u);
  EXPECT_EQ(pages.page_mapcount(1), 1u);
  EXPECT_FALSE(pages.page_is_idle(1));
  EXPECT_TRUE(pages.page_is_unpinned(1));
  pages.get_page(1);  // A pin.
  EXPECT_FALSE(pages.page_is_unpinned(1));
  pages.put_page(1);
  pages.unmap_page_rmap(1);
  pages.put_page(1);
  EXPECT_TRUE(pages.page_is_idle(1));
  EXPECT_EQ(pages.page_mapcount(1), 0u);
}

// A pinned, mapped page on the 6.15 model: the unpin leaves the mapping's
// reference. Returns whether a waiter for "no pin left" heard that unpin.
bool UnpinOfMappedPageWakes(WakeRule rule) {
  PageArray pages(4, 0, rule);
  pages.map_page(1);
  pages.get_page(1);
  std::atomic<bool> woke{false};
  std::thread waiter([&] {
    (void)wait_var_event(pages.refcount_key(1), [&] { return pages.page_is_unpinned(1); }, false);
    woke = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  pages.put_page(1);  // 2 -> 1: only the mapping's reference is left.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const bool heard = woke.load();
  pages.unmap_page_rmap(1);
  pages.put_page(1);  // 1 -> 0: idle, which always wakes.
  waiter.join();
  return heard;
}

TEST(PageArrayTest, KernelRuleWakesOnlyAtIdleEvenWhileMapped) {
  EXPECT_FALSE(UnpinOfMappedPageWakes(WakeRule::kAtIdle));
}

TEST(PageArrayTest, CandidateFixWakesWhenOnlyMappingsAreLeft) {
  EXPECT_TRUE(UnpinOfMappedPageWakes(WakeRule::kAtIdleOrOnlyMapped));
}

// Whether a waiter for idle hears a put on `path` that makes the page idle.
bool PutWakesTheWaiter(WakeRule rule, PutPath path) {
  PageArray pages(4, 1, rule);
  pages.get_page(2);
  std::atomic<bool> woke{false};
  std::thread waiter([&] {
    (void)wait_var_event(pages.refcount_key(2), [&] { return pages.page_is_idle(2); }, false);
    woke = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  pages.put_page(2, path);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const bool heard = woke.load();
  wake_up_var(pages.refcount_key(2));  // Let the waiter go either way.
  waiter.join();
  return heard;
}

TEST(PageArrayTest, BioReleaseWakesUnderTheKernelRule) {
  EXPECT_TRUE(PutWakesTheWaiter(WakeRule::kAtIdle, PutPath::kBioRelease));
}

TEST(PageArrayTest, BioReleaseNoWakeLosesOnlyTheBioReleaseWake) {
  EXPECT_FALSE(PutWakesTheWaiter(WakeRule::kAtIdleExceptBioRelease, PutPath::kBioRelease));
  EXPECT_TRUE(PutWakesTheWaiter(WakeRule::kAtIdleExceptBioRelease, PutPath::kPut));
}

TEST(PageArrayTest, WrongKeyWakeIsNotHeard) {
  EXPECT_FALSE(PutWakesTheWaiter(WakeRule::kAtIdleWrongKey, PutPath::kPut));
}

TEST(PageArrayTest, TryGetFailsOnlyOnAFreePage) {
  PageArray modern(4, 0), old(4, 1);
  EXPECT_FALSE(modern.try_get_page(1)) << "a 6.15 page at count 0 is free: folio_try_get fails";
  modern.map_page(1);
  EXPECT_TRUE(modern.try_get_page(1));
  EXPECT_EQ(modern.page_ref_count(1), 2u);
  EXPECT_TRUE(old.try_get_page(1)) << "a pre-6.15 idle page rests at 1";
}

TEST(PageArrayTest, SparseRecordsCostOnlyTouchedChunks) {
  const uint64_t pages = 1ULL << 28;  // 1 TiB of 4 KiB pages.
  PageArray sparse(pages, 1);
  const uint64_t table = sparse.memory_bytes();
  EXPECT_LT(table, 1u << 20);
  sparse.get_page(pages - 1);
  sparse.get_page(12345);
  EXPECT_EQ(sparse.memory_bytes() - table, 2 * PageArray::kChunkPages * 8) << "8 bytes per page of a touched chunk";
  EXPECT_EQ(sparse.page_ref_count(pages - 1), 2u);
  EXPECT_EQ(sparse.page_ref_count(7), 1u) << "an untouched page reads as idle";
}

}  // namespace
}  // namespace daxbreak
