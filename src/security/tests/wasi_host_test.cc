// The WASI host functions called directly, the way a misbehaving guest could call them (the
// adapter never would): empty polls, unknown handles, oversized requests, path escapes. Each must
// be an error for that guest, never a crash. (tests/component/wasi_test.cc runs real components.)
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "torvyn/security/wasi_host.h"
#include "torvyn_test/files.h"

namespace torvyn::security {
namespace {

using component::AbiKind;
using component::Value;

// An instance of the empty component (just the preamble), to stand for the calling guest.
std::unique_ptr<component::Instance> empty_instance() {
  wasm::EngineConfig cfg;
  cfg.kind = wasm::EngineKind::Interp;
  auto engine = wasm::Engine::create(cfg);
  EXPECT_TRUE(engine.ok());
  std::vector<uint8_t> preamble{0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
  auto comp = component::LoadedComponent::load(*engine, preamble, "empty");
  EXPECT_TRUE(comp.ok()) << comp.error().to_string();
  component::Linker none;
  auto inst = component::Instance::instantiate(**comp, none);
  EXPECT_TRUE(inst.ok()) << inst.error().to_string();
  return std::move(*inst);
}

struct Host {
  component::Linker linker;
  std::shared_ptr<WasiOptions> opts = std::make_shared<WasiOptions>();
  std::shared_ptr<WasiContext> ctx;
  std::unique_ptr<component::Instance> caller = empty_instance();  // HostCall wants one; WASI functions do not use it
  std::vector<std::pair<int, std::string>> log;

  explicit Host(const std::function<void(WasiOptions&)>& configure = {}) {
    opts->component_name = "direct";
    opts->log = [this](std::string_view, int fd, std::string_view text) { log.emplace_back(fd, std::string(text)); };
    if (configure) configure(*opts);
    ctx = define_wasi(linker, opts);
  }

  Result<std::vector<Value>> call(const std::string& iface, const std::string& fn, const std::vector<Value>& args) {
    auto inst = linker.find(iface);
    if (!inst) return Error(ErrorCode::ComponentUnlinkable, "no " + iface);
    const auto* f = inst->function(fn);
    if (!f) return Error(ErrorCode::ComponentUnlinkable, "no " + iface + "." + fn);
    EXPECT_EQ(f->type.params.size(), args.size()) << fn;
    component::HostCall hc{*caller};
    std::vector<Value> results;
    if (auto s = f->fn(hc, args, results); !s) return s.take_error();
    EXPECT_EQ(results.size(), f->type.results.size()) << fn;
    return results;
  }
  uint64_t rep(const std::string& iface, const std::string& fn, const std::vector<Value>& args = {}) {
    auto r = call(iface, fn, args);
    EXPECT_TRUE(r.ok()) << fn << ": " << (r.ok() ? "" : r.error().to_string());
    return r.ok() ? (*r)[0].u : 0;
  }
  void drop(const std::string& iface, const std::string& resource, uint64_t rep) {
    linker.find(iface)->resource(resource)->destructor(rep);
  }
};

const std::string kPoll = "wasi:io/poll@0.2.12", kStreams = "wasi:io/streams@0.2.12", kClock = "wasi:clocks/monotonic-clock@0.2.3";
const std::string kFs = "wasi:filesystem/types@0.2.12", kPreopens = "wasi:filesystem/preopens@0.2.12";

Value handle(uint64_t rep) { return Value::handle(AbiKind::Borrow, rep); }
Value u64(uint64_t v) { return Value::u64(AbiKind::U64, v); }
Value bytes(std::string s) {
  Value v = Value::list({});
  v.str = std::move(s);
  return v;
}
Value str(std::string s) { return Value::string(std::move(s)); }
Value flags(std::vector<bool> f) { return Value::flags(std::move(f)); }

TEST(WasiHost, InterfacesMatchAny02Version) {
  Host h;
  for (const char* name : {"wasi:io/streams@0.2.0", "wasi:io/streams@0.2.12", "wasi:cli/stdout@0.2.6", "wasi:random/random@0.2.1",
                           "wasi:filesystem/preopens@0.2.12", "wasi:cli/terminal-stderr@0.2.12", "wasi:random/insecure-seed@0.2.12"})
    EXPECT_NE(h.linker.find(name), nullptr) << name;
  EXPECT_EQ(h.linker.find("wasi:io/streams@0.3.0"), nullptr);
  EXPECT_EQ(h.linker.find("wasi:sockets/tcp@0.2.0"), nullptr);  // not provided
}

TEST(WasiHost, PollRulesAndLimits) {
  Host h([](WasiOptions& o) { o.max_block = std::chrono::milliseconds(50); });
  auto empty = h.call(kPoll, "poll", {Value::list({})});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::WasiMisuse);
  auto unknown = h.call(kPoll, "poll", {Value::list({handle(12345)})});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::ResourceHandleError);

