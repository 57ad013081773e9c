// CallStatus's message: no allocation when there is nothing to say, the text kept through copies
// and moves when there is, and describe() as before.
#include <gtest/gtest.h>

#include <sstream>

#include "torvyn/reactor/stage.h"

namespace torvyn::reactor {
namespace {

TEST(CallStatus, ASuccessCarriesNoText) {
  CallStatus ok;
  EXPECT_TRUE(ok);
  EXPECT_TRUE(ok.message.empty());
  EXPECT_EQ(ok.message.str(), "");
  EXPECT_EQ(ok.describe(), "ok");
  CallStatus empty{FailKind::Internal, ""};
  EXPECT_TRUE(empty.message.empty());
  EXPECT_EQ(empty.describe(), "internal");
}

TEST(CallStatus, AFailuresTextSurvivesCopiesMovesAndEdits) {
  CallStatus st{FailKind::InvalidInput, std::string("bad element e3")};
  CallStatus copy = st;
  CallStatus moved = std::move(st);
  EXPECT_EQ(copy.message, "bad element e3");
  EXPECT_EQ(moved.message, "bad element e3");
  EXPECT_EQ(copy.describe(), "invalid-input: bad element e3");
  EXPECT_NE(copy.message.find("e3"), std::string::npos);
  std::ostringstream os;
  os << copy.message;
  EXPECT_EQ(os.str(), "bad element e3");

  copy.message.edit() += " (retried)";
  EXPECT_EQ(copy.message, "bad element e3 (retried)");
  EXPECT_EQ(moved.message, "bad element e3");
  copy.message.clear();
  EXPECT_TRUE(copy.message.empty());
  CallStatus fresh;
  fresh.message.edit() = "written in place";
  EXPECT_EQ(fresh.message.view(), "written in place");
}

TEST(CallStatus, ALimitsTrapIsDescribedByItsMessageAlone) {
  CallStatus st = CallStatus::trap(Error(ErrorCode::FuelExhausted, "fuel exhausted after 100 units"));
  EXPECT_EQ(st.describe(), "fuel exhausted after 100 units");
  EXPECT_EQ(st.failure_code(), ErrorCode::FuelExhausted);
}

}  // namespace
}  // namespace torvyn::reactor
