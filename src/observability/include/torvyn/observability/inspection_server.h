// The inspection API over HTTP/1.1, on a Unix socket and/or loopback TCP (DESIGN.md §8; operator's
// guide: "Bind the inspection API to localhost only ... If exposing the inspection API over TCP,
// configure token-based authentication").
//
// Unix socket (the default): the file is created mode 0600 (bound in a private 0700 directory and
// renamed into place, so it is never reachable with looser permissions); a missing parent directory
// is created 0700; an existing parent must not be writable by others (unless sticky) and must be
// owned by us or root. A stale socket left by a dead server is removed; a live server (another
// process holding `<socket>.lock`, or anything accepting connections on the path) makes start()
// fail with E0951. The socket's permissions are the authentication: no token is asked for.
// The lock file stays in place after stop() (removing it would race with a concurrent start).
//
// TCP: only loopback addresses (127.0.0.0/8, ::1, "localhost") are accepted (E0952 otherwise),
// and a bearer token is required (E0953 without one): every request must carry
// `Authorization: Bearer <token>`, else 401 with `WWW-Authenticate: Bearer realm="torvyn"`. The
// token is checked as soon as the request head has arrived, before anything else is done with it;
// a request body is never read (a request that has one is answered and the connection closed).
//
// Which listeners: TCP when tcp_address is set; the Unix socket when socket_path is set, or when
// neither is set (then at default_socket_path()). Both may run at once.
//
// Availability: any local process can open connections, so none may hold the API hostage. One
// thread multiplexes every connection (poll), so idle or slow clients cost a file descriptor and
// no worker. Each listener keeps at most max_connections open: when full, accepting a new
// connection closes the one that has been waiting for a request the longest (idle keep-alive or a
// partial request), or, if every connection is mid-response, refuses the newcomer with 503. A
// whole request head (request line and headers, at most 8 KiB and 64 fields, else 431) must
// arrive within request_timeout_ms of the connection opening or of the previous response (408
// and close if part of one came, else a silent close), however slowly the bytes trickle; a
// response must be taken within write_timeout_ms. A keep-alive connection serves at most
// max_requests_per_connection requests.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "torvyn/base/result.h"
#include "torvyn/observability/metrics.h"

namespace torvyn::observability {

// $TORVYN_STATE_DIR/torvyn.sock, else $XDG_RUNTIME_DIR/torvyn/torvyn.sock, else
// /tmp/torvyn-<uid>/torvyn.sock.
std::string default_socket_path();

// `source` must outlive the server. start() and stop() are called from one thread (the host's);
// requests are served on the server's own thread, which calls into `source` concurrently with the host.
class InspectionServer {
 public:
  // Called after every response (including 401/404/405, 400/431 for malformed requests and 408),
  // on the server's thread; it should not block for long. peer: "127.0.0.1:54012" for TCP, "unix:<socket path>" for the Unix socket.
  using AuditFn = std::function<void(std::string_view method, std::string_view path, int status, std::string_view peer)>;

  // Every member has a default, so designated initializers may name any subset:
  // InspectionServer(source, {.tcp_address = "127.0.0.1:7878", .token = t}).
  struct Options {
    std::string socket_path{};
    std::string tcp_address{};  // "127.0.0.1:7878", "[::1]:7878", "localhost:7878"; port 0 = any free port
    std::string token{};        // bearer token for TCP
    bool allow_remote = false;  // bind a non-loopback tcp_address ([inspection] allow_remote)
    bool prometheus_enabled = true;
    MetricsLevel level = MetricsLevel::Production;
    AuditFn audit{};
    std::function<void()> drain{};      // POST /drain (ApiOptions::drain); unset: no /drain
    std::function<bool()> draining{};   // GET /health "draining"
    int max_connections = 128;             // open connections per listener
    int request_timeout_ms = 5000;         // for a whole request head, or an idle keep-alive connection
    int write_timeout_ms = 10000;          // for a client to take a whole response
    int max_requests_per_connection = 100;
  };

  InspectionServer(const MetricsSource& source, Options options);
  ~InspectionServer();  // stop()
  InspectionServer(const InspectionServer&) = delete;
  InspectionServer& operator=(const InspectionServer&) = delete;

  // Binds every listener (errors are reported here, nothing is left bound on failure), then
  // serves on a background thread.
  Status start();
  // Stops accepting, finishes requests in progress, removes the socket file. Idempotent.
  void stop();

  bool running() const;
  const std::string& socket_path() const;  // the Unix socket in use ("" when none)
  uint16_t tcp_port() const;               // the bound TCP port (0 when none)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace torvyn::observability
