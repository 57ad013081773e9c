#include "torvyn/observability/inspection_server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "fake_source.h"

namespace torvyn::observability {
namespace {

using nlohmann::json;
using testing::FakeSource;
using testing::unix_request;
namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/tvo-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct AuditEntry {
  std::string method, path, peer;
  int status;
};

struct AuditLog {
  std::mutex mu;
  std::vector<AuditEntry> entries;
  InspectionServer::AuditFn fn() {
    return [this](std::string_view m, std::string_view p, int s, std::string_view peer) {
      std::lock_guard lock(mu);
      entries.push_back({std::string(m), std::string(p), std::string(peer), s});
    };
  }
  std::vector<AuditEntry> get() {
    std::lock_guard lock(mu);
    return entries;
  }
};

mode_t mode_of(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode;
}

TEST(InspectionServer, UnixSocketServesTheApi) {
  TempDir tmp;
  auto src = FakeSource::pipeline();
  AuditLog audit;
  InspectionServer::Options o;
  o.socket_path = tmp.path() + "/state/torvyn.sock";  // parent does not exist yet
  o.audit = audit.fn();
  InspectionServer server(*src, o);
  Status s = server.start();
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_TRUE(server.running());
  EXPECT_EQ(server.socket_path(), o.socket_path);
  EXPECT_EQ(server.tcp_port(), 0);

  mode_t sock = mode_of(o.socket_path);
  EXPECT_TRUE(S_ISSOCK(sock));
  EXPECT_EQ(sock & 07777, 0600u);
  EXPECT_EQ(mode_of(tmp.path() + "/state") & 07777, 0700u);
  // Nothing else is left in the directory but the lock file.
  std::vector<std::string> entries;
  for (const auto& e : fs::directory_iterator(tmp.path() + "/state")) entries.push_back(e.path().filename());
  std::sort(entries.begin(), entries.end());
  EXPECT_EQ(entries, (std::vector<std::string>{"torvyn.sock", "torvyn.sock.lock"}));

  auto health = unix_request(o.socket_path, "GET", "/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.headers["content-type"], "application/json");
  EXPECT_EQ(json::parse(health.body)["status"], "ok");

  auto flows = unix_request(o.socket_path, "GET", "/flows");
  ASSERT_EQ(flows.status, 200);
  json j = json::parse(flows.body);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["id"], "flow-1");
  EXPECT_EQ(j[0]["name"], "ingest");
  EXPECT_EQ(j[0]["state"], "Running");
  EXPECT_EQ(j[0]["elements"], 1000);
  EXPECT_EQ(j[0]["throughput"], 12345.5);

  auto detail = unix_request(o.socket_path, "GET", "/flows/flow-1?verbose=1");
  ASSERT_EQ(detail.status, 200);
  EXPECT_EQ(json::parse(detail.body)["streams"][0]["depth"], 7);

  auto metrics = unix_request(o.socket_path, "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find("torvyn_flow_elements_total{flow=\"ingest\"} 1000\n"), std::string::npos);

  auto missing = unix_request(o.socket_path, "GET", "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["status"], 404);
  auto post = unix_request(o.socket_path, "POST", "/flows", "Content-Length: 0\r\n");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers["allow"], "GET, HEAD");
  // No token needed on the Unix socket, and one sent is simply ignored.
  EXPECT_EQ(unix_request(o.socket_path, "GET", "/pools", "Authorization: Bearer whatever\r\n").status, 200);
  EXPECT_EQ(unix_request(o.socket_path, "GET", "/components").status, 200);
  auto head = unix_request(o.socket_path, "HEAD", "/health");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  // Any other method is not allowed; a malformed request line is a 400. Both are audited.
  EXPECT_EQ(unix_request(o.socket_path, "BREW", "/health").status, 405);
  EXPECT_EQ(unix_request(o.socket_path, "BR(EW", "/health").status, 400);

  // httplib's own client speaks AF_UNIX too (what a CLI would use).
  httplib::Client cli(o.socket_path);
  cli.set_address_family(AF_UNIX);
  auto res = cli.Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);

  server.stop();
  EXPECT_FALSE(server.running());
  EXPECT_FALSE(fs::exists(o.socket_path));

