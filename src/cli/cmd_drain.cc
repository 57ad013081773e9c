// torvyn drain: asks a running instance (`torvyn run`) to drain, as SIGTERM does but callable by
// an orchestrator that cannot signal the process: POST /drain on its inspection API, over the Unix
// socket (its permissions are the authentication) or loopback TCP with the bearer token. With
// --wait it then waits until the instance has gone (its API stops answering).
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli.h"
#include "torvyn/observability/inspection_server.h"

namespace torvyn::cli {

namespace {

struct DrainArgs {
  std::string manifest = "Torvyn.toml";
  std::string socket, tcp, token;
  bool wait = false;
  uint64_t timeout_s = 120;
};

// A connected stream socket to the instance's API, or -1 with `why` set.
int connect_api(const DrainArgs& a, std::string& why) {
  if (!a.tcp.empty()) {
    size_t colon = a.tcp.rfind(':');
    if (colon == std::string::npos) {
      why = "`" + a.tcp + "` is not host:port";
      return -1;
    }
    std::string host = a.tcp.substr(0, colon), port = a.tcp.substr(colon + 1);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
      why = std::string("cannot resolve ") + a.tcp + ": " + gai_strerror(rc);
      return -1;
    }
    int fd = -1;
    for (addrinfo* p = res; p && fd < 0; p = p->ai_next) {
      fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
      if (fd >= 0 && connect(fd, p->ai_addr, p->ai_addrlen) != 0) {
        why = std::string("cannot connect to ") + a.tcp + ": " + std::strerror(errno);
        close(fd);
        fd = -1;
      }
    }
    freeaddrinfo(res);
    return fd;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (a.socket.size() >= sizeof(addr.sun_path)) {
    why = "socket path too long: " + a.socket;
    return -1;
  }
  std::memcpy(addr.sun_path, a.socket.c_str(), a.socket.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    why = "cannot connect to unix:" + a.socket + ": " + std::strerror(errno) + " (is `torvyn run` running with this state directory?)";
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

struct Reply {
  int status = 0;
  std::string body;
};

// One request with Connection: close; the answer is read until the server closes (5 s at most).
std::optional<Reply> request(const DrainArgs& a, const char* method, const char* path, std::string& why) {
  int fd = connect_api(a, why);
  if (fd < 0) return std::nullopt;
  std::string req = std::string(method) + " " + path + " HTTP/1.1\r\nHost: torvyn\r\nContent-Length: 0\r\nConnection: close\r\n";
  if (!a.token.empty()) req += "Authorization: Bearer " + a.token + "\r\n";
  req += "\r\n";
  for (size_t sent = 0; sent < req.size();) {
    ssize_t n = send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      why = std::string("cannot send the request: ") + std::strerror(errno);
      close(fd);
      return std::nullopt;
    }
    sent += static_cast<size_t>(n);
  }
  std::string in;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  char buf[4096];
  while (in.size() < (1u << 20)) {
    pollfd p{fd, POLLIN, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0 || poll(&p, 1, static_cast<int>(left)) <= 0) break;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  Reply r;
  if (in.rfind("HTTP/1.", 0) != 0 || in.size() < 12) {
    why = "the instance gave no HTTP answer";
    return std::nullopt;
  }
  r.status = std::atoi(in.c_str() + 9);
  if (size_t body = in.find("\r\n\r\n"); body != std::string::npos) r.body = in.substr(body + 4);
  return r;
}

int drain(const Globals& g, DrainArgs a) {
  // Where the instance listens: the options, else the manifest's [inspection] (as `torvyn run`
  // resolves it), else the default socket.
  if (a.socket.empty() && a.tcp.empty()) {
    std::error_code ec;
    if (std::filesystem::exists(a.manifest, ec)) {
      int code = kOk;
      auto cfg = load_manifest(g, a.manifest, {}, code);
      if (!cfg) return code;
      a.tcp = cfg->inspection.tcp;
      if (a.token.empty()) a.token = cfg->inspection.token;
      if (a.tcp.empty()) a.socket = cfg->inspection.socket.empty() ? cfg->state_dir + "/torvyn.sock" : cfg->inspection.socket;
    } else {
      a.socket = observability::default_socket_path();
    }
  }
  const std::string where = a.tcp.empty() ? "unix:" + a.socket : a.tcp;
  std::string why;
  auto r = request(a, "POST", "/drain", why);
  if (!r || r->status != 202) {
    if (r) {
      std::string msg;
      if (auto j = nlohmann::json::parse(r->body, nullptr, false); j.is_object() && j.contains("error") && j["error"].is_string())
        msg = j["error"].get<std::string>();
      why = "the instance at " + where + " answered " + std::to_string(r->status) + (msg.empty() ? "" : ": " + msg);
      if (r->status == 401) why += " (give the token with --token, or set [inspection] token)";
    }
    print_error(g, Error(ErrorCode::DrainFailed, why));
    return r ? kFailed : kEnvironment;
  }
  if (!g.quiet && !g.json()) std::cerr << "draining the instance at " << where << "\n";
  if (a.wait) {
    // The instance exits once drained; its API goes with it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(a.timeout_s);
    for (;;) {
      std::string ignored;
      if (!request(a, "GET", "/health", ignored)) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        print_error(g, Error(ErrorCode::DrainFailed, "the instance at " + where + " is still running after " + std::to_string(a.timeout_s) + " s"));
        return kFailed;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!g.quiet && !g.json()) std::cerr << "the instance has drained and exited\n";
  }
  if (g.json()) std::cout << nlohmann::json{{"status", a.wait ? "exited" : "draining"}, {"instance", where}}.dump() << "\n";
  return kOk;
}

}  // namespace

void add_drain(CLI::App& app, const Globals& g, int& exit_code) {
  auto a = std::make_shared<DrainArgs>();
  CLI::App* c = app.add_subcommand("drain", "Ask a running instance to drain and exit (as SIGTERM does), over its inspection API");
  c->add_option("-m,--manifest", a->manifest, "Torvyn.toml whose [inspection] names the instance's socket or TCP address")
      ->capture_default_str();
  c->add_option("--socket", a->socket, "The instance's inspection socket");
  c->add_option("--tcp", a->tcp, "The instance's inspection TCP address (host:port)");
  c->add_option("--token", a->token, "Bearer token for --tcp (default: [inspection] token)");
  c->add_flag("--wait", a->wait, "Wait until the instance has drained and exited");
  c->add_option("--wait-timeout", a->timeout_s, "Seconds --wait waits at most")->capture_default_str()->check(whole_number(1, 86400));
  c->callback([&g, &exit_code, a] { exit_code = drain(g, *a); });
}

}  // namespace torvyn::cli
