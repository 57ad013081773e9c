#include "torvyn/observability/inspection_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include "http_front.h"
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
Result<TcpAddress> parse_tcp_address(const std::string& text, bool allow_remote) {
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
  if (host.empty()) return invalid("no host (use 127.0.0.1)");
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
                     "(use 127.0.0.1 or [::1], or the default Unix socket; [inspection] allow_remote = true "
                     "exposes it on purpose)");
  };
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    if ((ntohl(v4.s_addr) >> 24) != 127 && !allow_remote) return not_loopback();
    addr.family = AF_INET;
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (!IN6_IS_ADDR_LOOPBACK(&v6) && !allow_remote) return not_loopback();
    addr.family = AF_INET6;
  } else if (!allow_remote) {
    return not_loopback();
  } else {
    return invalid("a host name is not resolved: write an IP address, e.g. 0.0.0.0 or [::]");
  }
  addr.host = host;
  return addr;
}

}  // namespace

std::string default_socket_path() {
  if (const char* state = std::getenv("TORVYN_STATE_DIR"); state && *state) return std::string(state) + "/torvyn.sock";
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && *xdg) return std::string(xdg) + "/torvyn/torvyn.sock";
  return "/tmp/torvyn-" + std::to_string(::getuid()) + "/torvyn.sock";
}


namespace {

using Clock = std::chrono::steady_clock;
using detail::HttpConnection;
using detail::HttpEndpoint;

std::string errno_text(int err) { return std::strerror(err); }

std::string peer_name(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (addr.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(addr);
    ::inet_ntop(AF_INET, &a.sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(a.sin_port));
  }
  if (addr.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(addr);
    ::inet_ntop(AF_INET6, &a.sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(a.sin6_port));
  }
  return "?";
}

// Sends what the socket takes now, without waiting. Returns false on a hard error.
bool send_now(int fd, std::string_view data, size_t& sent) {
  sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
  }
  return true;
}

}  // namespace

struct InspectionServer::Impl {
  struct Listener {
    int fd = -1;
    bool tcp = false;
    std::string unix_peer;  // "unix:<path>"
    HttpEndpoint endpoint;
    int open = 0;                    // connections open (the loop thread's)
    Clock::time_point paused_until;  // out of file descriptors: stop accepting for a moment
    ~Listener() {
      if (fd >= 0) ::close(fd);
    }
  };

  struct Conn {
    int fd = -1;
    Listener* listener = nullptr;
    std::unique_ptr<HttpConnection> http;
    bool was_reading = true;
    int answered = 0;
    Clock::time_point deadline;
    uint64_t waiting_since = 0;  // order in which connections started waiting for a request
    bool closed = false;
  };

  Impl(const MetricsSource& source, Options opts)
      : options(std::move(opts)), api(source, ApiOptions{options.prometheus_enabled, options.level, options.drain, options.draining}) {}

  std::chrono::milliseconds request_timeout() const {
    return std::chrono::milliseconds(options.request_timeout_ms > 0 ? options.request_timeout_ms : 5000);
  }
  std::chrono::milliseconds write_timeout() const {
    return std::chrono::milliseconds(options.write_timeout_ms > 0 ? options.write_timeout_ms : 10000);
  }
  int max_connections() const { return options.max_connections > 0 ? options.max_connections : 1; }

  std::unique_ptr<Listener> make_listener(bool tcp) {
    auto l = std::make_unique<Listener>();
    l->tcp = tcp;
    l->endpoint.api = &api;
    if (tcp) l->endpoint.token = options.token;
    l->endpoint.audit = options.audit;
    if (options.max_requests_per_connection > 0) l->endpoint.limits.max_requests = options.max_requests_per_connection;
    return l;
  }

