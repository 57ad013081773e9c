// A small client for the inspection API (inspection_api.h), for `torvyn top`: one GET per
// connection over the Unix socket or TCP, with the bearer token when one is given, and hard
// bounds on what it waits for and accepts (the other end may be anything listening there).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "torvyn/base/result.h"

namespace torvyn::observability {

struct InspectionTarget {
  std::string socket_path{};  // Unix socket (used when tcp_address is empty)
  std::string tcp_address{};  // "127.0.0.1:7878", "[::1]:7878", "localhost:7878", "host:port"
  std::string token{};        // sent as "Authorization: Bearer <token>" when not empty

  // "unix:/run/…/torvyn.sock" or "127.0.0.1:7878", for messages (never the token).
  std::string describe() const;
};

struct ClientLimits {
  std::chrono::milliseconds timeout{5000};  // connect + request + whole response
  size_t max_response_bytes = 64u << 20;    // head and body together
};

struct HttpReply {
  int status = 0;
  std::string content_type;
  std::string body;
};

// GET `path`. Errors: IoError (E0900: cannot connect — nothing listens there — or the answer is
// not HTTP, oversized, truncated or too slow), InspectionTokenMissing (E0953: 401, the token was
// missing or not the instance's), InspectionAddressInvalid (E0954: not host:port).
// Any other status is returned as it is, for the caller to judge.
Result<HttpReply> inspection_get(const InspectionTarget& target, std::string_view path, const ClientLimits& limits = {});

}  // namespace torvyn::observability
