// Hostile input from outside against a real `torvyn run` (issue: "no input from outside may crash
// the host, plant code, or starve another flow"): request paths that are not UTF-8 reaching the
// audit log, a state directory or audit log another user prepared, a guest that never returns when
// the operator sends SIGTERM, a guest that traps in teardown.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "ops_harness.h"

namespace torvyn::ops_test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// One flow: ops-source -> ops-sink.
std::string flow(const std::string& source_config, const std::string& sink_config, const std::string& sink_keys = "",
                 const std::string& flow_keys = "") {
  return "[flow.main]\n" + flow_keys +
         "nodes.src = { component = \"ops-source\", interface = \"torvyn:streaming/source\", config = \"" + source_config + "\" }\n"
         "nodes.sink = { component = \"ops-sink\", interface = \"torvyn:streaming/sink\", config = \"" + sink_config + "\"" +
         sink_keys + " }\n"
         "edges = [ { from = { node = \"src\" }, to = { node = \"sink\" } } ]\n\n";
}

// Sends `request` as raw bytes on the Unix socket and returns what came back before the server
// closed the connection or 5 s passed.
std::string raw_request(const std::string& socket_path, const std::string& request) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)!::write(fd, request.data(), request.size());
  std::string reply;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
    if (reply.find("\r\n\r\n") != std::string::npos) break;  // the status line and headers are enough
  }
  ::close(fd);
  return reply;
}

