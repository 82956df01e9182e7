#include "daxbreak/base/status_line.h"

#include <gtest/gtest.h>

#include <string>

#include "daxbreak/base/report_sink.h"

namespace daxbreak {
namespace {

// The library prints nothing itself: without a sink a status line is
// dropped, not written to stderr (issue 20).
TEST(StatusLineTest, WritesNothingWithoutASink) {
  SetReportSink(nullptr);
  testing::internal::CaptureStderr();
  StatusLine line(40);
  line.draw("[1s  10%] 12 reads/s");
  line.note("cell 1 ok");
  line.clear();
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

TEST(StatusLineTest, DrawsCutAndPaddedToTheWidthThroughTheSink) {
  std::string got;
  SetReportSink([&got](std::string_view text) { got += text; });
  StatusLine line(24);  // 23 columns are used.
  line.draw("short");
  EXPECT_EQ(got, "\rshort" + std::string(18, ' '));
  got.clear();
  line.draw(std::string(40, 'x'));
  EXPECT_EQ(got, "\r" + std::string(23, 'x'));
  got.clear();
  line.note("cell done");
  EXPECT_EQ(got, "\r" + std::string(23, ' ') + "\rcell done\n");
  got.clear();
  line.clear();
  EXPECT_EQ(got, "\r" + std::string(23, ' ') + "\r");
  SetReportSink(nullptr);
}

TEST(StatusLineTest, EtaShowsElapsedTotalAndPercent) {
  EXPECT_EQ(StatusLine::Eta(12, 30, 0.4), "[12s/30s  40%]");
  EXPECT_EQ(StatusLine::Eta(12, 0, 2.0), "[12s 100%]");
}

}  // namespace
}  // namespace daxbreak
