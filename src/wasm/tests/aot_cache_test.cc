// The aot compilation cache as an attack surface (issue 18): who owns its directory, what it loads,
// what a killed process leaves behind, and how far a compile may go.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "torvyn/base/sha256.h"
#include "torvyn/wasm/engine.h"
#include "torvyn_test/files.h"
#include "wat.h"

namespace torvyn::wasm {
namespace {

namespace fs = std::filesystem;

const char* kModule = R"((module (func (export "f") (result i32) i32.const 41)))";

// A fresh directory under the test temp dir, removed afterwards.
struct TempCache {
  std::string dir;
  explicit TempCache(const std::string& name) {
    dir = ::testing::TempDir() + "torvyn-aot-" + name + "-" + std::to_string(::getpid());
    fs::remove_all(dir);
  }
  ~TempCache() {
    std::error_code ec;
    fs::permissions(dir, fs::perms::owner_all, ec);
    fs::remove_all(dir, ec);
  }
};

EngineConfig aot_config(const std::string& dir) {
  EngineConfig cfg;
  cfg.kind = EngineKind::Aot;
  cfg.cache_dir = dir;
  cfg.opt_level = "-O0";
  return cfg;
}

// Loads kModule with a new engine on `dir` and calls f; the result, or -1.
int load_and_call(const std::string& dir, std::string* error = nullptr) {
  auto e = Engine::create(aot_config(dir));
  if (!e.ok()) {
    if (error) *error = e.error().to_string();
    return -1;
  }
  auto m = (*e)->load(testing::wat(kModule), "cached");
  if (!m.ok()) {
    if (error) *error = m.error().to_string();
    return -1;
  }
  auto store = (*e)->new_store();
  auto inst = store->instantiate(**m, {});
  if (!inst.ok()) return -1;
  Slot r[1] = {};
  if (!store->call(*(*inst)->find_export("f"), nullptr, r).ok()) return -1;
  return static_cast<int>(as_i32(r[0]));
}

// The only compiled object in `dir`.
fs::path the_object(const std::string& dir) {
  fs::path found;
  int n = 0;
  for (auto& p : fs::recursive_directory_iterator(dir))
    if (p.path().filename() == "module.so") {
      found = p.path();
      ++n;
    }
  EXPECT_EQ(n, 1);
  return found;
}

std::string pid_namespace() {
  char buf[64];
  ssize_t n = ::readlink("/proc/self/ns/pid", buf, sizeof buf - 1);
  std::string digits;
  for (ssize_t i = 0; i < n; ++i)
    if (buf[i] >= '0' && buf[i] <= '9') digits += buf[i];
  return digits.empty() ? "0" : digits;
}

TEST(AotCacheTrust, AWorldWritableCacheDirectoryIsRefused) {
  TempCache c("world-writable");
  fs::create_directories(c.dir);
  ASSERT_EQ(::chmod(c.dir.c_str(), 0777), 0);
  auto e = Engine::create(aot_config(c.dir));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ErrorCode::UnsafeDirectory);
  EXPECT_NE(e.error().message.find(c.dir), std::string::npos) << e.error().message;
  EXPECT_NE(e.error().message.find("compilation_cache_dir"), std::string::npos) << e.error().message;
  EXPECT_NE(e.error().message.find("chmod"), std::string::npos) << e.error().message;
}

TEST(AotCacheTrust, ACacheDirectoryOwnedByAnotherUserIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  TempCache c("foreign");
  fs::create_directories(c.dir);
  ASSERT_EQ(::chmod(c.dir.c_str(), 0700), 0);
  ASSERT_EQ(::chown(c.dir.c_str(), 65534, 65534), 0);
  auto e = Engine::create(aot_config(c.dir));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ErrorCode::UnsafeDirectory);
  EXPECT_NE(e.error().message.find(c.dir), std::string::npos) << e.error().message;
}

