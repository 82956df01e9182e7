#include "daxbreak/sync/rwsem.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace daxbreak {
namespace {

TEST(RwSemTest, WriterExcludesReadersAndWriters) {
  RwSem sem;
  int shared_value = 0;  // Guarded by sem (checked by TSan in the tsan build).
  std::atomic<int> inside{0};
  std::atomic<bool> overlap{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        if ((i + t) % 3 == 0) {
          sem.down_write();
          if (inside.fetch_add(1) != 0) overlap = true;
          ++shared_value;
          inside.fetch_sub(1);
          sem.up_write();
        } else {
          sem.down_read();
          (void)shared_value;
          sem.up_read();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_FALSE(overlap.load());
  EXPECT_GT(shared_value, 0);
  EXPECT_FALSE(sem.is_locked());
}

TEST(RwSemTest, ReadersShare) {
  RwSem sem;
  sem.down_read();
  std::atomic<bool> second_in{false};
  std::thread t([&] {
    sem.down_read();
    second_in = true;
    sem.up_read();
  });
  t.join();  // Would hang if readers excluded each other.
  EXPECT_TRUE(second_in.load());
  sem.up_read();
}

TEST(RwSemTest, ReaderQueuesBehindWaitingWriter) {
  RwSem sem;
  sem.down_read();
  std::atomic<int> order{0};
  std::atomic<int> writer_at{0}, reader_at{0};
  std::thread writer([&] {
    sem.down_write();
    writer_at = ++order;
    sem.up_write();
  });
  // Let the writer queue up behind our read hold.
  while (!sem.is_locked()) {
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::thread reader([&] {
    sem.down_read();
    reader_at = ++order;
    sem.up_read();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(reader_at.load(), 0) << "a new reader passed a waiting writer";
  sem.up_read();
  writer.join();
  reader.join();
  EXPECT_EQ(writer_at.load(), 1);
  EXPECT_EQ(reader_at.load(), 2);
}

}  // namespace
}  // namespace daxbreak
