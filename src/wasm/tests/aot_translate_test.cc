// The aot translation's peepholes on wasm2c's C (translate.h): a fuel charge keeps its store and
// check but loses the second read of the volatile counter; a function reads each memory's data
// pointer once. The charges' semantics (the counts, the
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

// A wasm2c-shaped text: the accessor definitions, then functions that touch memory or not.
const std::string kDefines =
    "DEFINE_LOAD(i32_load, u32, u32, u32)\n"
    "DEFINE_LOAD(i32_load8_u, u8, u32, u32)\n"
    "DEFINE_STORE(i32_store, u32, u32)\n"
    "DEFINE_STORE(i64_store32, u32, u64)\n";

TEST(AotTranslate, EachFunctionReadsAMemorysDataPointerOnce) {
  const std::string fn =
      "static u32 w2c_f1(Z_torvyn_instance_t* instance, u32 w2c_p0) {\n"
      "  u32 w2c_l1 = 0;\n"
      "  FUNC_PROLOGUE;\n"
      "  u32 w2c_i0, w2c_i1;\n"
      "  w2c_i0 = i32_load(&instance->w2c_e0, (u64)(w2c_p0) + 8u);\n"
      "  i32_store(&instance->w2c_e0, (u64)(w2c_i0), w2c_i1);\n"
      "  w2c_i0 = i32_load8_u(instance->Z_iZ_x2, (u64)(w2c_i0));\n"
      "  w2c_i0 = wasm_rt_grow_memory(&instance->w2c_e0, w2c_i0);\n"  // not an accessor: stays
      "  FUNC_EPILOGUE;\n"
      "  return w2c_i0;\n"
      "}\n";
  size_t rewritten = 0;
  std::string out = cache_memory_bases("/* head */\n" + kDefines + "\n" + fn, &rewritten);
  EXPECT_EQ(rewritten, 3u);
  EXPECT_NE(out.find("TORVYN_LOAD_B(i32_load8_u, u8, u32, u32)\n"), std::string::npos) << out;
  EXPECT_NE(out.find("TORVYN_STORE_B(i64_store32, u32, u64)\n"), std::string::npos) << out;
  EXPECT_NE(out.find("#error"), std::string::npos) << out;  // only with guard pages
  EXPECT_NE(out.find("  FUNC_PROLOGUE;\n"
                     "  u8* const torvyn_mb_w2c_e0 = instance->w2c_e0.data;\n"
                     "  u8* const torvyn_mbp_Z_iZ_x2 = instance->Z_iZ_x2->data;\n"
                     "  u32 w2c_i0, w2c_i1;\n"
                     "  w2c_i0 = i32_load_b(torvyn_mb_w2c_e0, (u64)(w2c_p0) + 8u);\n"
                     "  i32_store_b(torvyn_mb_w2c_e0, (u64)(w2c_i0), w2c_i1);\n"
                     "  w2c_i0 = i32_load8_u_b(torvyn_mbp_Z_iZ_x2, (u64)(w2c_i0));\n"
                     "  w2c_i0 = wasm_rt_grow_memory(&instance->w2c_e0, w2c_i0);\n"),
            std::string::npos)
      << out;
}

TEST(AotTranslate, AFunctionWithoutMemoryAccessesGetsNoBase) {
  const std::string fn =
      "static u32 w2c_f2(Z_torvyn_instance_t* instance, u32 w2c_p0) {\n"
      "  FUNC_PROLOGUE;\n"
      "  u32 w2c_i0 = instance->w2c_g0;\n"
      "  w2c_i0 = w2c_f3(instance, w2c_i0);\n"
      "  FUNC_EPILOGUE;\n"
      "  return w2c_i0;\n"
      "}\n";
  size_t rewritten = 9;
  std::string out = cache_memory_bases(kDefines + "\n" + fn, &rewritten);
  EXPECT_EQ(rewritten, 0u);
  EXPECT_NE(out.find(fn), std::string::npos) << out;  // the function is unchanged
}

TEST(AotTranslate, TextWithoutAccessorDefinitionsIsUnchanged) {
  size_t rewritten = 9;
  const std::string c = "  FUNC_PROLOGUE;\n  w2c_i0 = i32_load(&instance->w2c_e0, 0u);\n}\n";
  EXPECT_EQ(cache_memory_bases(c, &rewritten), c);
  EXPECT_EQ(rewritten, 0u);
}

// A module can make the C text huge. The rewrite is one forward pass: many bodies full of other
// `instance->` reads, with the only access at the very end, are rewritten exactly (a search that
// rescanned from each body to the next access would take minutes here, and the test time out).
TEST(AotTranslate, TheRewriteIsOnePassOverAHugeText) {
  std::string c = "/* head */\n" + kDefines + "\n";
  std::string reads;
  for (int r = 0; r < 100; ++r) reads += "  w2c_i0 = w2c_f3(instance->w2c_g0, (instance->w2c_g1));\n";
  for (int f = 0; f < 1000; ++f) c += "static void w2c_f" + std::to_string(f) + "(Z_torvyn_instance_t* instance) {\n  FUNC_PROLOGUE;\n" + reads + "}\n";
  c += "static u32 w2c_last(Z_torvyn_instance_t* instance) {\n  FUNC_PROLOGUE;\n  return i32_load(&instance->w2c_e0, 0u);\n}\n";
  size_t rewritten = 0;
  std::string out = cache_memory_bases(c, &rewritten);
  EXPECT_EQ(rewritten, 1u);
  EXPECT_NE(out.find("  return i32_load_b(torvyn_mb_w2c_e0, 0u);\n}\n"), std::string::npos);
  EXPECT_EQ(out.find("torvyn_mb_w2c_e0 = "), out.rfind("torvyn_mb_w2c_e0 = "));  // declared once, in w2c_last
}

}  // namespace
}  // namespace torvyn::wasm::aot