  uint64_t soon = h.rep(kClock, "subscribe-duration", {u64(1'000'000)});
  uint64_t later = h.rep(kClock, "subscribe-duration", {u64(UINT64_MAX)});  // saturates, never overflows
  auto r = h.call(kPoll, "poll", {Value::list({handle(later), handle(soon)})});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ((*r)[0].items.size(), 1u);
  EXPECT_EQ((*r)[0].items[0].u, 1u);  // only the 1 ms timer
  auto t0 = std::chrono::steady_clock::now();
  auto forever = h.call(kPoll, "poll", {Value::list({handle(later)})});
  ASSERT_FALSE(forever.ok());
  EXPECT_EQ(forever.error().code, ErrorCode::WasiLimitExceeded);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
  auto block = h.call(kPoll, "[method]pollable.block", {handle(later)});
  ASSERT_FALSE(block.ok());
  EXPECT_EQ(block.error().code, ErrorCode::WasiLimitExceeded);
  auto ready = h.call(kPoll, "[method]pollable.ready", {handle(soon)});
  ASSERT_TRUE(ready.ok());
  EXPECT_TRUE((*ready)[0].b);
  h.drop(kPoll, "pollable", soon);
  auto dropped = h.call(kPoll, "[method]pollable.ready", {handle(soon)});
  ASSERT_FALSE(dropped.ok());
  EXPECT_EQ(dropped.error().code, ErrorCode::ResourceHandleError);
}

TEST(WasiHost, StreamsOnStdio) {
  Host h([](WasiOptions& o) { o.max_request_bytes = 1000; });
  uint64_t out = h.rep("wasi:cli/stdout@0.2.0", "get-stdout");
  uint64_t in = h.rep("wasi:cli/stdin@0.2.0", "get-stdin");
  auto permit = h.call(kStreams, "[method]output-stream.check-write", {handle(out)});
  ASSERT_TRUE(permit.ok());
  EXPECT_GT((*permit)[0].items[0].u, 0u);
  ASSERT_TRUE(h.call(kStreams, "[method]output-stream.write", {handle(out), bytes("one\ntw")}).ok());
  ASSERT_TRUE(h.call(kStreams, "[method]output-stream.blocking-write-and-flush", {handle(out), bytes("o\n")}).ok());
  ASSERT_EQ(h.log.size(), 2u);
  EXPECT_EQ(h.log[1], (std::pair<int, std::string>{1, "two"}));
  auto zeros = h.call(kStreams, "[method]output-stream.write-zeroes", {handle(out), u64(uint64_t(1) << 40)});
  ASSERT_FALSE(zeros.ok());
  EXPECT_EQ(zeros.error().code, ErrorCode::WasiLimitExceeded);
  // stdin is closed; splicing from it reports closed too.
  for (const char* fn : {"[method]input-stream.read", "[method]input-stream.blocking-read", "[method]input-stream.skip"}) {
    auto r = h.call(kStreams, fn, {handle(in), u64(UINT64_MAX)});
    ASSERT_TRUE(r.ok()) << fn;
    EXPECT_EQ((*r)[0].case_index, 1u) << fn;           // err
    EXPECT_EQ((*r)[0].items[0].case_index, 1u) << fn;  // closed
  }
  auto splice = h.call(kStreams, "[method]output-stream.splice", {handle(out), handle(in), u64(10)});
  ASSERT_TRUE(splice.ok());
  EXPECT_EQ((*splice)[0].case_index, 1u);
  // A handle of the wrong kind (an input stream passed as output) is an error, not a crash.
  auto wrong = h.call(kStreams, "[method]output-stream.write", {handle(in), bytes("x")});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::ResourceHandleError);
  h.drop(kStreams, "output-stream", out);
  ASSERT_FALSE(h.call(kStreams, "[method]output-stream.write", {handle(out), bytes("x")}).ok());
}

