// The WASI 0.2 host (torvyn::security::define_wasi) on real wasi-libc components built with the
// preview1 reactor adapter, on both engines: stdio goes to the log callback, clocks work, and
// environment, random and filesystem are denied unless granted, with every decision audited.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "streaming_test_host.h"
#include "torvyn/component/runtime.h"
#include "torvyn/security/wasi_host.h"
#include "torvyn_test/engines.h"
#include "torvyn_test/files.h"

namespace torvyn::security {
namespace {

using component::Instance;
using component::LoadedComponent;
using component::Value;
using component::testing::StreamingTestHost;

std::vector<uint8_t> read_component(const std::string& name) {
  return test::read_bytes(std::string(TORVYN_SDK_COMPONENTS) + "/" + name + ".wasm");
}

struct LogLine {
  std::string component;
  int fd;
  std::string text;
};
struct AuditEvent {
  std::string component, capability;
  bool granted;
};

// One component instance with its own streaming host, WASI host, log and audit records.
struct Guest {
  std::vector<LogLine> log;
  std::vector<AuditEvent> audit;
  std::shared_ptr<WasiOptions> opts = std::make_shared<WasiOptions>();
  std::unique_ptr<StreamingTestHost> host = std::make_unique<StreamingTestHost>();
  std::shared_ptr<WasiContext> wasi;
  std::unique_ptr<Instance> inst;

  Guest() {
    opts->component_name = "probe";
    opts->log = [this](std::string_view c, int fd, std::string_view text) { log.push_back({std::string(c), fd, std::string(text)}); };
    opts->audit = [this](std::string_view c, std::string_view cap, bool ok) { audit.push_back({std::string(c), std::string(cap), ok}); };
  }
  ~Guest() {
    inst.reset();  // before the host whose linker it uses
  }

  bool logged(int fd, const std::string& text) const {
    for (const auto& l : log)
      if (l.fd == fd && l.text == text) return true;
    return false;
  }
  const AuditEvent* audited(const std::string& capability) const {
    for (const auto& a : audit)
      if (a.capability == capability) return &a;
    return nullptr;
  }

  // Runs process() on `payload`; the emitted payload's text, or the call's error.
  Result<std::string> process(const std::string& payload, uint64_t seq = 7) {
    uint64_t p = host->add({payload, "text/plain", 0, true});
    uint64_t ctx = host->add({});
    auto r = inst->call(inst->find_function("torvyn:streaming/processor@0.1.0", "process"), {host->stream_element(seq, p, ctx, "text/plain")});
    host->drop(p);
    host->drop(ctx);
    if (!r.ok()) return r.take_error();
    const Value& res = (*r)[0];
    if (res.case_index != 0) return Error(ErrorCode::Internal, "process returned an error: " + res.to_string());
    if (res.items[0].case_index != 0) return Error(ErrorCode::Internal, "process dropped the element");
    const Value& out = res.items[0].items[0];
    EXPECT_EQ(out.items[0].items[0].u, seq);  // meta.sequence kept
    auto it = host->buffers.find(out.items[1].u);
    if (it == host->buffers.end()) return Error(ErrorCode::Internal, "no output buffer");
    std::string text = it->second.bytes;
    host->drop(out.items[1].u);
    return text;
  }
};

class Wasi : public ::testing::TestWithParam<wasm::EngineKind> {
 public:
  void SetUp() override {
    engine = test::make_test_engine(GetParam(), TORVYN_TEST_CACHE_DIR);
  }

  // Loads `name` with a WASI host configured by `configure` (called before define_wasi).
  std::unique_ptr<Guest> start(const std::string& name, const std::function<void(WasiOptions&)>& configure = {}) {
    auto g = std::make_unique<Guest>();
    if (configure) configure(*g->opts);
    g->wasi = define_wasi(g->host->linker, g->opts);
    auto bytes = read_component(name);
    EXPECT_FALSE(bytes.empty()) << name << " was not built (wasi-libc missing?)";
    auto comp = LoadedComponent::load(engine, bytes, name);
    EXPECT_TRUE(comp.ok()) << comp.error().to_string();
    if (!comp.ok()) return nullptr;
    auto inst = Instance::instantiate(**comp, g->host->linker);
    EXPECT_TRUE(inst.ok()) << inst.error().to_string();
    if (!inst.ok()) return nullptr;
    g->inst = std::move(*inst);
    return g;
  }

