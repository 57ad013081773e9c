#include "torvyn/observability/inspection_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <thread>
#include <vector>

#include "socket_path.h"
#include "torvyn/observability/inspection_api.h"

namespace torvyn::observability {
namespace {

struct TcpAddress {
  std::string host;  // numeric
  int family = AF_INET;
  int port = 0;
};

// "127.0.0.1:7878", "[::1]:7878", "localhost:7878". Names other than localhost are refused rather
// than resolved: a name could resolve to an address reachable from the network.
Result<TcpAddress> parse_tcp_address(const std::string& text) {
  auto invalid = [&](std::string why) {
    return Error(ErrorCode::InspectionAddressInvalid,
                 "inspection TCP address \"" + text + "\": " + why + " (expected host:port, e.g. 127.0.0.1:7878)");
  };
  std::string host, port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return invalid("a bracketed IPv6 address must be followed by :port");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos) return invalid("no port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string::npos) return invalid("write an IPv6 address in brackets, [::1]:port");
  }
  if (host.empty()) return invalid("no host (the inspection API binds to loopback only: use 127.0.0.1)");
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) > 65535)
    return invalid("the port must be a number from 0 to 65535");
  TcpAddress addr;
  addr.port = std::stoi(port);
  if (host == "localhost") host = "127.0.0.1";
  in_addr v4;
  in6_addr v6;
  auto not_loopback = [&] {
    return Error(ErrorCode::InspectionNotLoopback,
                 "inspection TCP address \"" + text +
                     "\" is not a loopback address; the inspection API must not be exposed to the network "
                     "(use 127.0.0.1 or [::1], or the default Unix socket)");
  };
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    if ((ntohl(v4.s_addr) >> 24) != 127) return not_loopback();
    addr.family = AF_INET;
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (!IN6_IS_ADDR_LOOPBACK(&v6)) return not_loopback();
    addr.family = AF_INET6;
  } else {
    return not_loopback();
  }
  addr.host = host;
  return addr;
}

void write_response(const ApiResponse& r, httplib::Response& res) {
  res.status = r.status;
  for (const auto& [k, v] : r.headers) res.set_header(k, v);
  res.set_header("Cache-Control", "no-store");
  res.set_content(r.body, r.content_type);
}

}  // namespace

std::string default_socket_path() {
  if (const char* state = std::getenv("TORVYN_STATE_DIR"); state && *state) return std::string(state) + "/torvyn.sock";
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && *xdg) return std::string(xdg) + "/torvyn/torvyn.sock";
  return "/tmp/torvyn-" + std::to_string(::getuid()) + "/torvyn.sock";
}

// httplib::Server plus a way to close a socket that was bound but never served (httplib's stop()
// only acts on a server inside its accept loop).
class HttpServer : public httplib::Server {
 public:
  void close_unserved() {
    socket_t s = svr_sock_.exchange(INVALID_SOCKET);
    if (s != INVALID_SOCKET) ::close(s);
  }
};

struct InspectionServer::Impl {
  struct Listener {
    HttpServer server;
    std::thread thread;
    std::atomic<bool> done{false};
  };

  Impl(const MetricsSource& source, Options opts)
      : options(std::move(opts)), api(source, ApiOptions{options.prometheus_enabled, options.level}) {}