TEST(WasiHost, RandomIsGatedAndBounded) {
  Host denied;
  auto r = denied.call("wasi:random/random@0.2.0", "get-random-u64", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::CapabilityDenied);
  EXPECT_FALSE(denied.call("wasi:random/insecure-seed@0.2.0", "insecure-seed", {}).ok());

  Host granted([](WasiOptions& o) {
    o.granted = {"wasi:random"};
    o.max_request_bytes = 4096;
  });
  auto b = granted.call("wasi:random/random@0.2.0", "get-random-bytes", {u64(32)});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)[0].str.size(), 32u);
  auto huge = granted.call("wasi:random/random@0.2.0", "get-random-bytes", {u64(UINT64_MAX)});
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().code, ErrorCode::WasiLimitExceeded);
  EXPECT_TRUE(granted.call("wasi:random/insecure@0.2.0", "get-insecure-random-bytes", {u64(8)}).ok());
}

TEST(WasiHost, LiveResourcesAreBounded) {
  Host h([](WasiOptions& o) { o.max_resources = 10; });
  std::vector<uint64_t> reps;
  for (int i = 0; i < 10; ++i) reps.push_back(h.rep("wasi:cli/stdout@0.2.0", "get-stdout"));
  auto over = h.call("wasi:cli/stdout@0.2.0", "get-stdout", {});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::WasiLimitExceeded);
  auto timer = h.call(kClock, "subscribe-duration", {u64(0)});
  ASSERT_FALSE(timer.ok());
  h.drop(kStreams, "output-stream", reps.back());
  EXPECT_TRUE(h.call(kClock, "subscribe-duration", {u64(0)}).ok());
}

TEST(WasiHost, ExitCarriesTheCode) {
  Host h;
  auto e = h.call("wasi:cli/exit@0.2.0", "exit", {Value::variant(AbiKind::Result, 1)});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ErrorCode::ComponentExited);
  EXPECT_NE(e.error().message.find("component called exit(1)"), std::string::npos);
  auto c = h.call("wasi:cli/exit@0.2.0", "exit-with-code", {Value::u64(AbiKind::U8, 42)});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("component called exit(42)"), std::string::npos);
}

