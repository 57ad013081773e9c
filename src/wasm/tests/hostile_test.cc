// Hostile guests and hostile bytes: nothing a module does may crash the host or leak.
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <unistd.h>

#include "torvyn/wasm/engine.h"
#include "aot/rt/trap_guard.h"
#include "test_support.h"
#include "wat.h"

namespace torvyn::wasm {
namespace {

using testing::wat;

using testing::cache_dir;

std::shared_ptr<Engine> make(EngineKind kind, uint32_t max_pages = 16) { return testing::make_engine(kind, max_pages); }

// A function with `locals` i64 locals that recurses `n` times (param 0).
std::vector<uint8_t> many_locals_module(uint32_t locals) {
  using testing::leb;
  std::vector<uint8_t> m = {0, 'a', 's', 'm', 1, 0, 0, 0};
  testing::append_section(m, 1, {1, 0x60, 1, 0x7f, 1, 0x7f});
  testing::append_section(m, 3, {1, 0});
  testing::append_section(m, 7, {1, 1, 'r', 0, 0});
  std::vector<uint8_t> body = {1};
  auto l = leb(locals);
  body.insert(body.end(), l.begin(), l.end());
  body.push_back(0x7e);
  std::vector<uint8_t> code = {0x20, 0, 0x45, 0x04, 0x7f, 0x41, 0, 0x05, 0x20, 0, 0x41, 1, 0x6b, 0x10, 0, 0x0b, 0x0b};
  body.insert(body.end(), code.begin(), code.end());
  std::vector<uint8_t> sec = {1};
  auto bl = leb(body.size());
  sec.insert(sec.end(), bl.begin(), bl.end());
  sec.insert(sec.end(), body.begin(), body.end());
  testing::append_section(m, 10, sec);
  return m;
}

TEST(Hostile, InterpRunsManyLocalsAndTrapsDeepRecursion) {
  // 49,000 locals a frame: the interpreter charges each live frame against its value-stack limit
  // (interp_stack_test.cc) instead of refusing the module for its worst case.
  auto engine = make(EngineKind::Interp);
  auto m = engine->load(many_locals_module(49'000), "locals49k");
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  auto store = engine->new_store();
  auto inst = store->instantiate(**m, {});
  ASSERT_TRUE(inst.ok());
  Extern r = *(*inst)->find_export("r");
  Slot a[1] = {slot_i32(3)}, res[1];
  EXPECT_TRUE(store->call(r, a, res).ok());
  a[0] = slot_i32(1'000'000);
  Trap t = store->call(r, a, res);
  EXPECT_EQ(t.kind, TrapKind::StackExhausted) << t.message;
  a[0] = slot_i32(2);
  EXPECT_TRUE(store->call(r, a, res).ok());
}

TEST(Hostile, AotRunsManyLocalsAndTrapsDeepRecursion) {
  auto engine = make(EngineKind::Aot);
  auto m = engine->load(many_locals_module(49'000), "locals49k");
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  auto store = engine->new_store();
  auto inst = store->instantiate(**m, {});
  ASSERT_TRUE(inst.ok());
  Extern r = *(*inst)->find_export("r");
  Slot a[1] = {slot_i32(3)}, res[1];
  EXPECT_TRUE(store->call(r, a, res).ok());
  a[0] = slot_i32(1'000'000);  // 49k locals per frame: the native stack overflows quickly
  EXPECT_EQ(store->call(r, a, res).kind, TrapKind::StackExhausted);
  a[0] = slot_i32(2);
  EXPECT_TRUE(store->call(r, a, res).ok());
}

TEST(Hostile, HugeMemoryGrowIsRefusedNotAllocated) {
  for (auto kind : {EngineKind::Interp, EngineKind::Aot}) {
    auto engine = make(kind, 1024);
    auto m = engine->load(wat(R"((module (memory 1) (func (export "g") (param i32) (result i32) (memory.grow (local.get 0)))))"), "grow");
    ASSERT_TRUE(m.ok());
    auto store = engine->new_store();
    auto inst = store->instantiate(**m, {});
    ASSERT_TRUE(inst.ok());
    Slot a[1] = {slot_i32(0xFFFFFFFF)}, r[1];
    ASSERT_TRUE(store->call(*(*inst)->find_export("g"), a, r).ok());
    EXPECT_EQ(as_i32(r[0]), 0xFFFFFFFFu) << to_string(kind);
    a[0] = slot_i32(1023);
    ASSERT_TRUE(store->call(*(*inst)->find_export("g"), a, r).ok());
    EXPECT_EQ(as_i32(r[0]), 1u) << to_string(kind);
  }
}

TEST(Hostile, GarbageNeverCrashesTheDecoder) {
  auto engine = make(EngineKind::Interp);
  auto valid = wat(R"((module (memory 1) (func (export "f") (param i32) (result i32) local.get 0 i32.const 3 i32.mul)))");
  uint32_t seed = 12345;
  for (int i = 0; i < 3000; ++i) {
    auto bytes = valid;
    for (int k = 0; k < 3; ++k) {
      seed = seed * 1103515245 + 12345;
      bytes[8 + (seed >> 8) % (bytes.size() - 8)] = static_cast<uint8_t>(seed >> 16);
    }
    auto m = engine->load(bytes, "mutant");
    if (m.ok()) {
      auto store = engine->new_store();
      store->set_fuel_per_invocation(100'000);
      auto inst = store->instantiate(**m, {});
      if (inst.ok()) {
        for (const auto& e : (*m)->exports()) {
          if (e.type.kind == ExternKind::Func && e.type.func.params.size() <= 4) {
            Slot s[8] = {};
            (void)store->call(*(*inst)->find_export(e.name), s, s);
          }
        }
      }
    }
  }
}

TEST(Hostile, ReservationsAreReleasedAcrossManyInstances) {
  // Each aot linear memory reserves 8 GiB of address space; 100,000 instantiate/free cycles would
  // exhaust x86-64's 128 TiB if any reservation leaked.
  auto engine = make(EngineKind::Aot);
  auto m = engine->load(wat(R"((module (memory (export "m") 1) (data (i32.const 0) "hi")))"), "mem");
  ASSERT_TRUE(m.ok());
  uint64_t before = rt::live_reservations();
  for (int i = 0; i < 100'000; ++i) {
    auto store = engine->new_store();
    auto inst = store->instantiate(**m, {});
    ASSERT_TRUE(inst.ok()) << i << ": " << inst.error().to_string();
  }
  EXPECT_EQ(rt::live_reservations(), before);
}

TEST(Hostile, ConcurrentStoresTrapIndependently) {
  for (auto kind : {EngineKind::Interp, EngineKind::Aot}) {
    auto engine = make(kind);
    auto m = engine->load(wat(R"((module (memory 1)
        (func (export "ok") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
        (func (export "oob") (param i32) (result i32) (i32.load (i32.const 0x7fffffff)))
        (func $rec (export "rec") (param i32) (result i32) (call $rec (local.get 0)))))"),
                          "conc");
    ASSERT_TRUE(m.ok());
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        auto store = engine->new_store();
        auto inst = store->instantiate(**m, {});
        if (!inst.ok()) {
          ++failures;
          return;
        }
        Extern ok = *(*inst)->find_export("ok"), oob = *(*inst)->find_export("oob"), rec = *(*inst)->find_export("rec");
        for (int i = 0; i < (kind == EngineKind::Aot ? 2000 : 200); ++i) {
          Slot a[1] = {slot_i32(i + t)}, r[1];
          if (!store->call(ok, a, r).ok() || as_i32(r[0]) != uint32_t(2 * (i + t))) ++failures;
          if (store->call(oob, a, r).kind != TrapKind::OutOfBounds) ++failures;
          if (i % 50 == 0 && store->call(rec, a, r).kind != TrapKind::StackExhausted) ++failures;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures.load(), 0) << to_string(kind);
  }
}

TrapKind null_deref(void*, HostContext&, Slot*) {
  volatile int* p = nullptr;
  *p = 1;  // a host bug, not a guest fault
  return TrapKind::None;
}

TEST(HostileDeathTest, AHostFaultDuringAGuestCallIsNotSwallowed) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto run = [] {
    auto engine = make(EngineKind::Aot);
    auto store = engine->new_store();
    Extern h = store->new_host_func(FuncType{}, null_deref, nullptr);
    auto m = engine->load(wat(R"((module (import "e" "bug" (func $b)) (func (export "f") call $b)))"), "bug");
    auto inst = store->instantiate(**m, std::vector<Extern>{h});
    (void)store->call(*(*inst)->find_export("f"), nullptr, nullptr);
    std::exit(0);  // reached only if the fault had been turned into a trap
  };
  EXPECT_DEATH(run(), "");
}

TEST(Hostile, CompilerFailureIsAnErrorNotACrash) {
  EngineConfig cfg;
  cfg.kind = EngineKind::Aot;
  cfg.cache_dir = cache_dir();
  cfg.cc = "/nonexistent/cc";
  auto e = Engine::create(cfg);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ErrorCode::EnvironmentError);
  EXPECT_NE(e.error().message.find("interp"), std::string::npos);
}

TEST(Fuel, IdenticalOnBothEngines) {
  const char* kernel = R"((module (memory 1)
      (func $mix (param i32) (result i32) (i32.xor (i32.mul (local.get 0) (i32.const 31)) (i32.shr_u (local.get 0) (i32.const 3))))
      (func (export "run") (param i32) (result i32) (local i32 i32)
        (block $done (loop $l
          (br_if $done (i32.ge_u (local.get 1) (local.get 0)))
          (local.set 2 (i32.add (local.get 2) (call $mix (local.get 1))))
          (if (i32.and (local.get 1) (i32.const 1)) (then (i32.store8 (local.get 1) (local.get 2))))
          (local.set 1 (i32.add (local.get 1) (i32.const 1)))
          (br $l)))
        (local.get 2))))";
  auto interp = make(EngineKind::Interp), aot = make(EngineKind::Aot);
  auto mi = interp->load(wat(kernel), "k"), ma = aot->load(wat(kernel), "k");
  ASSERT_TRUE(mi.ok() && ma.ok());
  auto si = interp->new_store(), sa = aot->new_store();
  auto ii = si->instantiate(**mi, {}), ia = sa->instantiate(**ma, {});
  ASSERT_TRUE(ii.ok() && ia.ok());
  for (uint64_t budget : {100ull, 1000ull, 10'000ull, 1'000'000ull}) {
    si->set_fuel_per_invocation(budget);
    sa->set_fuel_per_invocation(budget);
    for (uint32_t n : {0u, 1u, 7u, 100u, 5000u}) {
      Slot a[1] = {slot_i32(n)}, ri[1] = {}, ra[1] = {};
      Trap ti = si->call(*(*ii)->find_export("run"), a, ri);
      Trap ta = sa->call(*(*ia)->find_export("run"), a, ra);
      EXPECT_EQ(ti.kind, ta.kind) << budget << "/" << n;
      EXPECT_EQ(si->fuel_consumed(), sa->fuel_consumed()) << budget << "/" << n;
      if (ti.ok()) {
        EXPECT_EQ(as_i32(ri[0]), as_i32(ra[0]));
      }
    }
  }
}

}  // namespace
}  // namespace torvyn::wasm

namespace torvyn::wasm {
namespace {

TEST(AotCache, ConcurrentFirstLoadsAgreeAndTheSecondLoadHitsTheCache) {
  std::string dir = ::testing::TempDir() + "torvyn-cache-race-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  auto bytes = testing::wat(R"((module (func (export "f") (result i32) i32.const 99)))");
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      EngineConfig cfg;
      cfg.kind = EngineKind::Aot;
      cfg.cache_dir = dir;
      cfg.opt_level = "-O0";
      auto e = Engine::create(cfg);
      if (!e.ok()) return;
      auto m = (*e)->load(bytes, "race");
      if (!m.ok()) return;
      auto store = (*e)->new_store();
      auto inst = store->instantiate(**m, {});
      Slot r[1];
      if (inst.ok() && store->call(*(*inst)->find_export("f"), nullptr, r).ok() && as_i32(r[0]) == 99) ++ok;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 4);
  // Exactly one object, no temporaries left behind.
  int objects = 0, other = 0;
  for (auto& p : std::filesystem::recursive_directory_iterator(dir)) {
    // each object's digest record and description
    if (p.is_directory() || p.path().filename() == "module.sha256" || p.path().filename() == "module.desc") continue;
    (p.path().extension() == ".so" ? objects : other)++;
  }
  EXPECT_EQ(objects, 1);
  if (objects != 1)
    for (auto& p : std::filesystem::recursive_directory_iterator(dir)) std::cerr << p.path() << "\n";
  EXPECT_EQ(other, 0);
  std::filesystem::remove_all(dir);
}

TEST(Memory, BoundsCheckedCopies) {
  for (auto kind : {EngineKind::Interp, EngineKind::Aot}) {
    auto engine = make(kind);
    auto m = engine->load(testing::wat(R"((module (memory (export "m") 1)))"), "m");
    ASSERT_TRUE(m.ok());
    auto store = engine->new_store();
    auto inst = store->instantiate(**m, {});
    ASSERT_TRUE(inst.ok());
    Extern mem = *(*inst)->find_export("m");
    std::vector<uint8_t> data = {1, 2, 3, 4};
    EXPECT_TRUE(store->write_memory(mem, 65532, data));
    EXPECT_FALSE(store->write_memory(mem, 65533, data));
    EXPECT_FALSE(store->write_memory(mem, ~uint64_t{0} - 1, data));  // offset + size overflows
    std::vector<uint8_t> back(4);
    EXPECT_TRUE(store->read_memory(mem, 65532, back));
    EXPECT_EQ(back, data);
    EXPECT_FALSE(store->read_memory(mem, 65536, std::span(back.data(), 1)));
    EXPECT_TRUE(store->read_memory(mem, 65536, std::span(back.data(), 0)));
  }
}

}  // namespace
}  // namespace torvyn::wasm