TEST(AotCacheTrust, ASymlinkedCacheDirectoryIsRefused) {
  TempCache real("symlink-target"), link("symlink");
  fs::create_directories(real.dir);
  fs::create_directory_symlink(real.dir, link.dir);
  auto e = Engine::create(aot_config(link.dir));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ErrorCode::UnsafeDirectory);
}

TEST(AotCacheTrust, DirectoriesAreCreatedPrivate) {
  TempCache c("private");
  ASSERT_EQ(load_and_call(c.dir + "/a/b"), 41);
  for (const fs::path& d : {fs::path(c.dir), fs::path(c.dir + "/a"), fs::path(c.dir + "/a/b"), the_object(c.dir + "/a/b").parent_path(),
                            the_object(c.dir + "/a/b").parent_path().parent_path()}) {
    struct stat st{};
    ASSERT_EQ(::lstat(d.c_str(), &st), 0) << d;
    EXPECT_EQ(st.st_mode & 07777, 0700u) << d;
  }
}

TEST(AotCacheTrust, AReplacedEntryIsNotLoadedButRecompiled) {
  TempCache c("replaced");
  ASSERT_EQ(load_and_call(c.dir), 41);
  fs::path object = the_object(c.dir);

  // A shared object whose constructor leaves a marker, put where the compiled module was.
  std::string marker = c.dir + "/../torvyn-aot-marker-" + std::to_string(::getpid());
  fs::remove(marker);
  std::string src = c.dir + "/evil.c";
  std::ofstream(src) << "#include <fcntl.h>\n#include <unistd.h>\n__attribute__((constructor)) static void evil(void) { close(open(\"" << marker
                     << "\", O_CREAT | O_WRONLY, 0600)); }\n";
  std::string cmd = "cc -shared -fPIC -o '" + c.dir + "/evil.so' '" + src + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  fs::remove(object);
  fs::copy_file(c.dir + "/evil.so", object);
  ::chmod(object.c_str(), 0700);

  ::testing::internal::CaptureStderr();
  int r = load_and_call(c.dir);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(r, 41);
  EXPECT_FALSE(fs::exists(marker)) << "the replaced object's constructor ran";
  EXPECT_NE(err.find("E0111"), std::string::npos) << err;
  EXPECT_NE(err.find("cached"), std::string::npos) << err;  // the module's name
  fs::remove(marker);
  // The entry was rebuilt: the next load is silent.
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(load_and_call(c.dir), 41);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

TEST(AotCacheTrust, AnEntryFromAnotherModuleIsNotLoaded) {
  TempCache c("swapped");
  ASSERT_EQ(load_and_call(c.dir), 41);
  fs::path object = the_object(c.dir);
  // A genuine Torvyn object of another module, with its own genuine digest record.
  TempCache other("swapped-other");
  {
    auto e = Engine::create(aot_config(other.dir));
    ASSERT_TRUE(e.ok());
    ASSERT_TRUE((*e)->load(testing::wat(R"((module (func (export "f") (result i32) i32.const 7)))"), "other").ok());
  }
  fs::path theirs = the_object(other.dir);
  fs::remove(object);
  fs::remove(object.parent_path() / "module.sha256");
  fs::copy_file(theirs, object);
  fs::copy_file(theirs.parent_path() / "module.sha256", object.parent_path() / "module.sha256");

  ::testing::internal::CaptureStderr();
  EXPECT_EQ(load_and_call(c.dir), 41);  // not 7
  EXPECT_NE(::testing::internal::GetCapturedStderr().find("E0111"), std::string::npos);
}

TEST(AotCacheTrust, ATruncatedEntryIsRecompiledNotACrash) {
  TempCache c("truncated");
  ASSERT_EQ(load_and_call(c.dir), 41);
  fs::path object = the_object(c.dir);
  fs::resize_file(object, fs::file_size(object) / 2);
  ::testing::internal::CaptureStderr();
  int r = load_and_call(c.dir);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(r, 41);
  EXPECT_NE(err.find("E0111"), std::string::npos) << err;
  // And a missing digest record, an empty object: the same.
  object = the_object(c.dir);
  fs::resize_file(object, 0);
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(load_and_call(c.dir), 41);
  EXPECT_NE(::testing::internal::GetCapturedStderr().find("E0111"), std::string::npos);
  fs::remove(the_object(c.dir).parent_path() / "module.sha256");
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(load_and_call(c.dir), 41);
  EXPECT_NE(::testing::internal::GetCapturedStderr().find("E0111"), std::string::npos);
}

TEST(AotCacheTrust, OrphanedWorkDirectoriesAndCompilersAreRemoved) {
  TempCache c("orphans");
  ASSERT_EQ(load_and_call(c.dir), 41);  // creates and checks the directory

  // A pid that is surely dead: a child we have reaped.
  pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  const std::string ns = pid_namespace();
  fs::path orphan = fs::path(c.dir) / ("tmp-" + ns + "-" + std::to_string(dead) + "-Abc123");
  fs::path live = fs::path(c.dir) / ("tmp-" + ns + "-" + std::to_string(::getpid()) + "-Def456");
  fs::path legacy = fs::path(c.dir) / "tmp-Ghi789";
  fs::path probe = fs::path(c.dir) / ("cc-version-" + ns + "-" + std::to_string(dead) + "-Jkl012");
  for (const auto& d : {orphan, live, legacy}) {
    fs::create_directory(d);
    std::ofstream(d / "module.c") << "int x;\n";
  }
  std::ofstream(probe) << "cc 1.0\n";
  // Old-layout directories count by age: two hours.
  struct timeval old[2] = {{::time(nullptr) - 7200, 0}, {::time(nullptr) - 7200, 0}};
  ASSERT_EQ(::utimes(legacy.c_str(), old), 0);

  // A "compiler" left running in the orphan's directory.
  pid_t straggler = ::fork();
  if (straggler == 0) {
    if (::chdir(orphan.c_str()) != 0) ::_exit(1);
    ::execlp("sleep", "sleep", "60", static_cast<char*>(nullptr));
    ::_exit(1);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let it chdir and exec

  ASSERT_EQ(load_and_call(c.dir), 41);
  EXPECT_FALSE(fs::exists(orphan));
  EXPECT_FALSE(fs::exists(legacy));
  EXPECT_FALSE(fs::exists(probe));
  EXPECT_TRUE(fs::exists(live));  // its owner (this process) is alive
  int status = 0;
  ASSERT_EQ(::waitpid(straggler, &status, 0), straggler);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

TEST(AotCompileLimits, ATinyMemoryLimitFailsWithCompileLimit) {
  TempCache c("tiny-limit");
  EngineConfig cfg = aot_config(c.dir);
  cfg.compile_memory_limit = 24u << 20;
  auto e = Engine::create(cfg);
  ASSERT_TRUE(e.ok()) << e.error().to_string();
  auto m = (*e)->load(testing::wat(kModule), "greedy");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::WasmCompileLimit) << m.error().to_string();
  EXPECT_NE(m.error().message.find("greedy"), std::string::npos) << m.error().message;
  EXPECT_NE(m.error().message.find("engine = \"interp\""), std::string::npos) << m.error().message;
  // Nothing was published, nothing left behind.
  for (auto& p : fs::recursive_directory_iterator(c.dir)) EXPECT_TRUE(p.is_directory()) << p.path();
}

TEST(AotCompileLimits, ACompileOverItsTimeIsACompileLimit) {
  TempCache c("slow");
  fs::create_directories(c.dir);
  // A "compiler" that answers --version and then hangs.
  std::string cc = c.dir + "/../torvyn-slow-cc-" + std::to_string(::getpid());
  std::ofstream(cc) << "#!/bin/sh\nif [ \"$1\" = --version ]; then echo slow-cc 1; exit 0; fi\nsleep 30\n";
  ::chmod(cc.c_str(), 0700);
  EngineConfig cfg = aot_config(c.dir);
  cfg.cc = cc;
  cfg.compile_timeout = std::chrono::seconds(1);
  auto e = Engine::create(cfg);
  ASSERT_TRUE(e.ok()) << e.error().to_string();
  auto start = std::chrono::steady_clock::now();
  auto m = (*e)->load(testing::wat(kModule), "slow");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::WasmCompileLimit) << m.error().to_string();
  EXPECT_NE(m.error().message.find("interp"), std::string::npos);
  fs::remove(cc);
}

}  // namespace
}  // namespace torvyn::wasm

