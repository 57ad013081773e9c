#include "torvyn/observability/inspection_client.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace torvyn::observability {
namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(left);
}

// Waits until `fd` is ready for `events`; false when the deadline passed first.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

// A non-blocking connect bounded by the deadline; 0 on success, else the errno.
int connect_by(int fd, const sockaddr* addr, socklen_t len, Clock::time_point deadline) {
  if (::connect(fd, addr, len) == 0) return 0;
  if (errno != EINPROGRESS && errno != EAGAIN && errno != EINTR) return errno;
  if (!wait_for(fd, POLLOUT, deadline)) return ETIMEDOUT;
  int err = 0;
  socklen_t n = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &n) != 0) return errno;
  return err;
}

Error unreachable(const InspectionTarget& t, const std::string& why) {
  return Error(ErrorCode::IoError,
               "no inspection API answers at " + t.describe() + ": " + why +
                   " (is `torvyn run` running there? it prints where its API listens)");
}

Result<int> connect_unix(const InspectionTarget& t, Clock::time_point deadline) {
  sockaddr_un a{};
  if (t.socket_path.empty() || t.socket_path.size() >= sizeof a.sun_path)
    return unreachable(t, "the socket path is empty or too long for a Unix socket");
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return unreachable(t, std::strerror(errno));
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, t.socket_path.c_str(), t.socket_path.size() + 1);
  if (int err = connect_by(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a, deadline))
    return unreachable(t, std::strerror(err));
  return fd.release();
}

Result<int> connect_tcp(const InspectionTarget& t, Clock::time_point deadline) {
  const std::string& text = t.tcp_address;
  std::string host, port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return Error(ErrorCode::InspectionAddressInvalid, "\"" + text + "\" is not [IPv6]:port");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon)
      return Error(ErrorCode::InspectionAddressInvalid,
                   "\"" + text + "\" is not host:port (e.g. 127.0.0.1:7878; an IPv6 address in brackets)");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) < 1 || std::stoi(port) > 65535)
    return Error(ErrorCode::InspectionAddressInvalid,
                 "\"" + text + "\" is not host:port with a port from 1 to 65535 (e.g. 127.0.0.1:7878)");
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0)
    return unreachable(t, std::string("cannot resolve ") + host + ": " + ::gai_strerror(rc));
  std::string last = "no address";
  int out = -1;
  for (addrinfo* ai = found; ai && out < 0; ai = ai->ai_next) {
    Fd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol));
    if (fd.get() < 0) {
      last = std::strerror(errno);
      continue;
    }
    if (int err = connect_by(fd.get(), ai->ai_addr, ai->ai_addrlen, deadline)) {
      last = std::strerror(err);
      continue;
    }
    out = fd.release();
  }
  ::freeaddrinfo(found);
  if (out < 0) return unreachable(t, last);
  return out;
}

Error bad(const InspectionTarget& t, std::string_view path, const std::string& why) {
  return Error(ErrorCode::IoError, "GET " + std::string(path) + " at " + t.describe() + ": " + why);
}

bool iequals_prefix(std::string_view line, std::string_view name) {
  if (line.size() < name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = line[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != name[i]) return false;
  }
  return true;
}

}  // namespace

std::string InspectionTarget::describe() const { return tcp_address.empty() ? "unix:" + socket_path : tcp_address; }

Result<HttpReply> inspection_get(const InspectionTarget& t, std::string_view path, const ClientLimits& limits) {
  if (path.empty() || path.front() != '/' || path.find_first_of(" \r\n") != std::string_view::npos)
    return bad(t, path, "the path must start with / and hold no spaces or line breaks");
  if (t.token.find_first_of("\r\n") != std::string::npos)
    return Error(ErrorCode::InspectionTokenMissing, "the bearer token holds a line break");
  const Clock::time_point deadline = Clock::now() + limits.timeout;
  Result<int> connected = t.tcp_address.empty() ? connect_unix(t, deadline) : connect_tcp(t, deadline);
  if (!connected) return connected.take_error();
  Fd fd(*connected);

  std::string request = "GET " + std::string(path) + " HTTP/1.1\r\nHost: " +
                        (t.tcp_address.empty() ? std::string("torvyn") : t.tcp_address) +
                        "\r\nUser-Agent: torvyn-top\r\nAccept: application/json\r\nConnection: close\r\n";
  if (!t.token.empty()) request += "Authorization: Bearer " + t.token + "\r\n";
  request += "\r\n";
  for (size_t sent = 0; sent < request.size();) {
    ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(fd.get(), POLLOUT, deadline)) return bad(t, path, "timed out sending the request");
    } else {
      return unreachable(t, std::string("the connection broke: ") + std::strerror(errno));
    }
  }

  // Connection: close — the response ends where the stream does (checked against Content-Length).
  std::string in;
  char buf[16384];
  for (;;) {
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n > 0) {
      if (in.size() + static_cast<size_t>(n) > limits.max_response_bytes)
        return bad(t, path, "the response is larger than " + std::to_string(limits.max_response_bytes) + " bytes");
      in.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_for(fd.get(), POLLIN, deadline))
        return bad(t, path, "no complete response within " + std::to_string(limits.timeout.count()) + " ms");
    } else if (in.empty()) {
      return unreachable(t, std::string("the connection broke: ") + std::strerror(errno));
    } else {
      return bad(t, path, std::string("the connection broke mid-response: ") + std::strerror(errno));
    }
  }
  if (in.empty()) return unreachable(t, "the connection closed without an answer");

  size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos || !in.starts_with("HTTP/1.") || in.size() < 12 || in[8] != ' ')
    return bad(t, path, "the answer is not an HTTP/1.x response");
  HttpReply reply;
  for (size_t i = 9; i < 12; ++i) {
    if (in[i] < '0' || in[i] > '9') return bad(t, path, "malformed HTTP status line");
    reply.status = reply.status * 10 + (in[i] - '0');
  }
  long long content_length = -1;
  std::string_view head(in.data(), head_end);
  for (size_t pos = head.find("\r\n"); pos != std::string_view::npos;) {
    size_t next = head.find("\r\n", pos + 2);
    std::string_view line = head.substr(pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
    pos = next;
    auto value_of = [&](std::string_view name) {
      std::string_view v = line.substr(name.size());
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      return v;
    };
    if (iequals_prefix(line, "content-length:")) {
      std::string_view v = value_of("content-length:");
      if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string_view::npos)
        return bad(t, path, "malformed Content-Length");
      content_length = std::stoll(std::string(v));
    } else if (iequals_prefix(line, "content-type:")) {
      reply.content_type = std::string(value_of("content-type:"));
    } else if (iequals_prefix(line, "transfer-encoding:")) {
      return bad(t, path, "a chunked response (the inspection API sends Content-Length)");
    }
  }
  reply.body = in.substr(head_end + 4);
  if (content_length >= 0) {
    if (reply.body.size() < static_cast<size_t>(content_length))
      return bad(t, path, "the response was cut short (" + std::to_string(reply.body.size()) + " of " +
                              std::to_string(content_length) + " bytes)");
    reply.body.resize(static_cast<size_t>(content_length));
  }
  if (reply.status == 401)
    return Error(ErrorCode::InspectionTokenMissing,
                 t.describe() + " refused the bearer token" +
                     (t.token.empty() ? std::string(" (none was given: set TORVYN_INSPECTION_TOKEN or --token)")
                                      : std::string(" (it is not this instance's [inspection] token)")));
  return reply;
}

}  // namespace torvyn::observability
