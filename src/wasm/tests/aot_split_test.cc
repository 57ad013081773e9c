// A large module compiled as several translation units by a bounded pool (split_units.h,
// CompileCache::run_jobs): the linked object behaves like the one-unit compile, progress counts the
// units, and a unit that exceeds its limits is named in the error.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "torvyn/wasm/engine.h"
#include "wat.h"

namespace torvyn::wasm {
namespace {

namespace fs = std::filesystem;

struct TempCache {
  std::string dir;
  explicit TempCache(const std::string& name) {
    dir = ::testing::TempDir() + "torvyn-aot-split-" + name + "-" + std::to_string(::getpid());
    fs::remove_all(dir);
  }
  ~TempCache() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// 60 functions calling each other directly and through a table, a passive data segment read by
// memory.init from a function body (segment tables are shared between units), multi-value
// results, a mutable global and a function whose C header wraps over several lines.
std::string many_functions() {
  std::string m = "(module (memory 1) (global $g (mut i32) (i32.const 0)) (type $t (func (param i32) (result i32)))\n";
  m += "(table 60 funcref) (elem (i32.const 0)";
  for (int i = 0; i < 60; ++i) m += " $f" + std::to_string(i);
  m += ")\n(data $d \"\\05\\06\\07\\08\")\n";
  m += "(func $f0 (param i32) (result i32) (global.set $g (i32.add (global.get $g) (i32.const 1))) (local.get 0))\n";
  for (int i = 1; i < 60; ++i) {
    std::string prev = "$f" + std::to_string(i - 1);
    m += "(func $f" + std::to_string(i) + " (param i32) (result i32) (local i32)\n";
    // A loop, so each function has some body to compile.
    m += "  (local.set 1 (i32.const 0)) (block (loop (br_if 1 (i32.ge_u (local.get 1) (i32.const 3)))\n";
    m += "    (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br 0)))\n";
    if (i % 2)
      m += "  (i32.add (call " + prev + " (local.get 0)) (i32.const 1)))\n";
    else
      m += "  (i32.add (call_indirect (type $t) (local.get 0) (i32.const " + std::to_string(i - 1) + ")) (i32.const 1)))\n";
  }
  m += "(func $pair (result i32 i32) (i32.const 3) (i32.const 4))\n";
  // wasm2c wraps a long parameter list over several lines (seen at 9+ parameters).
  m += "(func $wide (export \"wide\") (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)\n";
  m += "  (i32.add (local.get 0) (local.get 15)))\n";
  m += "(func (export \"run\") (param i32) (result i32)\n";
  m += "  (memory.init $d (i32.const 100) (i32.const 0) (i32.const 4))\n";
  m += "  (call $f59 (local.get 0)) (i32.load8_u (i32.const 103)) i32.add\n";
  m += "  call $pair i32.add i32.add)\n";
  m += "(func (export \"calls\") (result i32) (global.get $g)))\n";
  return m;
}

EngineConfig split_config(const std::string& dir, size_t max_units) {
  EngineConfig cfg;
  cfg.kind = EngineKind::Aot;
  cfg.cache_dir = dir;
  cfg.opt_level = "-O0";
  cfg.compile_unit_bytes = 4096;  // a few functions a unit
  cfg.compile_max_units = max_units;
  cfg.compile_jobs = 2;
  return cfg;
}

int32_t run(Engine& engine, const std::vector<uint8_t>& bytes, std::string* error = nullptr) {
  auto m = engine.load(bytes, "many");
  if (!m.ok()) {
    if (error) *error = m.error().to_string();
    return -1;
  }
  auto store = engine.new_store();
  auto inst = store->instantiate(**m, {});
  if (!inst.ok()) {
    if (error) *error = inst.error().to_string();
    return -1;
  }
  Slot a[1] = {slot_i32(1000)}, r[1];
  Trap t = store->call(*(*inst)->find_export("run"), a, r);
  if (!t.ok()) {
    if (error) *error = t.message;
    return -1;
  }
  Slot c[1];
  if (!store->call(*(*inst)->find_export("calls"), nullptr, c).ok()) return -1;
  return static_cast<int32_t>(r[0]) * 1000 + static_cast<int32_t>(c[0]);
}

TEST(AotSplit, SeveralUnitsBehaveLikeOneAndProgressCountsThem) {
  const auto bytes = testing::wat(many_functions());
  // 1000 + 59 + 8 (data byte) + 7 (3 + 4), and $f0 ran once.
  const int32_t expected = (1000 + 59 + 8 + 7) * 1000 + 1;

  TempCache one("one");
  auto whole = Engine::create(split_config(one.dir, 1));
  ASSERT_TRUE(whole.ok()) << whole.error().to_string();
  std::string error;
  EXPECT_EQ(run(**whole, bytes, &error), expected) << error;

  TempCache many("many");
  std::vector<CompileEvent> progress;
  EngineConfig cfg = split_config(many.dir, 8);
  cfg.on_compile = [&](const CompileEvent& e) {
    if (e.kind == CompileEvent::Kind::Progress) progress.push_back(e);
  };
  auto split = Engine::create(cfg);
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(run(**split, bytes, &error), expected) << error;
  ASSERT_FALSE(progress.empty());
  // Several function units, plus the main unit and the glue: and every one of them was counted.
  EXPECT_GE(progress.back().units_total, 5u);
  EXPECT_LE(progress.back().units_total, 8u + 2u);
  EXPECT_EQ(progress.back().units_done, progress.back().units_total);
  for (size_t i = 1; i < progress.size(); ++i) EXPECT_GT(progress[i].units_done, progress[i - 1].units_done);
  EXPECT_EQ(progress.back().module, "many");

  // Cached: loaded again without compiling.
  progress.clear();
  auto again = Engine::create(cfg);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(run(**again, bytes, &error), expected) << error;
  EXPECT_TRUE(progress.empty());
}

TEST(AotSplit, AUnitOverItsMemoryLimitIsNamed) {
  TempCache cache("limit");
  EngineConfig cfg = split_config(cache.dir, 8);
  cfg.compile_memory_limit = 16ull << 20;  // no C compiler runs in 16 MiB
  auto engine = Engine::create(cfg);
  ASSERT_TRUE(engine.ok());
  auto m = (*engine)->load(testing::wat(many_functions()), "starved");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::WasmCompileLimit) << m.error().to_string();
  EXPECT_NE(m.error().message.find("unit"), std::string::npos) << m.error().message;
  EXPECT_NE(m.error().message.find("16 MiB"), std::string::npos) << m.error().message;
}

}  // namespace
}  // namespace torvyn::wasm