  // Routes every request through one handler so that authentication, 405 and 404 are decided in
  // one place (InspectionApi), whatever httplib's own routing would have done.
  void configure(httplib::Server& s, bool tcp) {
    int threads = options.threads > 0 ? options.threads : 1;
    s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    s.set_keep_alive_timeout(1);  // also bounds how long stop() waits for an idle keep-alive client
    s.set_read_timeout(5, 0);
    s.set_write_timeout(5, 0);
    s.set_payload_max_length(64 * 1024);
    s.set_pre_routing_handler([this, tcp](const httplib::Request& req, httplib::Response& res) {
      if (tcp && !bearer_token_matches(req.get_header_value("Authorization"), options.token)) {
        ApiResponse r = InspectionApi::error(401, "missing or wrong bearer token (Authorization: Bearer <token>)");
        r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"torvyn\"");
        write_response(r, res);
      } else {
        write_response(api.handle(req.method, req.path), res);
      }
      return httplib::Server::HandlerResponse::Handled;
    });
    if (options.audit) {
      std::string unix_peer = tcp ? std::string() : "unix:" + socket_path;
      s.set_logger([this, tcp, unix_peer](const httplib::Request& req, const httplib::Response& res) {
        std::string peer = unix_peer;
        if (tcp) {
          bool v6 = req.remote_addr.find(':') != std::string::npos;
          peer = (v6 ? "[" + req.remote_addr + "]" : req.remote_addr) + ":" + std::to_string(req.remote_port);
        }
        options.audit(req.method, req.path, res.status, peer);
      });
    }
  }

  // Serves a bound listener on its own thread; returns once it is accepting (so that stop() can
  // always stop it: httplib's stop() does nothing to a server that has not entered its loop).
  Status serve(Listener& l, const std::string& where) {
    l.thread = std::thread([&l] {
      l.server.listen_after_bind();
      l.done.store(true);
    });
    while (!l.server.is_running() && !l.done.load()) std::this_thread::sleep_for(std::chrono::microseconds(200));
    if (l.done.load() && !l.server.is_running()) {
      l.thread.join();
      l.server.close_unserved();
      return Error(ErrorCode::InspectionListenFailed, "the inspection server on " + where + " stopped at once");
    }
    return {};
  }

  Status start_tcp() {
    if (options.token.empty())
      return Error(ErrorCode::InspectionTokenMissing,
                   "the inspection API over TCP (" + options.tcp_address +
                       ") needs a bearer token: set [inspection] token (or use the Unix socket)");
    Result<TcpAddress> addr = parse_tcp_address(options.tcp_address);
    if (!addr) return addr.take_error();
    auto l = std::make_unique<Listener>();
    configure(l->server, true);
    l->server.set_address_family(addr->family);
    int port = addr->port;
    if (port == 0) {
      port = l->server.bind_to_any_port(addr->host);
      if (port < 0) port = 0;
    } else if (!l->server.bind_to_port(addr->host, port)) {
      port = 0;
    }
    if (port == 0)
      return Error(ErrorCode::InspectionListenFailed,
                   "cannot listen on " + options.tcp_address + " (address in use or not available)");
    if (Status s = serve(*l, options.tcp_address); !s) return s;
    tcp_port = static_cast<uint16_t>(port);
    listeners.push_back(std::move(l));
    return {};
  }

  Status start_unix() {
    std::string path = options.socket_path.empty() ? default_socket_path() : options.socket_path;
    Result<detail::SocketPathClaim> claimed = detail::SocketPathClaim::claim(path);
    if (!claimed) return claimed.take_error();
    claim = std::move(*claimed);
    socket_path = path;
    auto l = std::make_unique<Listener>();
    configure(l->server, false);
    l->server.set_address_family(AF_UNIX);
    // httplib (0.11+) binds AF_UNIX sockets at the "host" path; the port is ignored.
    Status bound = claim->bind([&](const std::string& at) { return l->server.bind_to_port(at, 80); });
    if (!bound) {
      l->server.close_unserved();
      claim.reset();
      socket_path.clear();
      return bound;
    }
    if (Status s = serve(*l, path); !s) {
      claim.reset();
      socket_path.clear();
      return s;
    }
    listeners.push_back(std::move(l));
    return {};
  }

  void stop() {
    for (auto& l : listeners) l->server.stop();
    for (auto& l : listeners)
      if (l->thread.joinable()) l->thread.join();
    listeners.clear();
    claim.reset();  // removes the socket file, releases the lock
    socket_path.clear();
    tcp_port = 0;
  }

  Options options;
  InspectionApi api;
  std::vector<std::unique_ptr<Listener>> listeners;
  std::optional<detail::SocketPathClaim> claim;
  std::string socket_path;
  uint16_t tcp_port = 0;
};

InspectionServer::InspectionServer(const MetricsSource& source, Options options)
    : impl_(std::make_unique<Impl>(source, std::move(options))) {}

InspectionServer::~InspectionServer() { stop(); }

Status InspectionServer::start() {
  if (running()) return {};
  const Options& o = impl_->options;
  bool tcp = !o.tcp_address.empty();
  bool unix_socket = !o.socket_path.empty() || !tcp;
  if (tcp) {
    if (Status s = impl_->start_tcp(); !s) {
      impl_->stop();
      return s;
    }
  }
  if (unix_socket) {
    if (Status s = impl_->start_unix(); !s) {
      impl_->stop();
      return s;
    }
  }
  return {};
}

void InspectionServer::stop() { impl_->stop(); }

bool InspectionServer::running() const { return !impl_->listeners.empty(); }

const std::string& InspectionServer::socket_path() const { return impl_->socket_path; }

uint16_t InspectionServer::tcp_port() const { return impl_->tcp_port; }

}  // namespace torvyn::observability