  auto log = audit.get();
  ASSERT_GE(log.size(), 10u);
  EXPECT_EQ(log[0].method, "GET");
  EXPECT_EQ(log[0].path, "/health");
  EXPECT_EQ(log[0].status, 200);
  EXPECT_EQ(log[0].peer, "unix:" + o.socket_path);
  bool saw_405 = false, saw_400 = false;
  for (const auto& e : log) {
    saw_405 |= e.method == "POST" && e.status == 405;
    saw_400 |= e.status == 400;
  }
  EXPECT_TRUE(saw_405);
  EXPECT_TRUE(saw_400);
}

TEST(InspectionServer, ReplacesAStaleSocket) {
  TempDir tmp;
  std::string path = tmp.path() + "/torvyn.sock";
  {  // A socket file whose server is gone.
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, path.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ::close(fd);
  }
  ASSERT_TRUE(S_ISSOCK(mode_of(path)));
  auto src = FakeSource::pipeline();
  InspectionServer server(*src, {.socket_path = path});
  Status s = server.start();
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(unix_request(path, "GET", "/health").status, 200);
  EXPECT_EQ(mode_of(path) & 07777, 0600u);
}

TEST(InspectionServer, RefusesALiveOwner) {
  TempDir tmp;
  std::string path = tmp.path() + "/torvyn.sock";
  auto src = FakeSource::pipeline();
  InspectionServer first(*src, {.socket_path = path});
  ASSERT_TRUE(first.start().ok());
  InspectionServer second(*src, {.socket_path = path});
  Status s = second.start();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::InspectionSocketBusy);
  EXPECT_NE(s.error().message.find("pid " + std::to_string(::getpid())), std::string::npos) << s.error().message;
  // The first server is unharmed.
  EXPECT_EQ(unix_request(path, "GET", "/health").status, 200);
  first.stop();
  // Once it is gone the path can be taken again.
  Status again = second.start();
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(unix_request(path, "GET", "/health").status, 200);
}

TEST(InspectionServer, RefusesAForeignListener) {
  TempDir tmp;
  std::string path = tmp.path() + "/torvyn.sock";
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strcpy(a.sun_path, path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  auto src = FakeSource::pipeline();
  InspectionServer server(*src, {.socket_path = path});
  Status s = server.start();
  ::close(fd);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::InspectionSocketBusy);
}

TEST(InspectionServer, RefusesUnusablePaths) {
  TempDir tmp;
  auto src = FakeSource::pipeline();
  {  // A regular file in the way is never deleted.
    std::string path = tmp.path() + "/file.sock";
    { std::ofstream(path) << "data"; }
    InspectionServer server(*src, {.socket_path = path});
    Status s = server.start();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::InspectionSocketPath);
    EXPECT_TRUE(fs::exists(path));
  }
  {  // Longer than sun_path.
    InspectionServer server(*src, {.socket_path = tmp.path() + "/" + std::string(120, 'x') + ".sock"});
    Status s = server.start();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::InspectionSocketPath);
  }
  {  // A directory others may write to (and not sticky).
    std::string dir = tmp.path() + "/open";
    fs::create_directory(dir);
    ::chmod(dir.c_str(), 0777);
    InspectionServer server(*src, {.socket_path = dir + "/torvyn.sock"});
    Status s = server.start();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::InspectionSocketPath);
    EXPECT_NE(s.error().message.find("writable by other users"), std::string::npos);
  }
}

TEST(InspectionServer, TcpRequiresLoopbackAndToken) {
  auto src = FakeSource::pipeline();
  auto start = [&](std::string addr, std::string token) {
    InspectionServer server(*src, {.tcp_address = std::move(addr), .token = std::move(token)});
    return server.start();
  };
  Status no_token = start("127.0.0.1:0", "");
  ASSERT_FALSE(no_token.ok());
  EXPECT_EQ(no_token.error().code, ErrorCode::InspectionTokenMissing);
  for (const char* addr : {"0.0.0.0:7878", "10.1.2.3:0", "[::]:0", "example.com:80", "192.168.0.1:9"}) {
    Status s = start(addr, "t");
    ASSERT_FALSE(s.ok()) << addr;
    EXPECT_EQ(s.error().code, ErrorCode::InspectionNotLoopback) << addr;
  }
  for (const char* addr : {"127.0.0.1", ":7878", "127.0.0.1:99999", "127.0.0.1:x", "::1:80", "[::1]"}) {
    Status s = start(addr, "t");
    ASSERT_FALSE(s.ok()) << addr;
    EXPECT_EQ(s.error().code, ErrorCode::InspectionAddressInvalid) << addr;
  }
}

