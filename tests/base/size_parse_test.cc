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