namespace torvyn::wasm {
namespace {

// What a progress display is told (issue 13): a miss is Started then Finished with the time it
// took; a hit is CacheHit alone. The interpreter compiles nothing and says nothing.
TEST(AotCompileEvents, MissStartsAndFinishesHitSaysCached) {
  TempCache cache("events");
  std::vector<CompileEvent> seen;
  std::vector<std::string> names;
  EngineConfig cfg = aot_config(cache.dir);
  cfg.on_compile = [&](const CompileEvent& e) {
    seen.push_back(e);
    names.emplace_back(e.module);
  };
  const auto bytes = testing::wat(kModule);
  for (int round = 0; round < 2; ++round) {
    auto e = Engine::create(cfg);
    ASSERT_TRUE(e.ok()) << e.error().to_string();
    ASSERT_TRUE((*e)->load(bytes, "watched").ok());
  }
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].kind, CompileEvent::Kind::Started);
  EXPECT_EQ(seen[1].kind, CompileEvent::Kind::Finished);
  EXPECT_GT(seen[1].elapsed.count(), 0);
  EXPECT_EQ(seen[2].kind, CompileEvent::Kind::CacheHit);
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(names[i], "watched");
    EXPECT_EQ(seen[i].bytes, bytes.size());
  }

  cfg.kind = EngineKind::Interp;
  auto interp = Engine::create(cfg);
  ASSERT_TRUE(interp.ok());
  ASSERT_TRUE((*interp)->load(bytes, "watched").ok());
  EXPECT_EQ(seen.size(), 3u);
}

}  // namespace
}  // namespace torvyn::wasm