// [inspection] allow_remote = true: the operator's explicit choice binds every interface (and
// still requires the token); a host name is not resolved.
TEST(InspectionServer, AllowRemoteBindsAnyAddressBehindTheToken) {
  auto src = FakeSource::pipeline();
  InspectionServer server(*src, {.tcp_address = "0.0.0.0:0", .token = "t0k", .allow_remote = true});
  Status s = server.start();
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  httplib::Client cli("127.0.0.1", server.tcp_port());
  auto anon = cli.Get("/health");
  ASSERT_TRUE(anon);
  EXPECT_EQ(anon->status, 401);
  auto ok = cli.Get("/health", {{"Authorization", "Bearer t0k"}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  server.stop();
  InspectionServer named(*src, {.tcp_address = "example.com:0", .token = "t", .allow_remote = true});
  Status n = named.start();
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, ErrorCode::InspectionAddressInvalid);
}

TEST(InspectionServer, TcpWithBearerToken) {
  auto src = FakeSource::pipeline();
  AuditLog audit;
  InspectionServer server(*src, {.tcp_address = "127.0.0.1:0", .token = "s3cret-token", .audit = audit.fn()});
  Status s = server.start();
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  ASSERT_NE(server.tcp_port(), 0);
  EXPECT_EQ(server.socket_path(), "");  // TCP only

  httplib::Client cli("127.0.0.1", server.tcp_port());
  auto anon = cli.Get("/health");
  ASSERT_TRUE(anon);
  EXPECT_EQ(anon->status, 401);
  EXPECT_EQ(anon->get_header_value("WWW-Authenticate"), "Bearer realm=\"torvyn\"");
  EXPECT_EQ(json::parse(anon->body)["status"], 401);
  // Unauthenticated requests learn nothing, whatever the path or method.
  auto anon_metrics = cli.Get("/metrics");
  ASSERT_TRUE(anon_metrics);
  EXPECT_EQ(anon_metrics->status, 401);
  auto anon_post = cli.Post("/flows", "", "text/plain");
  ASSERT_TRUE(anon_post);
  EXPECT_EQ(anon_post->status, 401);

  auto wrong = cli.Get("/health", {{"Authorization", "Bearer s3cret-tokem"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);

  httplib::Headers auth = {{"Authorization", "Bearer s3cret-token"}};
  auto ok = cli.Get("/health", auth);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(json::parse(ok->body)["status"], "ok");
  auto flows = cli.Get("/flows", auth);
  ASSERT_TRUE(flows);
  EXPECT_EQ(json::parse(flows->body)[0]["name"], "ingest");
  auto metrics = cli.Get("/metrics", auth);
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  auto post = cli.Post("/flows", auth, "", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);

  server.stop();
  auto log = audit.get();
  ASSERT_GE(log.size(), 8u);
  EXPECT_EQ(log[0].status, 401);
  EXPECT_EQ(log[0].peer.rfind("127.0.0.1:", 0), 0u) << log[0].peer;
}

TEST(InspectionServer, PrometheusDisabled) {
  auto src = FakeSource::pipeline();
  InspectionServer server(*src,
                          {.tcp_address = "localhost:0", .token = "t", .prometheus_enabled = false});
  ASSERT_TRUE(server.start().ok());
  httplib::Client cli("127.0.0.1", server.tcp_port());
  auto r = cli.Get("/metrics", {{"Authorization", "Bearer t"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(cli.Get("/health", {{"Authorization", "Bearer t"}})->status, 200);
}

TEST(InspectionServer, TcpOverIpv6Loopback) {
  auto src = FakeSource::pipeline();
  InspectionServer server(*src, {.tcp_address = "[::1]:0", .token = "t"});
  Status s = server.start();
  if (!s.ok()) GTEST_SKIP() << "no IPv6 loopback here: " << s.error().to_string();
  httplib::Client cli("::1", server.tcp_port());
  cli.set_address_family(AF_INET6);
  auto r = cli.Get("/health", {{"Authorization", "Bearer t"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(InspectionServer, BothListenersAtOnce) {
  TempDir tmp;
  auto src = FakeSource::pipeline();
  InspectionServer server(*src,
                          {.socket_path = tmp.path() + "/t.sock", .tcp_address = "127.0.0.1:0", .token = "t"});
  Status s = server.start();
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(unix_request(tmp.path() + "/t.sock", "GET", "/health").status, 200);
  httplib::Client cli("127.0.0.1", server.tcp_port());
  EXPECT_EQ(cli.Get("/health")->status, 401);
  EXPECT_EQ(cli.Get("/health", {{"Authorization", "Bearer t"}})->status, 200);
}

// A failure of the second listener leaves nothing behind from the first.
TEST(InspectionServer, FailedStartLeavesNothingBound) {
  TempDir tmp;
  auto src = FakeSource::pipeline();
  std::string blocker = tmp.path() + "/blocked.sock";
  { std::ofstream(blocker) << "x"; }
  InspectionServer server(*src, {.socket_path = blocker, .tcp_address = "127.0.0.1:0", .token = "t"});
  ASSERT_FALSE(server.start().ok());
  EXPECT_FALSE(server.running());
  EXPECT_EQ(server.tcp_port(), 0);
}

TEST(InspectionServer, StopIsPromptWithAnIdleKeepAliveClient) {
  TempDir tmp;
  auto src = FakeSource::pipeline();
  InspectionServer server(*src, {.tcp_address = "127.0.0.1:0", .token = "t"});
  ASSERT_TRUE(server.start().ok());
  httplib::Client cli("127.0.0.1", server.tcp_port());
  cli.set_keep_alive(true);
  ASSERT_EQ(cli.Get("/health", {{"Authorization", "Bearer t"}})->status, 200);
  auto t0 = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

TEST(InspectionServer, DefaultSocketPath) {
  const char* saved_state = std::getenv("TORVYN_STATE_DIR");
  const char* saved_xdg = std::getenv("XDG_RUNTIME_DIR");
  std::string s_state = saved_state ? saved_state : "", s_xdg = saved_xdg ? saved_xdg : "";
  ::setenv("TORVYN_STATE_DIR", "/var/lib/torvyn", 1);
  ::setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
  EXPECT_EQ(default_socket_path(), "/var/lib/torvyn/torvyn.sock");
  ::unsetenv("TORVYN_STATE_DIR");
  EXPECT_EQ(default_socket_path(), "/run/user/1000/torvyn/torvyn.sock");
  ::unsetenv("XDG_RUNTIME_DIR");
  EXPECT_EQ(default_socket_path(), "/tmp/torvyn-" + std::to_string(::getuid()) + "/torvyn.sock");
  if (saved_state) ::setenv("TORVYN_STATE_DIR", s_state.c_str(), 1);
  if (saved_xdg) ::setenv("XDG_RUNTIME_DIR", s_xdg.c_str(), 1);
}

// With neither a socket path nor a TCP address, the server listens at the default socket.
TEST(InspectionServer, ListensAtTheDefaultSocket) {
  TempDir tmp;
  const char* saved = std::getenv("TORVYN_STATE_DIR");
  std::string saved_value = saved ? saved : "";
  ::setenv("TORVYN_STATE_DIR", (tmp.path() + "/state").c_str(), 1);
  auto src = FakeSource::pipeline();
  InspectionServer server(*src, {});
  Status s = server.start();
  if (saved) ::setenv("TORVYN_STATE_DIR", saved_value.c_str(), 1);
  else ::unsetenv("TORVYN_STATE_DIR");
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(server.socket_path(), tmp.path() + "/state/torvyn.sock");
  EXPECT_EQ(unix_request(server.socket_path(), "GET", "/health").status, 200);
}

}  // namespace
}  // namespace torvyn::observability
