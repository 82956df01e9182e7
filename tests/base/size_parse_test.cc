#include "daxbreak/base/size_parse.h"

#include <gtest/gtest.h>

namespace daxbreak {
namespace {

TEST(ParseSizeTest, Suffixes) {
  uint64_t b = 0;
  ASSERT_TRUE(ParseSize("64M", &b).ok());
  EXPECT_EQ(b, 64ULL << 20);
  ASSERT_TRUE(ParseSize("1g", &b).ok());
  EXPECT_EQ(b, 1ULL << 30);
  ASSERT_TRUE(ParseSize("4096", &b).ok());
  EXPECT_EQ(b, 4096u);
  ASSERT_TRUE(ParseSize("8KiB", &b).ok());
  EXPECT_EQ(b, 8192u);
}

TEST(ParseSizeTest, RejectsNegativeAndJunkNamingTheValue) {
  uint64_t b = 0;
  Status s = ParseSize("-1M", &b);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'-1M'"), std::string::npos) << s.message();
  EXPECT_FALSE(ParseSize("12Q", &b).ok());
  EXPECT_FALSE(ParseSize("", &b).ok());
  EXPECT_FALSE(ParseSize("99999999999T", &b).ok());
}

// Issue 20: "64MB" silently meant MiB. SI units are powers of 1000, IEC
// units and the bare letters powers of 1024.
TEST(ParseSizeTest, SiAndIecUnits) {
  uint64_t b = 0;
  ASSERT_TRUE(ParseSize("64MB", &b).ok());
  EXPECT_EQ(b, 64'000'000u);
  ASSERT_TRUE(ParseSize("64MiB", &b).ok());
  EXPECT_EQ(b, 64ULL << 20);
  ASSERT_TRUE(ParseSize("64m", &b).ok());
  EXPECT_EQ(b, 64ULL << 20);
  ASSERT_TRUE(ParseSize("2kb", &b).ok());
  EXPECT_EQ(b, 2000u);
  ASSERT_TRUE(ParseSize("3GB", &b).ok());
  EXPECT_EQ(b, 3'000'000'000u);
  ASSERT_TRUE(ParseSize("1TB", &b).ok());
  EXPECT_EQ(b, 1'000'000'000'000u);
  ASSERT_TRUE(ParseSize("1TiB", &b).ok());
  EXPECT_EQ(b, 1ULL << 40);
  ASSERT_TRUE(ParseSize("7B", &b).ok());
  EXPECT_EQ(b, 7u);
  ASSERT_TRUE(ParseSize("18446744073709551615", &b).ok());
  EXPECT_EQ(b, UINT64_MAX);
  EXPECT_FALSE(ParseSize("18446744073709552TB", &b).ok());
  EXPECT_FALSE(ParseSize("64MBi", &b).ok());
  EXPECT_FALSE(ParseSize("64 M", &b).ok());
  EXPECT_NE(ParseSize("64Mx", &b).message().find("'Mx'"), std::string::npos);
}

TEST(ParseDurationTest, SubMillisecondUnits) {
  std::chrono::nanoseconds d{};
  ASSERT_TRUE(ParseDuration("250ns", &d).ok());
  EXPECT_EQ(d, std::chrono::nanoseconds(250));
  ASSERT_TRUE(ParseDuration("40us", &d).ok());
  EXPECT_EQ(d, std::chrono::microseconds(40));
  ASSERT_TRUE(ParseDuration("3H", &d).ok());
  EXPECT_EQ(d, std::chrono::hours(3));
  EXPECT_FALSE(ParseDuration("", &d).ok());
  EXPECT_FALSE(ParseDuration("1.5s", &d).ok());
  EXPECT_FALSE(ParseDuration("99999999999999h", &d).ok());
  EXPECT_NE(ParseDuration("5x", &d).message().find("ns, us, ms"), std::string::npos);
}

TEST(ParseDurationTest, Suffixes) {
  std::chrono::nanoseconds d{};
  ASSERT_TRUE(ParseDuration("60s", &d).ok());
  EXPECT_EQ(d, std::chrono::seconds(60));
  ASSERT_TRUE(ParseDuration("2m", &d).ok());
  EXPECT_EQ(d, std::chrono::minutes(2));
  ASSERT_TRUE(ParseDuration("500ms", &d).ok());
  EXPECT_EQ(d, std::chrono::milliseconds(500));
  ASSERT_TRUE(ParseDuration("7", &d).ok());
  EXPECT_EQ(d, std::chrono::seconds(7));
  EXPECT_FALSE(ParseDuration("-3s", &d).ok());
  EXPECT_FALSE(ParseDuration("3d", &d).ok());
}

}  // namespace
}  // namespace daxbreak