  std::shared_ptr<wasm::Engine> engine;
};

// Two numbers after "key=" in the probe's clock output.
int64_t field(const std::string& s, const std::string& key) {
  size_t at = s.find(key + "=");
  if (at == std::string::npos) return -1;
  return std::strtoll(s.c_str() + at + key.size() + 1, nullptr, 10);
}

TEST_P(Wasi, WasiStampRunsThroughTheWasiHost) {
  auto g = start("wasi_stamp", [](WasiOptions& o) { o.component_name = "stamp"; });
  ASSERT_TRUE(g);
  for (uint64_t seq : {0u, 1u, 42u}) {
    auto out = g->process("payload " + std::to_string(seq), seq);
    ASSERT_TRUE(out.ok()) << out.error().to_string();
    EXPECT_EQ(*out, "[" + std::to_string(seq) + "] payload " + std::to_string(seq));
  }
  EXPECT_EQ(g->inst->handles().live_count(), 0u);
}

TEST_P(Wasi, StdoutAndStderrGoToTheLogNotToTheProcess) {
  auto g = start("wasi_probe");
  ASSERT_TRUE(g);
  // (The probe references `environ`, so wasi-libc reads the environment eagerly at start-up.)
  size_t audited_at_start = g->audit.size();
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  auto out = g->process("print:hello \x1b[2Jworld");
  std::string real_stdout = ::testing::internal::GetCapturedStdout();
  std::string real_stderr = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_EQ(*out, "printed");
  EXPECT_TRUE(g->logged(1, "probe says hello \\x1b[2Jworld")) << (g->log.empty() ? "no log" : g->log[0].text);
  EXPECT_TRUE(g->logged(2, "probe warns hello \\x1b[2Jworld"));
  for (const auto& l : g->log) EXPECT_EQ(l.component, "probe");
  EXPECT_EQ(real_stdout.find("probe says"), std::string::npos);
  EXPECT_EQ(real_stderr.find("probe warns"), std::string::npos);
  EXPECT_GT(g->wasi->stats().bytes_logged, 0u);
  // stdio needs no capability: printing audited nothing.
  EXPECT_EQ(g->audit.size(), audited_at_start);
}

TEST_P(Wasi, ClocksAreSane) {
  auto g = start("wasi_probe");
  ASSERT_TRUE(g);
  auto a = g->process("clock");
  auto b = g->process("clock");
  ASSERT_TRUE(a.ok() && b.ok()) << (a.ok() ? b.error().to_string() : a.error().to_string());
  int64_t wall = field(*a, "wall");
  EXPECT_LT(std::llabs(wall - int64_t(std::time(nullptr))), 60) << *a;
  EXPECT_GT(field(*a, "mono"), 0) << *a;
  EXPECT_GE(field(*b, "mono"), field(*a, "mono"));
  EXPECT_GT(field(*a, "res"), 0);
  EXPECT_LE(field(*a, "res"), 1000000000);
  EXPECT_GT(field(*a, "wres"), 0);
}

TEST_P(Wasi, SleepWaitsAndLongSleepsAreRefused) {
  auto g = start("wasi_probe", [](WasiOptions& o) { o.max_block = std::chrono::milliseconds(500); });
  ASSERT_TRUE(g);
  auto slept = g->process("sleep:20");
  ASSERT_TRUE(slept.ok()) << slept.error().to_string();
  ASSERT_EQ(slept->rfind("slept ", 0), 0u) << *slept;
  EXPECT_GE(field("x=" + slept->substr(6), "x"), 20'000'000);
  auto t0 = std::chrono::steady_clock::now();
  auto refused = g->process("sleep:60000");
  ASSERT_FALSE(refused.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(refused.error().code, ErrorCode::WasiLimitExceeded) << refused.error().to_string();
  EXPECT_TRUE(g->inst->poisoned());
}

TEST_P(Wasi, EnvironmentIsDeniedByDefaultAndAudited) {
  auto g = start("wasi_probe", [](WasiOptions& o) { o.env = {{"SECRET", "hunter2"}}; });
  ASSERT_TRUE(g);
  auto out = g->process("env:SECRET");
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_EQ(*out, "SECRET unset count=0");
  const AuditEvent* a = g->audited("wasi:cli/environment");
  ASSERT_NE(a, nullptr);
  EXPECT_FALSE(a->granted);
  EXPECT_EQ(a->component, "probe");
}

TEST_P(Wasi, EnvironmentWhenGranted) {
  auto g = start("wasi_probe", [](WasiOptions& o) {
    o.granted = {"wasi:cli/environment"};
    o.env = {{"GREETING", "hello"}, {"MODE", "test"}};
  });
  ASSERT_TRUE(g);
  auto out = g->process("env:GREETING");
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_EQ(*out, "GREETING=hello count=2");
  const AuditEvent* a = g->audited("wasi:cli/environment");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->granted);
}

TEST_P(Wasi, RandomIsDeniedByTrapping) {
  auto g = start("wasi_probe");
  ASSERT_TRUE(g);
  auto out = g->process("random");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::CapabilityDenied) << out.error().to_string();
  EXPECT_NE(out.error().message.find("wasi:random"), std::string::npos) << out.error().message;
  const AuditEvent* a = g->audited("wasi:random");
  ASSERT_NE(a, nullptr);
  EXPECT_FALSE(a->granted);
  EXPECT_TRUE(g->inst->poisoned());
}

TEST_P(Wasi, RandomWhenGranted) {
  auto g = start("wasi_probe", [](WasiOptions& o) { o.granted = {"wasi:random"}; });
  ASSERT_TRUE(g);
  auto a = g->process("random");
  auto b = g->process("random");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), 7u + 32u) << *a;
  EXPECT_NE(*a, *b);
  EXPECT_NE(*a, "random " + std::string(32, '0'));
  ASSERT_NE(g->audited("wasi:random"), nullptr);
  EXPECT_TRUE(g->audited("wasi:random")->granted);
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/torvyn-wasi-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path + "/" + name) << text; }
  std::string read(const std::string& name) const { return test::read_file(path + "/" + name); }
  std::string path;
};

