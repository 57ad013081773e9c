// The aot translation's peephole on wasm2c's C (translate.h): a fuel charge keeps its store and
// check but loses the second read of the volatile counter. The charges' semantics (the counts, the
// trap at exhaustion, the watchdog's interrupt) are covered by engine_test.cc on both backends.
#include <gtest/gtest.h>

#include <string>

#include "aot/translate.h"

namespace torvyn::wasm::aot {
namespace {

TEST(AotTranslate, AChargeLosesOnlyItsSecondReadOfTheCounter) {
  const std::string charge =
      "  w2c_L1: \n"
      "    w2c_j0 = (*instance->Z_iZ_fuel);\n"
      "    w2c_j1 = 50ull;\n"
      "    w2c_j0 -= w2c_j1;\n"
      "    (*instance->Z_iZ_fuel) = w2c_j0;\n"
      "    w2c_j0 = (*instance->Z_iZ_fuel);\n"
      "    w2c_j1 = 0ull;\n";
  const std::string deeper =  // another nesting depth, another stack slot
      "      (*instance->Z_iZ_fuel) = w2c_j2;\n"
      "      w2c_j2 = (*instance->Z_iZ_fuel);\n"
      "      w2c_i0 = (u64)((s64)w2c_j2 < (s64)w2c_j3);\n";
  size_t dropped = 0;
  std::string out = drop_fuel_rereads(charge + deeper, &dropped);
  EXPECT_EQ(dropped, 2u);
  EXPECT_EQ(out,
            "  w2c_L1: \n"
            "    w2c_j0 = (*instance->Z_iZ_fuel);\n"
            "    w2c_j1 = 50ull;\n"
            "    w2c_j0 -= w2c_j1;\n"
            "    (*instance->Z_iZ_fuel) = w2c_j0;\n"
            "    w2c_j1 = 0ull;\n"
            "      (*instance->Z_iZ_fuel) = w2c_j2;\n"
            "      w2c_i0 = (u64)((s64)w2c_j2 < (s64)w2c_j3);\n");
}

TEST(AotTranslate, AnythingElseAroundTheCounterStays) {
  const std::string c =
      "    (*instance->Z_iZ_fuel) = w2c_j0;\n"
      "    w2c_j1 = (*instance->Z_iZ_fuel);\n"  // another variable: not the value just stored
      "    (*instance->Z_iZ_fuel) = w2c_j0;\n"
      "    w2c_j0 = w2c_j1;\n"
      "    (*instance->Z_iZ_fuel) = w2c_j0;";  // at the end of the text
  size_t dropped = 7;
  EXPECT_EQ(drop_fuel_rereads(c, &dropped), c);
  EXPECT_EQ(dropped, 0u);
}

}  // namespace
}  // namespace torvyn::wasm::aot