std::vector<std::string> lines_of(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

const std::string kAudit = "[security]\naudit_enabled = true\n\n";

TEST(Hardening, NonUtf8RequestPathsAreAuditedWithoutKillingTheRun) {
  RunbookProject p("audit-utf8", kAudit + flow("count=0", "pause_every=1"));
  ASSERT_TRUE(p.start()) << p.why();
  for (std::string path : {std::string("/%ff"), std::string("/flows/%c3%28"), std::string("/\xff\xfe"),
                           "/" + std::string(6000, 'a')}) {
    std::string reply = raw_request(p.socket(), "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
    EXPECT_EQ(reply.rfind("HTTP/1.1 ", 0), 0u) << "no HTTP answer for a request to " << path.substr(0, 40);
  }
  raw_request(p.socket(), "G\xff T / HTTP/1.1\r\nHost: localhost\r\n\r\n");  // a raw 0xFF in the method
  // The process is alive and still serving.
  EXPECT_EQ(p.get("/health").status, 200) << p.output();
  test::ProcResult r = p.stop();
  EXPECT_EQ(r.exit_code, 0) << p.output();

  std::vector<std::string> lines = lines_of(p.state_dir() / "audit.log");
  ASSERT_FALSE(lines.empty());
  bool escaped = false, capped = false;
  for (const std::string& line : lines) {
    json j = json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "not JSON: " << line.substr(0, 200);
    std::string logged = j.value("path", "");
    if (logged.find("\\xff") != std::string::npos) escaped = true;
    if (logged.find("more bytes]") != std::string::npos) {
      capped = true;
      EXPECT_LE(logged.size(), 1100u);
    }
  }
  EXPECT_TRUE(escaped) << "the invalid byte is recorded as \\xff";
  EXPECT_TRUE(capped) << "a 6,000-byte path is cut in the audit log";
  struct stat st{};
  ASSERT_EQ(::stat((p.state_dir() / "audit.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// An inspection address the operator configured is what their scraper and health checks use:
// when it cannot be served the run refuses (exit 3) instead of running blind.
TEST(Hardening, AConfiguredInspectionAddressThatCannotServeRefusesTheRun) {
  // A port that is certainly taken: listen on it here.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const std::string addr = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  RunbookProject p("tcp-busy", "[inspection]\ntcp = \"" + addr + "\"\ntoken = \"t\"\n\n" + flow("count=3", ""));
  test::ProcResult r = p.run_to_end();
  ::close(fd);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("E0950"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing ran"), std::string::npos) << r.err;
}

// The default socket: the run says where the API is, so the guide's curl works without
// TORVYN_STATE_DIR.
TEST(Hardening, TheRunSaysWhereItsInspectionApiListens) {
  RunbookProject p("say-socket", flow("count=3", ""));
  test::ProcResult r = p.run_to_end();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("inspection API: unix:" + p.socket()), std::string::npos) << r.err;
}

TEST(Hardening, AStateDirectoryOthersCanEnterIsRefused) {
  RunbookProject p("state-0755", kAudit + flow("count=3", ""));
  std::filesystem::create_directories(p.state_dir());
  ::chmod(p.state_dir().c_str(), 0755);
  test::ProcResult r = p.run_to_end();
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("E0902"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("chmod 700"), std::string::npos) << r.err;
}

TEST(Hardening, AStateDirectoryOfAnotherUserIsRefused) {
  RunbookProject p("state-other", flow("count=3", ""));
  std::filesystem::create_directories(p.state_dir());
  ::chmod(p.state_dir().c_str(), 0700);
  if (::chown(p.state_dir().c_str(), 65534, static_cast<gid_t>(-1)) != 0) GTEST_SKIP() << "cannot chown (not root)";
  test::ProcResult r = p.run_to_end();
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("belongs to another user"), std::string::npos) << r.err;
}

TEST(Hardening, APlantedAuditLogLinkIsNotFollowed) {
  RunbookProject p("audit-link", kAudit + flow("count=3", ""));
  std::filesystem::create_directories(p.state_dir());
  ::chmod(p.state_dir().c_str(), 0700);
  std::filesystem::path victim = p.dir() / "victim.bashrc";
  test::write_file(victim, "# the operator's shell rc\n");
  std::filesystem::create_symlink(victim, p.state_dir() / "audit.log");
  test::ProcResult r = p.run_to_end();
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("symbolic link"), std::string::npos) << r.err;
  EXPECT_EQ(test::read_file(victim), "# the operator's shell rc\n");
}

TEST(Hardening, SigtermStopsASinkThatNeverReturns) {
  // No invocation timeout and no fuel limit (the most fuel there is): before, nothing could stop
  // the spinning push and SIGTERM was ignored; now only the stop can end it.
  RunbookProject p("sigterm-spin", flow("count=0", "spin_at=3", ", fuel_budget = 9223372036854775807", "invocation_timeout = 0\n"));
  ASSERT_TRUE(p.start()) << p.why();
  std::this_thread::sleep_for(300ms);  // the sink is spinning by now (its third element)
  auto t0 = std::chrono::steady_clock::now();
  test::ProcResult r = p.stop(30s);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_NE(r.exit_code, -1) << "torvyn run did not exit after SIGTERM\n" << p.output();
  EXPECT_LT(seconds, 20.0);
  // The stuck push trapped (the instance is poisoned), so the flow fails and says why.
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("interrupted"), std::string::npos) << r.out << r.err;
}

TEST(Hardening, ATrapInTeardownIsReported) {
  RunbookProject p("teardown-trap", flow("count=5", "trap_in_teardown=1"));
  test::ProcResult r = p.run_to_end();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("failed in teardown"), std::string::npos) << r.out << r.err;
}

TEST(Hardening, OneContentTypeLimitForEveryWayIn) {
  // 1024 bytes pass in an output element's metadata (as in set-content-type); 1025 trap there too
  // (before, output metadata took up to 8 MiB per element).
  for (int bytes : {1024, 1025}) {
    std::string body = "[flow.main]\n"
                       "nodes.src = { component = \"ops-source\", interface = \"torvyn:streaming/source\", config = \"count=3\" }\n"
                       "nodes.p = { component = \"ops-processor\", interface = \"torvyn:streaming/processor\", config = \"content_type_bytes=" +
                       std::to_string(bytes) + "\" }\n"
                       "nodes.sink = { component = \"ops-sink\", interface = \"torvyn:streaming/sink\", config = \"\" }\n"
                       "edges = [ { from = { node = \"src\" }, to = { node = \"p\" } }, { from = { node = \"p\" }, to = { node = \"sink\" } } ]\n";
    RunbookProject p("content-type-" + std::to_string(bytes), body);
    test::ProcResult r = p.run_to_end();
    if (bytes == 1024) {
      EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    } else {
      EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
      EXPECT_NE((r.out + r.err).find("longer than the limit of 1024 bytes"), std::string::npos) << r.out << r.err;
    }
  }
}

}  // namespace
}  // namespace torvyn::ops_test