namespace torvyn::wasm {
namespace {

// A warm load reads what it needs to know of the module from the entry (module.desc) instead of
// decoding the module: it must describe the module exactly as a cold load did, and fall back to
// decoding whenever the description is missing, altered or from another version.
const char* kDescribedModule = R"((module
  (import "env" "f" (func $f (param i32 i64) (result f32)))
  (import "env" "m" (memory 1 4))
  (import "env" "g" (global i64))
  (table (export "t") 2 funcref)
  (global $c (export "c") (mut i32) (i32.const 3))
  (global (export "k") f64 (f64.const 1))
  (data $d "xy")
  (func (export "run") (result i32) data.drop $d (global.get $c))))";

struct Described {
  std::vector<ImportDesc> imports;
  std::vector<ExportDesc> exports;
  StateLayout state;
};
bool operator==(const ExternType& a, const ExternType& b) {
  return a.kind == b.kind && a.func == b.func && a.table == b.table && a.memory == b.memory && a.global == b.global;
}

Described load_described(const std::string& dir) {
  auto e = Engine::create(aot_config(dir));
  EXPECT_TRUE(e.ok());
  if (!e.ok()) return {};
  auto m = (*e)->load(testing::wat(kDescribedModule), "described");
  EXPECT_TRUE(m.ok()) << m.error().to_string();
  if (!m.ok()) return {};
  return {(*m)->imports(), (*m)->exports(), (*m)->state_layout()};
}

