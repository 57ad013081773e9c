// OutElement's content type: inline up to 63 bytes, on the heap beyond, and either way a value
// (copies are independent, a move leaves the source empty, assigning its own text is safe).
#include <gtest/gtest.h>

#include <string>

#include "torvyn/reactor/stage.h"

namespace torvyn::reactor {
namespace {

TEST(ContentType, ShortAndLongTypesKeepTheirTextThroughCopiesAndMoves) {
  const std::string longer(200, 'x');
  for (const std::string& text : {std::string("application/json"), std::string(63, 'a'), std::string(64, 'b'), longer}) {
    SCOPED_TRACE(text.size());
    ContentType a(text);
    EXPECT_EQ(a.view(), text);
    ContentType copy(a);
    EXPECT_EQ(copy.view(), text);
    ContentType assigned;
    assigned = a;
    EXPECT_EQ(assigned.view(), text);
    ContentType moved(std::move(copy));
    EXPECT_EQ(moved.view(), text);
    EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): a moved-from type is empty
    ContentType move_assigned("text/plain");
    move_assigned = std::move(assigned);
    EXPECT_EQ(move_assigned.view(), text);
    a = a.view();  // its own text, inline or on the heap
    EXPECT_EQ(a.view(), text);
    a = "short";  // back inline from the heap
    EXPECT_EQ(a.view(), "short");
    EXPECT_EQ(moved.view(), text);
  }
}

TEST(ContentType, AnOutElementStartsEmpty) {
  std::optional<OutElement> out;
  out.emplace();
  EXPECT_TRUE(out->content_type.empty());
  EXPECT_EQ(out->sequence, 0u);
  EXPECT_EQ(out->ack_id, 0u);
  EXPECT_FALSE(out->payload);
}

}  // namespace
}  // namespace torvyn::reactor
