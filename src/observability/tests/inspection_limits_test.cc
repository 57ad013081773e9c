// The inspection server stays available whatever other local processes do with their
// connections: idle and slow clients cannot hold it, connections are capped, the bearer token is
// checked as soon as the request head has arrived, and request heads are bounded in size and time.
// Bounds on time are generous (seconds): the tests assert on behaviour, not on speed.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "fake_source.h"
#include "raw_http.h"
#include "torvyn/observability/inspection_server.h"

namespace torvyn::observability {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::closed_within;
using testing::connect_tcp;
using testing::connect_unix;
using testing::Fd;
using testing::FakeSource;
using testing::read_reply;
using testing::send_all;
using testing::status_of;
namespace fs = std::filesystem;

constexpr const char* kToken = "limits-token";
const std::string kAuth = std::string("Authorization: Bearer ") + kToken + "\r\n";

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/tvo-lim-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Clients that send a request head a byte at a time, each connection reopened when the server
// drops it, until destroyed.
class Slowloris {
 public:
  Slowloris(std::function<int()> connect, int connections) {
    thread_ = std::thread([this, connect = std::move(connect), connections] {
      const std::string head = "GET /health HTTP/1.1\r\nHost: torvyn\r\nX-Slow: ";
      std::vector<Fd> fds(static_cast<size_t>(connections));
      size_t sent = 0;
      while (!stop_.load()) {
        for (Fd& fd : fds) {
          if (!fd.ok()) fd.reset(connect());
          if (!fd.ok()) continue;
          char c = sent < head.size() ? head[sent] : 'a';
          if (::send(fd.get(), &c, 1, MSG_NOSIGNAL) != 1) fd.reset();
        }
        ++sent;
        for (int i = 0; i < 5 && !stop_.load(); ++i) std::this_thread::sleep_for(100ms);
      }
    });
  }
  ~Slowloris() {
    stop_.store(true);
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::vector<Fd> open_idle(const std::function<int()>& connect, int n) {
  std::vector<Fd> fds;
  for (int i = 0; i < n; ++i) {
    Fd fd(connect());
    EXPECT_TRUE(fd.ok()) << "connection " << i;
    fds.push_back(std::move(fd));
  }
  return fds;
}

TEST(InspectionLimits, HealthAndMetricsAnswerWhileIdleAndSlowClientsHoldConnections) {
  TempDir tmp;
  auto src = FakeSource::pipeline();
  std::string sock = tmp.path() + "/torvyn.sock";
  InspectionServer server(*src, {.socket_path = sock, .tcp_address = "127.0.0.1:0", .token = kToken});
  Status s = server.start();
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  uint16_t port = server.tcp_port();
  auto tcp = [port] { return connect_tcp(port); };
  auto unix_conn = [sock] { return connect_unix(sock); };

  // 200 idle connections and 10 slowloris clients on each listener.
  std::vector<Fd> idle_tcp = open_idle(tcp, 200);
  std::vector<Fd> idle_unix = open_idle(unix_conn, 200);
  Slowloris slow_tcp(tcp, 10), slow_unix(unix_conn, 10);
  std::this_thread::sleep_for(300ms);

  httplib::Client tcp_cli("127.0.0.1", port);
  tcp_cli.set_connection_timeout(3);
  tcp_cli.set_read_timeout(5);
  httplib::Client unix_cli(sock);
  unix_cli.set_address_family(AF_UNIX);
  unix_cli.set_connection_timeout(3);
  unix_cli.set_read_timeout(5);
  httplib::Headers auth = {{"Authorization", std::string("Bearer ") + kToken}};
  for (int round = 0; round < 3; ++round) {
    auto health = tcp_cli.Get("/health", auth);
    ASSERT_TRUE(health) << "round " << round << ": " << httplib::to_string(health.error());
    EXPECT_EQ(health->status, 200);
    auto metrics = tcp_cli.Get("/metrics", auth);
    ASSERT_TRUE(metrics) << "round " << round << ": " << httplib::to_string(metrics.error());
    EXPECT_EQ(metrics->status, 200);
    EXPECT_NE(metrics->body.find("torvyn_flow_elements_total"), std::string::npos);
    auto uhealth = unix_cli.Get("/health");
    ASSERT_TRUE(uhealth) << "round " << round << ": " << httplib::to_string(uhealth.error());
    EXPECT_EQ(uhealth->status, 200);
    auto umetrics = unix_cli.Get("/metrics");
    ASSERT_TRUE(umetrics) << "round " << round << ": " << httplib::to_string(umetrics.error());
    EXPECT_EQ(umetrics->status, 200);
    // More idle connections keep arriving.
    for (int i = 0; i < 50; ++i) {
      idle_tcp.emplace_back(tcp());
      idle_unix.emplace_back(unix_conn());
    }
  }
  // Stopping is prompt with all of that still connected.
  auto t0 = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST(InspectionLimits, ConnectionCapShedsTheLongestWaiting) {
  auto src = FakeSource::pipeline();
  InspectionServer server(*src, {.tcp_address = "127.0.0.1:0", .token = kToken, .max_connections = 4});
  ASSERT_TRUE(server.start().ok());
  uint16_t port = server.tcp_port();
  std::vector<Fd> idle;
  for (int i = 0; i < 4; ++i) {
    idle.emplace_back(connect_tcp(port));
    ASSERT_TRUE(idle.back().ok());
    std::this_thread::sleep_for(50ms);  // accepted in this order
  }
  // A fifth connection is served: the first (longest idle) makes room.
  Fd fifth(connect_tcp(port));
  ASSERT_TRUE(fifth.ok());
  ASSERT_TRUE(send_all(fifth.get(), "GET /health HTTP/1.1\r\nHost: t\r\n" + kAuth + "\r\n"));
  auto r = read_reply(fifth.get(), 5s, 1);
  EXPECT_EQ(status_of(r.raw), 200) << r.raw;
  EXPECT_TRUE(closed_within(idle[0].get(), 3s));
  EXPECT_FALSE(closed_within(idle[3].get(), 200ms));

  // Many more: the server never keeps more than 4 open, and still answers.
  for (int i = 0; i < 40; ++i) idle.emplace_back(connect_tcp(port));
  Fd last(connect_tcp(port));
  ASSERT_TRUE(send_all(last.get(), "GET /health HTTP/1.1\r\nHost: t\r\n" + kAuth + "\r\n"));
  EXPECT_EQ(status_of(read_reply(last.get(), 5s, 1).raw), 200);
  int open = 0;
  for (Fd& fd : idle)
    if (!closed_within(fd.get(), 100ms)) ++open;
  EXPECT_LE(open, 4);
}

TEST(InspectionLimits, TokenIsCheckedBeforeAnyBody) {
  auto src = FakeSource::pipeline();
  InspectionServer server(*src, {.tcp_address = "127.0.0.1:0", .token = kToken});
  ASSERT_TRUE(server.start().ok());
  uint16_t port = server.tcp_port();
  // Other clients hold connections without sending anything; that delays nobody.
  std::vector<Fd> idle = open_idle([port] { return connect_tcp(port); }, 20);
  auto exchange = [&](const std::string& head) {
    Fd fd(connect_tcp(port));
    EXPECT_TRUE(send_all(fd.get(), head));
    auto t0 = std::chrono::steady_clock::now();
    auto reply = read_reply(fd.get(), 5s);  // until the server closes
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s) << head;
    return reply;
  };
  // A body is announced but never sent: the 401 comes at once, and the connection is closed.
  auto r = exchange("POST /flows HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n");
  EXPECT_EQ(status_of(r.raw), 401) << r.raw;
  EXPECT_NE(r.raw.find("WWW-Authenticate: Bearer realm=\"torvyn\"\r\n"), std::string::npos) << r.raw;
  EXPECT_TRUE(r.closed);
  r = exchange("GET /metrics HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(status_of(r.raw), 401) << r.raw;
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.raw.find("torvyn_"), std::string::npos);
  // With the token, the method decides, still without reading the body.
  r = exchange("POST /flows HTTP/1.1\r\nHost: t\r\n" + kAuth + "Content-Length: 1000000\r\n\r\n");
  EXPECT_EQ(status_of(r.raw), 405) << r.raw;
  EXPECT_TRUE(r.closed);
  // A wrong token and a missing one look the same.
  r = exchange("GET /health HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer nope\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(r.raw), 401) << r.raw;
}

TEST(InspectionLimits, OversizedRequestHeadsAreRejectedAndClosed) {
  TempDir tmp;
  auto src = FakeSource::pipeline();
  std::string sock = tmp.path() + "/torvyn.sock";
  InspectionServer server(*src, {.socket_path = sock, .tcp_address = "127.0.0.1:0", .token = kToken});
  ASSERT_TRUE(server.start().ok());
  uint16_t port = server.tcp_port();
  auto exchange = [&](bool tcp, const std::string& bytes) {
    Fd fd(tcp ? connect_tcp(port) : connect_unix(sock));
    send_all(fd.get(), bytes);  // the server may close before taking it all
    return read_reply(fd.get(), 5s);
  };
  // Many ordinary header fields adding up to more than 8 KiB.
  std::string padded = "GET /health HTTP/1.1\r\nHost: t\r\n" + kAuth;
  for (int i = 0; i < 150; ++i) padded += "X-Pad-" + std::to_string(i) + ": " + std::string(60, 'p') + "\r\n";
  padded += "\r\n";
  for (bool tcp : {true, false}) {
    auto r = exchange(tcp, padded);
    EXPECT_EQ(status_of(r.raw), 431) << (tcp ? "tcp " : "unix ") << r.raw.substr(0, 200);
    EXPECT_TRUE(r.closed);
  }
  // One endless header line: rejected without waiting for its end.
  {
    Fd fd(connect_tcp(port));
    ASSERT_TRUE(send_all(fd.get(), "GET /health HTTP/1.1\r\nX-Long: " + std::string(20000, 'l')));
    auto r = read_reply(fd.get(), 5s);
    EXPECT_EQ(status_of(r.raw), 431) << r.raw.substr(0, 200);
    EXPECT_TRUE(r.closed);
  }
  // Too many (small) header fields.
  std::string many = "GET /health HTTP/1.1\r\n";
  for (int i = 0; i < 100; ++i) many += "X-" + std::to_string(i) + ": x\r\n";
  auto r = exchange(false, many + "\r\n");
  EXPECT_EQ(status_of(r.raw), 431) << r.raw.substr(0, 200);
  EXPECT_TRUE(r.closed);
  // The server is unharmed.
  Fd ok(connect_unix(sock));
  send_all(ok.get(), "GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(read_reply(ok.get(), 5s).raw), 200);
}

TEST(InspectionLimits, ARequestHeadMustArriveWithinTheDeadlineHoweverItTrickles) {
  auto src = FakeSource::pipeline();
  InspectionServer server(*src, {.tcp_address = "127.0.0.1:0", .token = kToken, .request_timeout_ms = 1000});
  ASSERT_TRUE(server.start().ok());
  uint16_t port = server.tcp_port();
  // A byte every 100 ms would take 8 s for this request; the server gives up after about 1 s.
  std::string request = "GET /health HTTP/1.1\r\nHost: t\r\n" + kAuth + "\r\n";
  Fd fd(connect_tcp(port));
  auto t0 = std::chrono::steady_clock::now();
  std::string got;
  bool closed = false;
  for (char c : request) {
    if (::send(fd.get(), &c, 1, MSG_NOSIGNAL) != 1) break;
    auto r = read_reply(fd.get(), 100ms);
    got += r.raw;
    if (r.closed) {
      closed = true;
      break;
    }
  }
  if (!closed) {
    auto r = read_reply(fd.get(), 3s);
    got += r.raw;
    closed = r.closed;
  }
  EXPECT_TRUE(closed);
  EXPECT_EQ(status_of(got), 408) << got;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 6s);

  // An idle connection is closed silently after the same time; so is an idle keep-alive one.
  Fd idle(connect_tcp(port));
  EXPECT_TRUE(closed_within(idle.get(), 5s));
  Fd keep(connect_tcp(port));
  ASSERT_TRUE(send_all(keep.get(), "GET /health HTTP/1.1\r\nHost: t\r\n" + kAuth + "\r\n"));
  auto first = read_reply(keep.get(), 5s, 1);
  EXPECT_EQ(status_of(first.raw), 200);
  EXPECT_NE(first.raw.find("Connection: keep-alive\r\n"), std::string::npos);
  auto rest = read_reply(keep.get(), 5s);
  EXPECT_TRUE(rest.closed);
  EXPECT_EQ(rest.raw, "");
}

TEST(InspectionLimits, KeepAliveAndPipeliningAreBounded) {
  auto src = FakeSource::pipeline();
  InspectionServer server(*src,
                          {.tcp_address = "127.0.0.1:0", .token = kToken, .max_requests_per_connection = 2});
  ASSERT_TRUE(server.start().ok());
  Fd fd(connect_tcp(server.tcp_port()));
  std::string one = "GET /health HTTP/1.1\r\nHost: t\r\n" + kAuth + "\r\n";
  ASSERT_TRUE(send_all(fd.get(), one + "GET /pools HTTP/1.1\r\nHost: t\r\n" + kAuth + "\r\n" + one));
  auto r = read_reply(fd.get(), 5s);  // until closed
  EXPECT_TRUE(r.closed);
  size_t second = r.raw.find("HTTP/1.1 ", 1);
  ASSERT_NE(second, std::string::npos) << r.raw;
  EXPECT_EQ(status_of(r.raw), 200);
  EXPECT_NE(r.raw.substr(0, second).find("Connection: keep-alive\r\n"), std::string::npos);
  EXPECT_EQ(status_of(r.raw.substr(second)), 200);
  EXPECT_NE(r.raw.substr(second).find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(r.raw.find("HTTP/1.1 ", second + 1), std::string::npos) << "a third response after the bound";
  EXPECT_EQ(json::parse(r.raw.substr(r.raw.find("\r\n\r\n", second) + 4))[0]["tier"], "small");
}

TEST(InspectionLimits, MalformedRequestsGetAnErrorAndAClose) {
  TempDir tmp;
  auto src = FakeSource::pipeline();
  std::string sock = tmp.path() + "/torvyn.sock";
  std::vector<int> audited;
  std::mutex mu;
  InspectionServer server(*src, {.socket_path = sock, .audit = [&](std::string_view, std::string_view, int status,
                                                                   std::string_view) {
                                   std::lock_guard lock(mu);
                                   audited.push_back(status);
                                 }});
  ASSERT_TRUE(server.start().ok());
  struct Case {
    std::string request;
    int status;
  };
  std::vector<Case> cases = {
      {"GET /health HTTP/2.0\r\n\r\n", 505},
      {"GET /health\r\n\r\n", 400},
      {"GET  /health HTTP/1.1\r\n\r\n", 400},
      {"G(T /health HTTP/1.1\r\n\r\n", 400},
      {"GET /he%zzlth HTTP/1.1\r\n\r\n", 400},
      {"GET /health%00 HTTP/1.1\r\n\r\n", 400},
      {"GET /health HTTP/1.1\r\nHost: t\r\n folded\r\n\r\n", 400},
      {"GET /health HTTP/1.1\r\nNo colon\r\n\r\n", 400},
      {"GET /health HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"GET /health HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"GET /health HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
      // Fine: absolute-form, percent-encoding, a bare LF, HTTP/1.0, leading empty lines.
      {"GET http://torvyn/health?x=1 HTTP/1.1\r\n\r\n", 200},
      {"GET /%68ealth HTTP/1.1\r\nConnection: close\r\n\r\n", 200},
      {"GET /health HTTP/1.1\nConnection: close\n\n", 200},
      {"\r\n\r\nGET /health HTTP/1.0\r\n\r\n", 200},
      {"BREW /health HTTP/1.1\r\n\r\n", 405},
  };
  for (const Case& c : cases) {
    Fd fd(connect_unix(sock));
    ASSERT_TRUE(send_all(fd.get(), c.request));
    ::shutdown(fd.get(), SHUT_WR);  // ends the keep-alive ones once answered
    auto r = read_reply(fd.get(), 5s);
    EXPECT_EQ(status_of(r.raw), c.status) << c.request << "\n" << r.raw;
    EXPECT_TRUE(r.closed) << c.request;
  }
  server.stop();
  std::lock_guard lock(mu);
  EXPECT_EQ(audited.size(), cases.size());
}

}  // namespace
}  // namespace torvyn::observability
