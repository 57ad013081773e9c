// Real components from the pinned toolchain (@bytecodealliance/jco in node_modules): a guest core
// module (WAT -> wat2wasm) turned into a component with `jco embed` + `jco new` exactly as guests
// are built (DESIGN.md §5), and a component written in the component text format assembled with
// `jco parse` (wasm-tools' own encoder). Skipped, with the reason, when the toolchain is absent.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "test_util.h"
#include "torvyn_test/files.h"

namespace torvyn::component {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = TORVYN_SOURCE_DIR;

struct Toolchain {
  fs::path jco_js;   // node_modules/@bytecodealliance/jco/dist/jco.js (what node_modules/.bin/jco runs)
  fs::path preload;  // sets the WASI shim's preopens so jco's wasm-tools can read WIT files
  fs::path dir;      // scratch directory
  std::string skip_reason;
};

bool on_path(const char* tool) {
  return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

Toolchain toolchain() {
  Toolchain t;
  fs::path bin = kSource / "node_modules/.bin/jco";
  fs::path shim = kSource / "node_modules/@bytecodealliance/preview2-shim/dist/nodejs/filesystem.js";
  t.jco_js = kSource / "node_modules/@bytecodealliance/jco/dist/jco.js";
  if (!fs::exists(bin)) t.skip_reason = "jco is not installed (run `npm ci` at the repository root)";
  else if (!fs::exists(t.jco_js) || !fs::exists(shim)) t.skip_reason = "node_modules has an unexpected jco layout";
  else if (!on_path("node")) t.skip_reason = "node is not on PATH";
  else if (!on_path("wat2wasm")) t.skip_reason = "wat2wasm (wabt) is not on PATH";
  if (!t.skip_reason.empty()) return t;
  t.dir = fs::temp_directory_path() / ("torvyn-jco-test-" + std::to_string(getpid()));
  fs::create_directories(t.dir);
  // jco 1.35's embedded wasm-tools sees no filesystem unless the shim's preopens are set.
  t.preload = t.dir / "preload.mjs";
  test::write_file(t.preload, "import { _setPreopens } from '" + shim.string() + "';\n_setPreopens({ '/': '/' });\n");
  return t;
}

// Runs a shell command, returning its output when it fails (empty on success).
std::string run(const Toolchain& t, const std::string& cmd) {
  fs::path log = t.dir / "log.txt";
  int rc = std::system((cmd + " >" + log.string() + " 2>&1").c_str());
  if (rc == 0) return "";
  return "`" + cmd + "` failed:\n" + test::read_file(log);
}

std::string jco(const Toolchain& t, const std::string& args) {
  return "node --import " + t.preload.string() + " " + t.jco_js.string() + " " + args;
}

const char* kWit = R"(package torvyn:decoder-test@0.1.0;

interface types {
  resource buffer {
    size: func() -> u64;
    read-all: func() -> list<u8>;
  }
  record element-meta { sequence: u64, content-type: string }
  variant process-error { invalid-input(string), fatal(string), deadline-exceeded }
  enum backpressure-signal { ready, pause }
}

interface processor {
  use types.{buffer, element-meta, process-error, backpressure-signal};
  process: func(input: borrow<buffer>, meta: element-meta) -> result<tuple<u32, option<string>>, process-error>;
  notify: func(signal: backpressure-signal);
}

world transform {
  import types;
  export processor;
}
)";

// Imports buffer.size and resource-drop; exports the processor functions, cabi_realloc and a
// post-return, as a C guest built for this world would.
const char* kGuestWat = R"((module
  (import "torvyn:decoder-test/types@0.1.0" "[method]buffer.size" (func $size (param i32) (result i64)))
  (import "torvyn:decoder-test/types@0.1.0" "[resource-drop]buffer" (func $drop (param i32)))
  (memory (export "memory") 1)
  (global $bump (mut i32) (i32.const 1024))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $r i32)
    (local.set $r (global.get $bump))
    (global.set $bump (i32.add (global.get $bump) (local.get 3)))
    (local.get $r))
  (func (export "torvyn:decoder-test/processor@0.1.0#process") (param i32 i64 i32 i32) (result i32)
    (drop (call $size (local.get 0)))
    (i32.const 0))
  (func (export "cabi_post_torvyn:decoder-test/processor@0.1.0#process") (param i32))
  (func (export "torvyn:decoder-test/processor@0.1.0#notify") (param i32))
))";

