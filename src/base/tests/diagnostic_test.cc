#include "torvyn/base/diagnostic.h"

#include <gtest/gtest.h>

namespace torvyn {
namespace {

Diagnostic sample() {
  Diagnostic d;
  d.code = ErrorCode::Internal;
  d.message = "worker_threads must be a positive integer";
  d.location = {"Torvyn.toml", 2, 18, 6};
  d.key = "runtime.worker_threads";
  d.expected = "a positive integer";
  d.found = "\"four\" (string)";
  d.help = "write worker_threads = 4";
  return d;
}

TEST(Diagnostic, RendersCaretUnderTheOffendingText) {
  std::string text = render_human(sample(), "[runtime]\nworker_threads = \"four\"\n");
  EXPECT_NE(text.find("error[E0999]: worker_threads must be a positive integer"), std::string::npos) << text;
  EXPECT_NE(text.find("--> Torvyn.toml:2:18"), std::string::npos) << text;
  EXPECT_NE(text.find("2 | worker_threads = \"four\"\n  |                  ^^^^^^"), std::string::npos) << text;
  EXPECT_NE(text.find("= key: runtime.worker_threads"), std::string::npos) << text;
  EXPECT_NE(text.find("= expected: a positive integer, found: \"four\" (string)"), std::string::npos) << text;
  EXPECT_NE(text.find("= help: write worker_threads = 4"), std::string::npos) << text;
}

TEST(Diagnostic, RendersJsonWithAllFields) {
  std::string j = render_json(std::vector<Diagnostic>{sample()});
  EXPECT_NE(j.find("\"code\":\"E0999\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"line\":2"), std::string::npos) << j;
  EXPECT_NE(j.find("\"key\":\"runtime.worker_threads\""), std::string::npos) << j;
  EXPECT_EQ(j.front(), '[');
}

TEST(Diagnostic, WithoutSourceStillNamesTheFile) {
  std::string text = render_human(sample());
  EXPECT_NE(text.find("--> Torvyn.toml:2:18"), std::string::npos) << text;
  EXPECT_EQ(text.find(" | "), std::string::npos) << text;
}

}  // namespace
}  // namespace torvyn
