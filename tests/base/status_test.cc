#include "daxbreak/base/status.h"

#include <cerrno>

#include <gtest/gtest.h>

namespace daxbreak {
namespace {

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.err(), 0);
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrnoRoundTrip) {
  EXPECT_EQ(Status::FromErrno(-EINTR, "wait").code(), StatusCode::kInterrupted);
  EXPECT_EQ(Status::FromErrno(EOPNOTSUPP, "pin").err(), EOPNOTSUPP);
  EXPECT_EQ(Status::FromErrno(-EFAULT, "gup").err(), EFAULT);
  EXPECT_EQ(Status::FromErrno(-EIO, "io").code(), StatusCode::kIoError);
}

TEST(StatusTest, ToStringNamesCodeAndMessage) {
  EXPECT_EQ(Status::Refused("no header").ToString(), "refused: no header");
  EXPECT_EQ(Status::Interrupted("x").err(), EINTR);
}

}  // namespace
}  // namespace daxbreak
