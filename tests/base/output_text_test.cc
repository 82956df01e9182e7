// The text daxbreak writes from outside data: JsonText() never throws on a
// string that is not UTF-8, Printable() lets no control byte through, and
// ReadTextFile() refuses what is not a regular file instead of hanging.

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daxbreak/base/json_text.h"
#include "daxbreak/base/printable.h"
#include "daxbreak/base/text_file.h"

namespace daxbreak {
namespace {

TEST(JsonText, ReplacesBytesThatAreNotUtf8) {
  const nlohmann::json j = {{"path", std::string("d\xff.pmem")}, {"n", 1}};
  EXPECT_THROW((void)j.dump(), nlohmann::json::type_error);  // Why JsonText exists.
  EXPECT_EQ(JsonText(j), "{\"n\":1,\"path\":\"d\xef\xbf\xbd.pmem\"}");
  EXPECT_EQ(JsonText({{"a", 1}}, 2), "{\n  \"a\": 1\n}");
}

TEST(Printable, EscapesControlAndInvalidBytesOnly) {
  EXPECT_EQ(Printable("\x1b[31mred\a"), "\\x1b[31mred\\x07");
  EXPECT_EQ(Printable("a\xff" "b"), "a\\xffb");
  EXPECT_EQ(Printable("\xc0\xaf"), "\\xc0\\xaf");  // An overlong '/'.
  EXPECT_EQ(Printable("\xe2\x82"), "\\xe2\\x82");  // Cut short.
  const std::string kept = "line 1\n\tdev/ü €/𝄞 \\x41 {\"k\": 1}";
  EXPECT_EQ(Printable(kept), kept);
}

TEST(ReadTextFile, ReadsRegularFilesAndRefusesTheRest) {
  char dir[] = "/tmp/daxbreak-read-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string file = std::string(dir) + "/f", fifo = std::string(dir) + "/p";
  FILE* f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("{\"a\": 1}\n", f);
  std::fclose(f);
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string text;
  ASSERT_TRUE(ReadTextFile(file, &text).ok());
  EXPECT_EQ(text, "{\"a\": 1}\n");
  Status s = ReadTextFile(dir, &text);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("is a directory"), std::string::npos) << s.message();
  s = ReadTextFile(fifo, &text);  // Would block for ever on an open for reading.
  EXPECT_NE(s.message().find("is a FIFO"), std::string::npos) << s.message();
  EXPECT_EQ(ReadTextFile(file + "-missing", &text).code(), StatusCode::kIoError);
  unlink(file.c_str());
  unlink(fifo.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace daxbreak