  Status start_tcp() {
    if (options.token.empty())
      return Error(ErrorCode::InspectionTokenMissing,
                   "the inspection API over TCP (" + options.tcp_address +
                       ") needs a bearer token: set [inspection] token (or use the Unix socket)");
    Result<TcpAddress> addr = parse_tcp_address(options.tcp_address, options.allow_remote);
    if (!addr) return addr.take_error();
    auto fail = [&](int err) {
      return Error(ErrorCode::InspectionListenFailed, "cannot listen on " + options.tcp_address + ": " +
                                                          errno_text(err) + " (address in use or not available)");
    };
    auto l = make_listener(true);
    l->fd = ::socket(addr->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l->fd < 0) return fail(errno);
    int one = 1;
    ::setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (addr->family == AF_INET6) {
      ::setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
      auto& a = reinterpret_cast<sockaddr_in6&>(ss);
      a.sin6_family = AF_INET6;
      a.sin6_port = htons(static_cast<uint16_t>(addr->port));
      ::inet_pton(AF_INET6, addr->host.c_str(), &a.sin6_addr);
      len = sizeof a;
    } else {
      auto& a = reinterpret_cast<sockaddr_in&>(ss);
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<uint16_t>(addr->port));
      ::inet_pton(AF_INET, addr->host.c_str(), &a.sin_addr);
      len = sizeof a;
    }
    if (::bind(l->fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(l->fd, 511) != 0) return fail(errno);
    len = sizeof ss;
    if (::getsockname(l->fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return fail(errno);
    tcp_port = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(ss).sin6_port
                                              : reinterpret_cast<sockaddr_in&>(ss).sin_port);
    listeners.push_back(std::move(l));
    return {};
  }

  Status start_unix() {
    std::string path = options.socket_path.empty() ? default_socket_path() : options.socket_path;
    Result<detail::SocketPathClaim> claimed = detail::SocketPathClaim::claim(path);
    if (!claimed) return claimed.take_error();
    claim = std::move(*claimed);
    socket_path = path;
    auto l = make_listener(false);
    l->unix_peer = "unix:" + path;
    Status bound = claim->bind([&](const std::string& at) {
      sockaddr_un a{};
      if (at.size() >= sizeof a.sun_path) {
        errno = ENAMETOOLONG;
        return false;
      }
      int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) return false;
      a.sun_family = AF_UNIX;
      std::memcpy(a.sun_path, at.c_str(), at.size() + 1);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 511) != 0) {
        int err = errno;
        ::close(fd);
        errno = err;
        return false;
      }
      l->fd = fd;
      return true;
    });
    if (!bound) {
      l.reset();  // closes the socket if bind() failed after creating it
      claim.reset();
      socket_path.clear();
      return bound;
    }
    listeners.push_back(std::move(l));
    return {};
  }

  Status start_loop() {
    wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd < 0)
      return Error(ErrorCode::InspectionListenFailed, "cannot start the inspection server: " + errno_text(errno));
    stopping.store(false);
    try {
      thread = std::thread([this] { run(); });
    } catch (const std::system_error& e) {
      return Error(ErrorCode::InspectionListenFailed, std::string("cannot start the inspection server: ") + e.what());
    }
    return {};
  }

  void stop() {
    if (thread.joinable()) {
      stopping.store(true);
      uint64_t one = 1;
      if (::write(wake_fd, &one, sizeof one) < 0) {
        // The loop also checks `stopping` at least once a second.
      }
      thread.join();
    }
    if (wake_fd >= 0) ::close(wake_fd);
    wake_fd = -1;
    listeners.clear();  // closes the listening sockets
    claim.reset();      // removes the socket file, releases the lock
    socket_path.clear();
    tcp_port = 0;
  }

  // --- The loop (its own thread from start_loop() to stop()).

  void run() {
    std::vector<pollfd> fds;
    while (!stopping.load()) {
      try {
        iterate(fds);
      } catch (...) {
        // Nothing escapes the thread; an allocation failure here is retried on the next round.
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    // Finish what is in progress as far as the sockets take it now, and close everything.
    for (auto& c : conns) {
      if (c->closed) continue;
      size_t sent;
      send_now(c->fd, c->http->output(), sent);
      close(*c);
    }
    conns.clear();
  }

  void iterate(std::vector<pollfd>& fds) {
    Clock::time_point now = Clock::now();
    fds.clear();
    fds.push_back({wake_fd, POLLIN, 0});
    Clock::time_point next = now + std::chrono::seconds(1);
    for (auto& l : listeners) {
      bool paused = now < l->paused_until;
      fds.push_back({paused ? -1 : l->fd, POLLIN, 0});
      if (paused) next = std::min(next, l->paused_until);
    }
    size_t polled = conns.size();
    for (auto& c : conns) {
      fds.push_back({c->fd, static_cast<short>(c->http->reading() ? POLLIN : POLLOUT), 0});
      next = std::min(next, c->deadline);
    }
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
    int n = ::poll(fds.data(), fds.size(), static_cast<int>(std::clamp<long long>(wait, 0, 1000)));
    if (n < 0 && errno != EINTR) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (fds[0].revents) {
      uint64_t v;
      while (::read(wake_fd, &v, sizeof v) > 0) {
      }
    }
    if (stopping.load()) return;
    if (n > 0) {
      size_t base = 1 + listeners.size();
      for (size_t i = 0; i < polled; ++i)
        if (fds[base + i].revents && !conns[i]->closed) service(*conns[i], fds[base + i].revents);
      for (size_t i = 0; i < listeners.size(); ++i)
        if (fds[1 + i].revents & POLLIN) accept_from(*listeners[i]);
    }
    expire(Clock::now());
    std::erase_if(conns, [](const std::unique_ptr<Conn>& c) { return c->closed; });
  }

  void close(Conn& c) {
    if (c.closed) return;
    ::close(c.fd);
    c.closed = true;
    --c.listener->open;
  }

  void service(Conn& c, short revents) {
    if (revents & POLLNVAL) {
      close(c);
      return;
    }
    if (c.http->reading()) {
      char buf[16384];
      ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        c.http->receive(std::string_view(buf, static_cast<size_t>(n)));
      } else if (n == 0) {
        c.http->receive_eof();
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        close(c);
        return;
      }
    }
    settle(c);
  }

  // After any progress: send what can be sent, close when done, and start the deadline of a new
  // phase (waiting for a request, or for the client to take a response).
  void settle(Conn& c) {
    while (!c.closed && !c.http->output().empty()) {
      size_t sent;
      if (!send_now(c.fd, c.http->output(), sent)) {
        close(c);
        return;
      }
      if (sent == 0) break;
      c.http->consume_output(sent);  // may answer a pipelined request: more output
    }
    if (c.http->finished()) {
      close(c);
      return;
    }
    bool reading = c.http->reading();
    bool new_request = c.http->requests() != c.answered;
    Clock::time_point now = Clock::now();
    if (reading && (!c.was_reading || new_request)) {
      c.deadline = now + request_timeout();
      c.waiting_since = ++sequence;
    } else if (!reading && (c.was_reading || new_request)) {
      c.deadline = now + write_timeout();
    }
    c.was_reading = reading;
    c.answered = c.http->requests();
  }

  void expire(Clock::time_point now) {
    for (auto& c : conns) {
      if (c->closed || c->deadline > now) continue;
      if (c->http->reading()) {
        c->http->timed_out();  // a 408 when part of a request came
        size_t sent;
        send_now(c->fd, c->http->output(), sent);
      }
      close(*c);
    }
  }

  // Closes the listener's connection that has waited longest for a request; false when every
  // connection is busy with a response.
  bool shed_oldest(Listener& l) {
    Conn* oldest = nullptr;
    for (auto& c : conns)
      if (!c->closed && c->listener == &l && c->http->reading() &&
          (!oldest || c->waiting_since < oldest->waiting_since))
        oldest = c.get();
    if (!oldest) return false;
    close(*oldest);
    return true;
  }

  void refuse(Listener& l, int fd, const std::string& peer) {
    static const std::string kBody = R"({"error":"too many connections to the inspection API","status":503})";
    std::string response = detail::serialize_response(ApiResponse{503, "application/json", kBody, {}}, false, false);
    size_t sent;
    send_now(fd, response, sent);
    ::close(fd);
    if (l.endpoint.audit) {
      try {
        l.endpoint.audit("", "", 503, peer);
      } catch (...) {
      }
    }
  }

  void accept_from(Listener& l) {
    for (int i = 0; i < 64; ++i) {
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      int fd = ::accept4(l.fd, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          // Out of descriptors: make room from our own idlers, else pause (the pending connection
          // would otherwise keep the listener readable and the loop spinning).
          if (shed_oldest(l)) continue;
          l.paused_until = Clock::now() + std::chrono::milliseconds(100);
        }
        return;
      }
      std::string peer = l.tcp ? peer_name(addr) : l.unix_peer;
      if (l.open >= max_connections() && !shed_oldest(l)) {
        refuse(l, fd, peer);
        continue;
      }
      if (l.tcp) {
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      }
      auto c = std::make_unique<Conn>();
      c->fd = fd;
      c->listener = &l;
      c->http = std::make_unique<HttpConnection>(l.endpoint, std::move(peer));
      c->deadline = Clock::now() + request_timeout();
      c->waiting_since = ++sequence;
      ++l.open;
      conns.push_back(std::move(c));
    }
  }

  Options options;
  InspectionApi api;
  std::vector<std::unique_ptr<Listener>> listeners;
  std::optional<detail::SocketPathClaim> claim;
  std::string socket_path;
  uint16_t tcp_port = 0;

  std::thread thread;
  std::atomic<bool> stopping{false};
  int wake_fd = -1;
  std::vector<std::unique_ptr<Conn>> conns;  // the loop thread's
  uint64_t sequence = 0;
};

InspectionServer::InspectionServer(const MetricsSource& source, Options options)
    : impl_(std::make_unique<Impl>(source, std::move(options))) {}

InspectionServer::~InspectionServer() { stop(); }

Status InspectionServer::start() {
  if (running()) return {};
  const Options& o = impl_->options;
  bool tcp = !o.tcp_address.empty();
  bool unix_socket = !o.socket_path.empty() || !tcp;
  Status s;
  if (tcp) s = impl_->start_tcp();
  if (s && unix_socket) s = impl_->start_unix();
  if (s) s = impl_->start_loop();
  if (!s) impl_->stop();
  return s;
}

void InspectionServer::stop() { impl_->stop(); }

bool InspectionServer::running() const { return !impl_->listeners.empty(); }

const std::string& InspectionServer::socket_path() const { return impl_->socket_path; }

uint16_t InspectionServer::tcp_port() const { return impl_->tcp_port; }

}  // namespace torvyn::observability