TEST(Jco, GuestBuiltWithEmbedAndNew) {
  Toolchain t = toolchain();
  if (!t.skip_reason.empty()) GTEST_SKIP() << t.skip_reason;
  test::write_file(t.dir / "wit/world.wit", kWit);  // a folder holding only the wanted world (jco ignores -n)
  test::write_file(t.dir / "guest.wat", kGuestWat);
  fs::path core = t.dir / "guest.wasm", embedded = t.dir / "embedded.wasm", comp = t.dir / "component.wasm";
  ASSERT_EQ(run(t, "wat2wasm " + (t.dir / "guest.wat").string() + " -o " + core.string()), "");
  ASSERT_EQ(run(t, jco(t, "embed " + core.string() + " --wit " + (t.dir / "wit").string() + " -o " + embedded.string())), "");
  ASSERT_EQ(run(t, jco(t, "new " + embedded.string() + " -o " + comp.string())), "");

  // The core module and the embedded module are not components.
  auto not_component = decode_component(test::read_bytes(embedded));
  ASSERT_FALSE(not_component.ok());
  EXPECT_NE(not_component.error().message.find("this is a core module, not a component"), std::string::npos);

  auto r = load_component(test::read_bytes(comp));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Component& c = r.value()->component;
  bool imports_types = false, exports_processor = false, has_nested = false, has_lift_with_post_return = false,
       has_resource_drop = false;
  size_t modules = 0;
  for (const auto& d : c.definitions) {
    if (auto* im = std::get_if<Import>(&d))
      imports_types |= im->name == "torvyn:decoder-test/types@0.1.0" && im->desc.kind == ExternDesc::Kind::Instance;
    if (auto* ex = std::get_if<Export>(&d))
      exports_processor |= ex->name == "torvyn:decoder-test/processor@0.1.0" && ex->sort == Sort::Instance;
    if (auto* cn = std::get_if<Canon>(&d)) {
      has_lift_with_post_return |= cn->kind == Canon::Kind::Lift && cn->options.post_return && cn->options.memory;
      has_resource_drop |= cn->kind == Canon::Kind::ResourceDrop;
    }
    has_nested |= std::holds_alternative<std::shared_ptr<Component>>(d);
    modules += std::holds_alternative<CoreModule>(d);
  }
  EXPECT_TRUE(imports_types);
  EXPECT_TRUE(exports_processor);
  EXPECT_TRUE(has_nested);
  EXPECT_TRUE(has_lift_with_post_return);
  EXPECT_TRUE(has_resource_drop);
  EXPECT_GE(modules, 1u);
  fs::remove_all(t.dir);
}

// A guest that also calls WASI preview 1: `jco new --wasi-reactor` adds the preview-1 adapter,
// i.e. dozens of wasi:* instance imports with resources, a second core module and more wiring.
const char* kWasiGuestWat = R"((module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $rand (param i32 i32) (result i32)))
  (import "torvyn:decoder-test/types@0.1.0" "[method]buffer.size" (func $size (param i32) (result i64)))
  (memory (export "memory") 2)
  (global $bump (mut i32) (i32.const 1024))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $r i32)
    (local.set $r (global.get $bump))
    (global.set $bump (i32.add (global.get $bump) (local.get 3)))
    (local.get $r))
  (func (export "_initialize"))
  (func (export "torvyn:decoder-test/processor@0.1.0#process") (param i32 i64 i32 i32) (result i32)
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0)))
    (drop (call $env (i32.const 0) (i32.const 4)))
    (drop (call $clock (i32.const 0) (i64.const 0) (i32.const 8)))
    (drop (call $rand (i32.const 0) (i32.const 8)))
    (drop (call $size (local.get 0)))
    (i32.const 0))
  (func (export "cabi_post_torvyn:decoder-test/processor@0.1.0#process") (param i32))
  (func (export "torvyn:decoder-test/processor@0.1.0#notify") (param i32))
))";