TEST_P(Wasi, FilesystemIsDeniedByDefault) {
  TempDir dir;
  dir.write("hello.txt", "hello");
  auto g = start("wasi_probe", [&](WasiOptions& o) { o.preopens = {{dir.path, "/data", true}}; });
  ASSERT_TRUE(g);
  // No directory is preopened, so wasi-libc finds no capability for any path.
  for (const char* cmd : {"open:/data/hello.txt", "open:hello.txt", "open:/etc/passwd", "write:/data/x.txt=1", "list:/data"}) {
    auto out = g->process(cmd);
    ASSERT_TRUE(out.ok()) << cmd << ": " << out.error().to_string();
    EXPECT_EQ(out->rfind("errno=", 0), 0u) << cmd << " -> " << *out;
    EXPECT_NE(out->find("Capabilities insufficient"), std::string::npos) << cmd << " -> " << *out;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path + "/x.txt"));
  const AuditEvent* a = g->audited("wasi:filesystem");
  ASSERT_NE(a, nullptr);
  EXPECT_FALSE(a->granted);
}

TEST_P(Wasi, FilesystemGrantedIsConfinedToItsPreopens) {
  TempDir dir;
  dir.write("hello.txt", "hello");
  std::filesystem::create_directory(dir.path + "/sub");
  dir.write("sub/inner.txt", "inner");
  ::symlink("/etc/passwd", (dir.path + "/escape").c_str());
  ::symlink("sub/inner.txt", (dir.path + "/inside").c_str());
  auto g = start("wasi_probe", [&](WasiOptions& o) {
    o.granted = {"wasi:filesystem"};
    o.preopens = {{dir.path, "/data", false}};
  });
  ASSERT_TRUE(g);
  auto read = g->process("open:/data/hello.txt");
  ASSERT_TRUE(read.ok()) << read.error().to_string();
  EXPECT_EQ(*read, "read 5: hello");
  auto inside = g->process("open:/data/inside");
  ASSERT_TRUE(inside.ok());
  EXPECT_EQ(*inside, "read 5: inner");
  auto list = g->process("list:/data");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, "escape,hello.txt,inside,sub");
  // Escapes: a symlink out, "..", and paths outside every preopen.
  for (const char* cmd : {"open:/data/escape", "open:/data/../../etc/passwd", "open:/data/sub/../../etc/passwd"}) {
    auto out = g->process(cmd);
    ASSERT_TRUE(out.ok()) << out.error().to_string();
    EXPECT_EQ(out->rfind("errno=", 0), 0u) << cmd << " -> " << *out;
    EXPECT_NE(out->find("Operation not permitted"), std::string::npos) << cmd << " -> " << *out;  // error-code not-permitted
  }
  auto outside = g->process("open:/etc/passwd");  // under no preopen at all
  ASSERT_TRUE(outside.ok());
  EXPECT_NE(outside->find("Capabilities insufficient"), std::string::npos) << *outside;
  // A read-only preopen refuses writes.
  auto write = g->process("write:/data/new.txt=x");
  ASSERT_TRUE(write.ok());
  EXPECT_NE(write->find("Read-only file system"), std::string::npos) << *write;
  EXPECT_FALSE(std::filesystem::exists(dir.path + "/new.txt"));
  ASSERT_NE(g->audited("wasi:filesystem"), nullptr);
  EXPECT_TRUE(g->audited("wasi:filesystem")->granted);
}

