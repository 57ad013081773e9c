// Raw sockets for the inspection server's availability tests: connections that stay idle, send a
// request a byte at a time, or send what no well-behaved client would. Every read is bounded by a
// deadline, so a server that misbehaves fails the test instead of hanging it.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <chrono>
#include <cstring>
#include <string>

namespace torvyn::observability::testing {

// A connected socket (blocking), or -1.
inline int connect_tcp(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline int connect_unix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline bool send_all(int fd, const std::string& data) {
  for (size_t off = 0; off < data.size();) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// True when the peer has closed the connection (EOF or reset) within `timeout`; whatever data
// arrives first is discarded.
inline bool closed_within(int fd, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count() > 0 ? left.count() : 0)) <= 0) return false;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return true;
  }
}

struct RawReply {
  std::string raw;     // everything read
  bool closed = false;  // the server closed the connection
};

// Reads until the server closes the connection, `responses` complete responses have arrived
// (0: until close), or the timeout passes. (Responses are framed by Content-Length: no HEAD.)
inline RawReply read_reply(int fd, std::chrono::milliseconds timeout, int responses = 0) {
  RawReply r;
  auto complete = [&] {
    int seen = 0;
    size_t pos = 0;
    while (seen < responses) {
      size_t end = r.raw.find("\r\n\r\n", pos);
      if (end == std::string::npos) return false;
      size_t len = 0;
      size_t cl = r.raw.find("Content-Length: ", pos);
      if (cl != std::string::npos && cl < end) len = std::stoul(r.raw.substr(cl + 16));
      if (r.raw.size() < end + 4 + len) return false;
      pos = end + 4 + len;
      ++seen;
    }
    return true;
  };
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!(responses > 0 && complete())) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[16384];
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      r.raw.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      r.closed = true;
      break;
    }
  }
  return r;
}

// The status code of the first response in `raw`, or 0.
inline int status_of(const std::string& raw) {
  if (raw.compare(0, 9, "HTTP/1.1 ") != 0 || raw.size() < 12) return 0;
  return std::stoi(raw.substr(9, 3));
}

// A self-closing file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.fd_;
      o.fd_ = -1;
    }
    return *this;
  }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

}  // namespace torvyn::observability::testing
