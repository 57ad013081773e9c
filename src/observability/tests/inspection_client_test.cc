// The inspection API client (`torvyn top` reads through it): against the real server on a Unix
// socket and on TCP with the token, and against listeners that answer badly or not at all.
#include "torvyn/observability/inspection_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "fake_source.h"
#include "torvyn/observability/inspection_server.h"

namespace torvyn::observability {
namespace {

using nlohmann::json;
using testing::FakeSource;
namespace fs = std::filesystem;

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/tvc-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string path;
};

TEST(InspectionClient, ReadsTheApiOverTheUnixSocket) {
  TempDir tmp;
  auto src = FakeSource::pipeline();
  InspectionServer::Options o;
  o.socket_path = tmp.path + "/torvyn.sock";
  InspectionServer server(*src, o);
  ASSERT_TRUE(server.start().ok());
  InspectionTarget t{.socket_path = o.socket_path};
  Result<HttpReply> r = inspection_get(t, "/flows/flow-1");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->content_type, "application/json");
  json j = json::parse(r->body);
  EXPECT_EQ(j["name"], "ingest");
  EXPECT_EQ(j["stages"].size(), 3u);
  Result<HttpReply> missing = inspection_get(t, "/flows/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(t.describe(), "unix:" + o.socket_path);
}

TEST(InspectionClient, SendsTheTokenOverTcp) {
  auto src = FakeSource::pipeline();
  InspectionServer server(*src, {.tcp_address = "127.0.0.1:0", .token = "client-token"});
  ASSERT_TRUE(server.start().ok());
  std::string addr = "127.0.0.1:" + std::to_string(server.tcp_port());
  Result<HttpReply> ok = inspection_get({.tcp_address = addr, .token = "client-token"}, "/health");
  ASSERT_TRUE(ok) << ok.error().to_string();
  EXPECT_EQ(json::parse(ok->body)["status"], "ok");
  Result<HttpReply> localhost =
      inspection_get({.tcp_address = "localhost:" + std::to_string(server.tcp_port()), .token = "client-token"}, "/health");
  EXPECT_TRUE(localhost);

  Result<HttpReply> wrong = inspection_get({.tcp_address = addr, .token = "other-token"}, "/health");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::InspectionTokenMissing);
  EXPECT_EQ(wrong.error().message.find("other-token"), std::string::npos) << "never echo the token";
  Result<HttpReply> none = inspection_get({.tcp_address = addr}, "/health");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::InspectionTokenMissing);
}

TEST(InspectionClient, NothingListeningIsIoError) {
  TempDir tmp;
  Result<HttpReply> r = inspection_get({.socket_path = tmp.path + "/none.sock"}, "/health");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::IoError);
  EXPECT_NE(r.error().message.find("none.sock"), std::string::npos) << r.error().message;
  // A closed TCP port: bind one, close it, connect.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  ::close(fd);
  Result<HttpReply> tcp = inspection_get({.tcp_address = "127.0.0.1:" + std::to_string(ntohs(a.sin_port)), .token = "t"}, "/health");
  ASSERT_FALSE(tcp);
  EXPECT_EQ(tcp.error().code, ErrorCode::IoError);
}

TEST(InspectionClient, MalformedAddressesAreRefused) {
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:99999", ":80", "[::1]80", "::1:80", "host:0"}) {
    Result<HttpReply> r = inspection_get({.tcp_address = bad, .token = "t"}, "/health");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::InspectionAddressInvalid) << bad << ": " << r.error().message;
  }
  Result<HttpReply> path = inspection_get({.socket_path = "/x"}, "/a b");
  ASSERT_FALSE(path);
}

// A listener on loopback that answers each connection with `reply` (after reading the request),
// or says nothing at all when `reply` is empty.
class FakeListener {
 public:
  explicit FakeListener(std::string reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 4);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[4096];
      ssize_t n = ::read(c, buf, sizeof buf);
      (void)n;
      if (!reply_.empty()) {
        for (size_t off = 0; off < reply_.size();) {
          ssize_t w = ::write(c, reply_.data() + off, reply_.size() - off);
          if (w <= 0) break;
          off += static_cast<size_t>(w);
        }
        ::close(c);
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        ::close(c);
      }
    });
  }
  ~FakeListener() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::string reply_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

TEST(InspectionClient, BadAnswersAreIoErrors) {
  {
    FakeListener l("SSH-2.0-OpenSSH_9.2\r\n");
    Result<HttpReply> r = inspection_get({.tcp_address = l.address(), .token = "t"}, "/health");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::IoError);
    EXPECT_NE(r.error().message.find("not an HTTP"), std::string::npos) << r.error().message;
  }
  {
    FakeListener l("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"cut\":");
    Result<HttpReply> r = inspection_get({.tcp_address = l.address(), .token = "t"}, "/health");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("cut short"), std::string::npos) << r.error().message;
  }
  {
    FakeListener l("HTTP/1.1 200 OK\r\n\r\n" + std::string(4096, 'x'));
    Result<HttpReply> r = inspection_get({.tcp_address = l.address(), .token = "t"}, "/health",
                                         ClientLimits{std::chrono::milliseconds(5000), 1024});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("larger than 1024"), std::string::npos) << r.error().message;
  }
  {
    FakeListener l("");  // accepts, reads, never answers
    Result<HttpReply> r = inspection_get({.tcp_address = l.address(), .token = "t"}, "/health",
                                         ClientLimits{std::chrono::milliseconds(300), 1 << 20});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::IoError);
    EXPECT_NE(r.error().message.find("300 ms"), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace torvyn::observability