TEST_P(Wasi, WritablePreopen) {
  TempDir dir;
  auto g = start("wasi_probe", [&](WasiOptions& o) {
    o.granted = {"wasi:filesystem"};
    o.preopens = {{dir.path, "/out", true}};
  });
  ASSERT_TRUE(g);
  auto out = g->process("write:/out/result.txt=streamed data");
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_EQ(*out, "wrote");
  EXPECT_EQ(dir.read("result.txt"), "streamed data");
  auto back = g->process("open:/out/result.txt");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, "read 13: streamed data");
  // Every other filesystem operation wasi-libc offers, through the adapter.
  auto ops = g->process("fsops:/out");
  ASSERT_TRUE(ops.ok()) << ops.error().to_string();
  EXPECT_EQ(*ops, "fsops ok");
  EXPECT_FALSE(std::filesystem::exists(dir.path + "/d"));
}

TEST_P(Wasi, ExitTrapsTheGuestCleanly) {
  for (const auto& [cmd, code] : {std::pair<const char*, int>{"exit:0", 0}, {"exit:3", 1}}) {
    auto g = start("wasi_probe");
    ASSERT_TRUE(g);
    auto out = g->process(cmd);
    ASSERT_FALSE(out.ok()) << cmd;
    EXPECT_EQ(out.error().code, ErrorCode::ComponentExited) << out.error().to_string();
    // WASI 0.2 exit carries success or failure only: exit(3) arrives as exit(1).
    EXPECT_NE(out.error().message.find("component called exit(" + std::to_string(code) + ")"), std::string::npos) << out.error().message;
    EXPECT_TRUE(g->inst->poisoned());
    auto again = g->process("clock");
    ASSERT_FALSE(again.ok());
  }
}

TEST_P(Wasi, StdinIsEmptyAndThereIsNoTerminal) {
  auto g = start("wasi_probe");
  ASSERT_TRUE(g);
  auto in = g->process("stdin");
  ASSERT_TRUE(in.ok()) << in.error().to_string();
  EXPECT_EQ(*in, "stdin eof");
  auto tty = g->process("isatty");
  ASSERT_TRUE(tty.ok());
  EXPECT_EQ(*tty, "isatty=0");
}

TEST_P(Wasi, OutputIsCappedAndLongLinesCut) {
  auto g = start("wasi_probe", [](WasiOptions& o) {
    o.max_output_bytes = 3000;
    o.max_line_bytes = 100;
  });
  ASSERT_TRUE(g);
  auto out = g->process("spam:250");  // one 250-byte line, no newline yet
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_TRUE(g->log.empty());  // still buffered: no newline
  g->wasi->flush_output();
  ASSERT_EQ(g->log.size(), 1u);
  EXPECT_EQ(g->log[0].text, std::string(100, 'x') + " [truncated 150 bytes]");
  auto more = g->process("spam:10000");
  ASSERT_TRUE(more.ok()) << more.error().to_string();  // over the cap: dropped, the guest carries on
  bool notice = false;
  for (const auto& l : g->log) notice |= l.text.find("output limit of 3000 bytes") != std::string::npos;
  EXPECT_TRUE(notice);
  WasiStats st = g->wasi->stats();
  // 150 cut from the first line; of the 10000 bytes 2750 fit under the cap (7250 dropped) and
  // 2650 of those were cut from the second line.
  EXPECT_EQ(st.bytes_dropped, 150u + 7250u + 2650u);
  EXPECT_EQ(st.lines_truncated, 2u);
  auto after = g->process("print:still here");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, "printed");
}

TEST_P(Wasi, NoCallbacksIsFine) {
  auto g = start("wasi_probe", [](WasiOptions& o) {
    o.log = nullptr;
    o.audit = nullptr;
  });
  ASSERT_TRUE(g);
  auto out = g->process("print:nobody listens");
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  auto env = g->process("env:HOME");
  ASSERT_TRUE(env.ok());
}

TEST_P(Wasi, WasiComponentDoesNotLinkWithoutTheWasiHost) {
  StreamingTestHost host;  // torvyn:streaming only
  auto comp = LoadedComponent::load(engine, read_component("wasi_probe"), "wasi_probe");
  ASSERT_TRUE(comp.ok());
  auto inst = Instance::instantiate(**comp, host.linker);
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.error().code, ErrorCode::ComponentUnlinkable);
  EXPECT_NE(inst.error().message.find("wasi:"), std::string::npos) << inst.error().message;
}

TORVYN_INSTANTIATE_ON_ENGINES(Wasi);

}  // namespace
}  // namespace torvyn::security