class FsHost : public ::testing::Test {
 public:
  void SetUp() override {
    char tmpl[] = "/tmp/torvyn-wasi-host-XXXXXX";
    dir = ::mkdtemp(tmpl);
    std::ofstream(dir + "/file.txt") << "content";
    std::filesystem::create_directory(dir + "/sub");
    ::symlink("/etc", (dir + "/abs").c_str());
    ::symlink("../..", (dir + "/sub/up").c_str());
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  // The preopened directory descriptor of a host with the given grant.
  uint64_t preopen(Host& h) {
    auto r = h.call(kPreopens, "get-directories", {});
    EXPECT_TRUE(r.ok());
    if (!r.ok() || (*r)[0].items.empty()) return 0;
    EXPECT_EQ((*r)[0].items[0].items[1].str, "/data");
    return (*r)[0].items[0].items[0].u;
  }
  // open-at; returns the error-code case or -1 on success (then *out is the descriptor).
  int open_at(Host& h, uint64_t base, const std::string& path, bool follow, std::vector<bool> oflags, std::vector<bool> dflags, uint64_t* out = nullptr) {
    auto r = h.call(kFs, "[method]descriptor.open-at", {handle(base), flags({follow}), str(path), flags(std::move(oflags)), flags(std::move(dflags))});
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    if (!r.ok()) return -2;
    if ((*r)[0].case_index == 1) return int((*r)[0].items[0].case_index);
    if (out) *out = (*r)[0].items[0].u;
    return -1;
  }
  int unit_call(Host& h, const std::string& fn, std::vector<Value> args) {
    auto r = h.call(kFs, "[method]descriptor." + fn, args);
    EXPECT_TRUE(r.ok()) << fn << ": " << r.error().to_string();
    if (!r.ok()) return -2;
    return (*r)[0].case_index == 1 ? int((*r)[0].items[0].case_index) : -1;
  }

  static constexpr int kOk = -1, kAccess = 0, kQuota = 6, kNoEntry = 20, kNotPermitted = 31, kReadOnly = 33, kLoop = 15;
  std::string dir;
};

TEST_F(FsHost, DeniedMeansNoDirectories) {
  Host h([&](WasiOptions& o) { o.preopens = {{dir, "/data", true}}; });
  auto r = h.call(kPreopens, "get-directories", {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)[0].items.empty());
}

TEST_F(FsHost, PathsCannotEscape) {
  Host h([&](WasiOptions& o) {
    o.granted = {"wasi:filesystem"};
    o.preopens = {{dir, "/data", false}, {dir + "/missing", "/gone", false}};
  });
  uint64_t base = preopen(h);
  ASSERT_NE(base, 0u);
  std::vector<bool> none(4, false), read{true, false, false, false, false, false};
  uint64_t f = 0;
  EXPECT_EQ(open_at(h, base, "file.txt", false, none, read, &f), kOk);
  EXPECT_EQ(open_at(h, base, "sub/../file.txt", false, none, read), kOk);
  EXPECT_EQ(open_at(h, base, "/etc/passwd", true, none, read), kNotPermitted);
  EXPECT_EQ(open_at(h, base, "../etc/passwd", true, none, read), kNotPermitted);
  EXPECT_EQ(open_at(h, base, "abs/passwd", true, none, read), kNotPermitted);
  EXPECT_EQ(open_at(h, base, "sub/up/etc", true, none, read), kNotPermitted);
  EXPECT_EQ(open_at(h, base, "abs", false, none, read), kLoop);  // a final symlink without symlink-follow
  EXPECT_EQ(open_at(h, base, "nope.txt", false, none, read), kNoEntry);
  EXPECT_EQ(open_at(h, base, std::string("file.txt\0x", 10), false, none, read), 12 /*invalid*/);
  // Read-only preopen: no creating, truncating, writing, or changing the tree.
  EXPECT_EQ(open_at(h, base, "new.txt", false, {true, false, false, false}, read), kReadOnly);
  EXPECT_EQ(open_at(h, base, "file.txt", false, none, {true, true, false, false, false, false}), kReadOnly);
  EXPECT_EQ(unit_call(h, "create-directory-at", {handle(base), str("d")}), kReadOnly);
  EXPECT_EQ(unit_call(h, "unlink-file-at", {handle(base), str("file.txt")}), kReadOnly);
  EXPECT_TRUE(std::filesystem::exists(dir + "/file.txt"));
  // stat-at and metadata-hash-at resolve beneath the base too.
  auto st = h.call(kFs, "[method]descriptor.stat-at", {handle(base), flags({true}), str("abs/passwd")});
  ASSERT_TRUE(st.ok());
  EXPECT_EQ((*st)[0].case_index, 1u);
  EXPECT_EQ((*st)[0].items[0].case_index, uint32_t(kNotPermitted));
  auto ok_stat = h.call(kFs, "[method]descriptor.stat-at", {handle(base), flags({false}), str("file.txt")});
  ASSERT_TRUE(ok_stat.ok());
  ASSERT_EQ((*ok_stat)[0].case_index, 0u);
  EXPECT_EQ((*ok_stat)[0].items[0].items[2].u, 7u);  // size
  auto link = h.call(kFs, "[method]descriptor.readlink-at", {handle(base), str("abs")});
  ASSERT_TRUE(link.ok());
  EXPECT_EQ((*link)[0].items[0].case_index, uint32_t(kNotPermitted));  // absolute targets are not shown
  // Reads on the opened file; a write-only operation on a read descriptor is refused.
  auto rd = h.call(kFs, "[method]descriptor.read", {handle(f), u64(UINT64_MAX), u64(0)});
  ASSERT_TRUE(rd.ok());
  EXPECT_EQ((*rd)[0].items[0].items[0].str, "content");
  EXPECT_TRUE((*rd)[0].items[0].items[1].b);  // end of file
  EXPECT_EQ(unit_call(h, "set-size", {handle(f), u64(0)}), 3 /*bad-descriptor*/);
  // Directory listing.
  auto ls = h.call(kFs, "[method]descriptor.read-directory", {handle(base)});
  ASSERT_TRUE(ls.ok());
  uint64_t stream = (*ls)[0].items[0].u;
  std::set<std::string> names;
  for (;;) {
    auto e = h.call(kFs, "[method]directory-entry-stream.read-directory-entry", {handle(stream)});
    ASSERT_TRUE(e.ok());
    ASSERT_EQ((*e)[0].case_index, 0u);
    if ((*e)[0].items[0].case_index == 0) break;
    names.insert((*e)[0].items[0].items[0].items[1].str);
  }
  EXPECT_EQ(names, (std::set<std::string>{"abs", "file.txt", "sub"}));
  // Unknown descriptors are errors for the caller.
  auto bogus = h.call(kFs, "[method]descriptor.stat", {handle(999999)});
  ASSERT_FALSE(bogus.ok());
  EXPECT_EQ(bogus.error().code, ErrorCode::ResourceHandleError);
}

TEST_F(FsHost, WritablePreopenMutatesOnlyBeneath) {
  Host h([&](WasiOptions& o) {
    o.granted = {"wasi:filesystem"};
    o.preopens = {{dir, "/data", true}};
  });
  uint64_t base = preopen(h);
  ASSERT_NE(base, 0u);
  EXPECT_EQ(unit_call(h, "create-directory-at", {handle(base), str("made")}), kOk);
  EXPECT_TRUE(std::filesystem::is_directory(dir + "/made"));
  EXPECT_EQ(unit_call(h, "create-directory-at", {handle(base), str("abs/evil")}), kNotPermitted);
  EXPECT_EQ(unit_call(h, "create-directory-at", {handle(base), str("sub/up/evil")}), kNotPermitted);
  EXPECT_EQ(unit_call(h, "symlink-at", {handle(base), str("/etc/passwd"), str("l")}), kNotPermitted);
  EXPECT_EQ(unit_call(h, "rename-at", {handle(base), str("file.txt"), handle(base), str("../outside.txt")}), kNotPermitted);
  EXPECT_EQ(unit_call(h, "link-at", {handle(base), flags({true}), str("abs"), handle(base), str("x")}), kNotPermitted);
  EXPECT_EQ(unit_call(h, "unlink-file-at", {handle(base), str("..")}), 12 /*invalid*/);
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(dir).parent_path() / "outside.txt"));
  // Removing the "abs" symlink removes the link, not /etc.
  EXPECT_EQ(unit_call(h, "unlink-file-at", {handle(base), str("abs")}), kOk);
  EXPECT_TRUE(std::filesystem::exists("/etc/passwd"));
  EXPECT_EQ(unit_call(h, "rename-at", {handle(base), str("file.txt"), handle(base), str("made/moved.txt")}), kOk);
  EXPECT_TRUE(std::filesystem::exists(dir + "/made/moved.txt"));
  // Streams on a file opened for writing.
  uint64_t f = 0;
  ASSERT_EQ(open_at(h, base, "out.txt", false, {true, false, false, true}, {false, true, false, false, false, false}, &f), kOk);
  auto ws = h.call(kFs, "[method]descriptor.write-via-stream", {handle(f), u64(0)});
  ASSERT_TRUE(ws.ok());
  ASSERT_EQ((*ws)[0].case_index, 0u);
  uint64_t out = (*ws)[0].items[0].u;
  ASSERT_TRUE(h.call(kStreams, "[method]output-stream.write", {handle(out), bytes("abc")}).ok());
  auto as = h.call(kFs, "[method]descriptor.append-via-stream", {handle(f)});
  ASSERT_TRUE(as.ok());
  ASSERT_TRUE(h.call(kStreams, "[method]output-stream.blocking-write-and-flush", {handle((*as)[0].items[0].u), bytes("def")}).ok());
  auto contents = [&] { return test::read_file(dir + "/out.txt"); };
  EXPECT_EQ(contents(), "abcdef");
  // Streams keep the file open after the descriptor is dropped; each keeps its own position.
  h.drop(kFs, "descriptor", f);
  ASSERT_TRUE(h.call(kStreams, "[method]output-stream.write", {handle(out), bytes("ABC")}).ok());
  EXPECT_EQ(contents(), "abcABC");
}