void expect_same(const Described& a, const Described& b) {
  ASSERT_EQ(a.imports.size(), b.imports.size());
  for (size_t i = 0; i < a.imports.size(); ++i) {
    EXPECT_EQ(a.imports[i].module, b.imports[i].module);
    EXPECT_EQ(a.imports[i].name, b.imports[i].name);
    EXPECT_TRUE(a.imports[i].type == b.imports[i].type) << i;
  }
  ASSERT_EQ(a.exports.size(), b.exports.size());
  for (size_t i = 0; i < a.exports.size(); ++i) {
    EXPECT_EQ(a.exports[i].name, b.exports[i].name);
    EXPECT_TRUE(a.exports[i].type == b.exports[i].type) << a.exports[i].name;
  }
  ASSERT_EQ(a.state.items.size(), b.state.items.size());
  for (size_t i = 0; i < a.state.items.size(); ++i) EXPECT_TRUE(a.state.items[i] == b.state.items[i]) << i;
  EXPECT_EQ(a.state.not_movable, b.state.not_movable);
}

fs::path the_description(const std::string& dir) { return the_object(dir).parent_path() / "module.desc"; }

TEST(AotCacheDescription, AWarmLoadDescribesTheModuleAsTheColdLoadDid) {
  TempCache c("described");
  Described cold = load_described(c.dir);
  ASSERT_TRUE(fs::exists(the_description(c.dir)));
  EXPECT_EQ(cold.imports.size(), 3u);
  EXPECT_EQ(cold.exports.size(), 4u);
  EXPECT_FALSE(cold.state.not_movable.empty());  // data.drop: read from the code, kept in the entry
  expect_same(cold, load_described(c.dir));
  // And the compiled code runs from a warm load (no decode in between).
  EXPECT_EQ(load_and_call(c.dir), 41);
}

TEST(AotCacheDescription, AnAlteredDescriptionIsNotBelieved) {
  TempCache c("altered");
  Described cold = load_described(c.dir);
  fs::path desc = the_description(c.dir);
  std::string text = test::read_file(desc);
  size_t at = text.find("\"run\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 5, "\"out\"");  // an export renamed; the recorded digest no longer matches
  fs::permissions(desc, fs::perms::owner_read | fs::perms::owner_write);
  test::write_file(desc, text);
  expect_same(cold, load_described(c.dir));
}

TEST(AotCacheDescription, ASymlinkedDescriptionIsNotFollowed) {
  TempCache c("symlinked");
  Described cold = load_described(c.dir);
  fs::path desc = the_description(c.dir);
  // Elsewhere, a description that would pass every check of its content (an export renamed, its
  // digest recomputed), reached through a symbolic link: it must not be read.
  const std::string record = test::read_file(desc);
  size_t key_line = record.find('\n') + 1, text_at = record.find('\n', key_line) + 1;
  std::string text = record.substr(text_at);
  size_t at = text.find("\"run\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 5, "\"out\"");
  std::string forged = "sha256 " + sha256_hex(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())) + "\n" +
                       record.substr(key_line, text_at - key_line) + text;
  fs::path elsewhere = c.dir + "/elsewhere.desc";
  test::write_file(elsewhere, forged);
  fs::remove(desc);
  fs::create_symlink(elsewhere, desc);
  expect_same(cold, load_described(c.dir));
  EXPECT_FALSE(fs::is_symlink(desc)) << "the load wrote its own description in place of the link";
  expect_same(cold, load_described(c.dir));
}

TEST(AotCacheDescription, AnEntryWithoutADescriptionGetsOne) {
  TempCache c("backfilled");
  Described cold = load_described(c.dir);
  fs::remove(the_description(c.dir));  // as entries compiled before descriptions were stored
  expect_same(cold, load_described(c.dir));
  ASSERT_TRUE(fs::exists(the_description(c.dir)));
  expect_same(cold, load_described(c.dir));
}

}  // namespace
}  // namespace torvyn::wasm