TEST(Jco, WasiReactorGuest) {
  Toolchain t = toolchain();
  if (!t.skip_reason.empty()) GTEST_SKIP() << t.skip_reason;
  test::write_file(t.dir / "wit/world.wit", kWit);
  test::write_file(t.dir / "guest.wat", kWasiGuestWat);
  fs::path core = t.dir / "guest.wasm", embedded = t.dir / "embedded.wasm", comp = t.dir / "component.wasm";
  ASSERT_EQ(run(t, "wat2wasm " + (t.dir / "guest.wat").string() + " -o " + core.string()), "");
  ASSERT_EQ(run(t, jco(t, "embed " + core.string() + " --wit " + (t.dir / "wit").string() + " -o " + embedded.string())), "");
  ASSERT_EQ(run(t, jco(t, "new " + embedded.string() + " --wasi-reactor -o " + comp.string())), "");
  auto r = load_component(test::read_bytes(comp));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  size_t wasi_imports = 0, modules = 0;
  for (const auto& d : r.value()->component.definitions) {
    if (auto* im = std::get_if<Import>(&d)) wasi_imports += im->name.rfind("wasi:", 0) == 0;
    modules += std::holds_alternative<CoreModule>(d);
  }
  EXPECT_GE(wasi_imports, 3u);
  EXPECT_GE(modules, 2u);  // the guest and the preview-1 adapter (plus shim and fixup)
  fs::remove_all(t.dir);
}

// Every type form and most definitions, encoded by wasm-tools itself.
const char* kFormsWat = R"((component $root
  (type $r (resource (rep i32)))
  (type $rec (record (field "a" u32) (field "b" string)))
  (type $var (variant (case "x") (case "y" u64)))
  (type $l (list u8))
  (type $t (tuple u32 string))
  (type $fl (flags "read" "write"))
  (type $e (enum "ready" "pause"))
  (type $o (option string))
  (type $res (result u32 (error string)))
  (type $res0 (result))
  (type $own (own $r))
  (type $bor (borrow $r))
  (type $f (func (param "x" $rec) (result $res)))
  (type $fnone (func (param "b" $bor)))
  (type $fe (func (param "v" $e)))
  (type $it (instance
    (export "buffer" (type (sub resource)))
    (type (borrow 0))
    (type (func (param "self" 1) (result u64)))
    (export "[method]buffer.size" (func (type 2)))))
  (type $ct (component
    (import "in" (instance (type $it)))
    (export "out" (func (type $fe)))))
  (import "host" (instance $h (type $it)))
  (import "wasi:demo/thing@0.2.0" (type $thing (sub resource)))
  (core module $m
    (memory (export "memory") 1)
    (func (export "f") (param i32 i32 i32) (result i32) i32.const 0)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)
    (func (export "g") (param i32)))
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (core func $rn (canon resource.new $r))
  (core func $rd (canon resource.drop $r))
  (core func $rr (canon resource.rep $r))
  (core func $td (canon resource.drop $thing))
  (func $lifted (type $f) (canon lift (core func $i "f") (memory $mem) (realloc (core func $i "realloc")) string-encoding=utf8))
  (func $fx (type $fe) (canon lift (core func $i "g")))
  (alias export $h "[method]buffer.size" (func $size))
  (core func $lowered (canon lower (func $size)))
  (core instance $ci (export "size" (func $lowered)) (export "mem" (memory $mem)))
  (component $inner
    (alias outer $root $e (type $e2))
    (import "x" (func $x (param "v" $e2)))
    (export "y" (func $x)))
  (instance $ii (instantiate $inner (with "x" (func $fx))))
  (alias export $ii "y" (func $y))
  (instance $inl (export "lifted" (func $lifted)) (export "fx" (func $y)))
  (export "run" (func $fx))
  (export "inst" (instance $inl))
))";

TEST(Jco, TextFormatComponentEncodedByWasmTools) {
  Toolchain t = toolchain();
  if (!t.skip_reason.empty()) GTEST_SKIP() << t.skip_reason;
  test::write_file(t.dir / "forms.wat", kFormsWat);
  fs::path out = t.dir / "forms.wasm";
  ASSERT_EQ(run(t, jco(t, "parse " + (t.dir / "forms.wat").string() + " -o " + out.string())), "");
  auto r = load_component(test::read_bytes(out));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Component& c = r.value()->component;
  size_t types = 0, canons = 0, instances = 0;
  const InlineExport* inline_export = nullptr;
  for (const auto& d : c.definitions) {
    types += std::holds_alternative<std::shared_ptr<Type>>(d);
    canons += std::holds_alternative<Canon>(d);
    if (auto* in = std::get_if<ComponentInstance>(&d)) {
      ++instances;
      if (in->kind == ComponentInstance::Kind::FromExports) inline_export = &in->exports.at(1);
    }
  }
  EXPECT_EQ(types, 17u);
  EXPECT_EQ(canons, 7u);
  EXPECT_EQ(instances, 2u);
  ASSERT_TRUE(inline_export);
  EXPECT_EQ(inline_export->name, "fx");
  EXPECT_EQ(inline_export->sort, Sort::Func);
  fs::remove_all(t.dir);
}

}  // namespace
}  // namespace torvyn::component