TEST_F(FsHost, OpenFilesAreBounded) {
  Host h([&](WasiOptions& o) {
    o.granted = {"wasi:filesystem"};
    o.preopens = {{dir, "/data", false}};
    o.max_open_files = 3;
  });
  uint64_t base = preopen(h);  // 1 open
  std::vector<bool> none(4, false), read{true, false, false, false, false, false};
  uint64_t a = 0, b = 0;
  ASSERT_EQ(open_at(h, base, "file.txt", false, none, read, &a), kOk);  // 2
  auto ls = h.call(kFs, "[method]descriptor.read-directory", {handle(base)});  // 3
  ASSERT_TRUE(ls.ok());
  ASSERT_EQ((*ls)[0].case_index, 0u);
  EXPECT_EQ(open_at(h, base, "file.txt", false, none, read, &b), kQuota);
  auto ls2 = h.call(kFs, "[method]descriptor.read-directory", {handle(base)});
  ASSERT_TRUE(ls2.ok());
  EXPECT_EQ((*ls2)[0].items[0].case_index, uint32_t(kQuota));
  h.drop(kFs, "directory-entry-stream", (*ls)[0].items[0].u);
  EXPECT_EQ(open_at(h, base, "file.txt", false, none, read, &b), kOk);
}

TEST_F(FsHost, FileReadStreamEndsClosed) {
  Host h([&](WasiOptions& o) {
    o.granted = {"wasi:filesystem"};
    o.preopens = {{dir, "/data", false}};
  });
  uint64_t base = preopen(h);
  uint64_t f = 0;
  ASSERT_EQ(open_at(h, base, "file.txt", false, std::vector<bool>(4, false), {true, false, false, false, false, false}, &f), kOk);
  auto rs = h.call(kFs, "[method]descriptor.read-via-stream", {handle(f), u64(3)});
  ASSERT_TRUE(rs.ok());
  uint64_t in = (*rs)[0].items[0].u;
  auto a = h.call(kStreams, "[method]input-stream.read", {handle(in), u64(100)});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)[0].items[0].str, "tent");
  auto b = h.call(kStreams, "[method]input-stream.read", {handle(in), u64(100)});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)[0].case_index, 1u);
  EXPECT_EQ((*b)[0].items[0].case_index, 1u);  // closed
}

}  // namespace
}  // namespace torvyn::security
