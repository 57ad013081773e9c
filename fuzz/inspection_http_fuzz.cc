// Fuzz target: bytes from a client of the inspection API, through the connection state machine the
// server runs for every socket (detail::HttpConnection in src/observability/http_front.h: request-head
// parsing with its limits, the bearer-token check, InspectionApi::handle, response framing).
//
// Input: one mode byte, then what the client sends. Mode bits: 0 = the TCP endpoint (token
// "fuzz-token" required), else the Unix socket's (no token); 1 = deliver in small pseudo-random
// chunks, else all at once; 2 = end with the request deadline passing, else with the client's FIN.
//
// Checked: nothing crashes, hangs or leaks; every response is well-formed HTTP/1.1 with a known
// status, framed by Content-Length, answered one at a time; a 500 never happens; on the TCP endpoint
// nothing but a 401 (or a 4xx/5xx for a malformed request) is answered unless the token was sent;
// a response saying "Connection: close" ends the connection; the connection always finishes.
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fake_source.h"
#include "http_front.h"

namespace {

using namespace torvyn::observability;

struct Env {
  std::unique_ptr<testing::FakeSource> source = testing::FakeSource::pipeline();
  InspectionApi api{*source, ApiOptions{true, MetricsLevel::Diagnostic}};
  detail::HttpEndpoint unix_endpoint, tcp_endpoint;
  Env() {
    unix_endpoint.api = &api;
    tcp_endpoint.api = &api;
    tcp_endpoint.token = "fuzz-token";
    // Small limits so that the fuzzer reaches them.
    for (detail::HttpEndpoint* e : {&unix_endpoint, &tcp_endpoint}) {
      e->limits.max_head_bytes = 1024;
      e->limits.max_headers = 16;
      e->limits.max_requests = 8;
      e->audit = [](std::string_view, std::string_view, int status, std::string_view) {
        if (status < 200 || status > 599) __builtin_trap();
      };
    }
  }
};

Env& env() {
  static Env* e = new Env();
  return *e;
}

bool known_status(int s) {
  switch (s) {
    case 200: case 400: case 401: case 404: case 405: case 408: case 431: case 505: return true;
    default: return false;
  }
}

// Checks the one response in `out` (the connection never queues two); returns its status.
int check_response(std::string_view out, bool& says_close) {
  if (out.substr(0, 9) != "HTTP/1.1 " || out.size() < 13 || out[12] != ' ') __builtin_trap();
  int status = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (out[i] < '0' || out[i] > '9') __builtin_trap();
    status = status * 10 + (out[i] - '0');
  }
  if (!known_status(status)) __builtin_trap();
  size_t end = out.find("\r\n\r\n");
  if (end == std::string_view::npos) __builtin_trap();
  std::string_view head = out.substr(0, end + 2);
  size_t cl = head.find("\r\nContent-Length: ");
  if (cl == std::string_view::npos || head.find("\r\nContent-Length: ", cl + 1) != std::string_view::npos)
    __builtin_trap();
  size_t length = 0;
  for (size_t i = cl + 18; i < head.size() && head[i] != '\r'; ++i) {
    if (head[i] < '0' || head[i] > '9') __builtin_trap();
    length = length * 10 + static_cast<size_t>(head[i] - '0');
  }
  size_t body = out.size() - end - 4;
  if (body != length && body != 0) __builtin_trap();  // 0: a HEAD response
  // Headers are single lines: no bare CR or LF inside the head.
  for (size_t i = 0; i < head.size(); ++i) {
    if (head[i] == '\r' && (i + 1 >= head.size() || head[i + 1] != '\n')) __builtin_trap();
    if (head[i] == '\n' && (i == 0 || head[i - 1] != '\r')) __builtin_trap();
  }
  says_close = head.find("\r\nConnection: close\r\n") != std::string_view::npos;
  if (!says_close && head.find("\r\nConnection: keep-alive\r\n") == std::string_view::npos) __builtin_trap();
  return status;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Env& e = env();
  const uint8_t mode = data[0];
  const bool tcp = mode & 1, chunked = mode & 2, deadline = mode & 4;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const bool token_sent = input.find("fuzz-token") != std::string_view::npos;

  // The parser on its own: a complete head never claims more than it was given or the limit.
  detail::ParsedHead parsed = detail::parse_request_head(input, e.tcp_endpoint.limits);
  if (parsed.kind == detail::ParsedHead::Complete &&
      (parsed.consumed > input.size() || parsed.consumed > e.tcp_endpoint.limits.max_head_bytes))
    __builtin_trap();
  if (parsed.kind == detail::ParsedHead::Invalid && parsed.status != 400 && parsed.status != 431 && parsed.status != 505)
    __builtin_trap();

  detail::HttpConnection conn(tcp ? e.tcp_endpoint : e.unix_endpoint, "fuzz");
  int responses = 0;
  bool closed = false;  // a response said Connection: close
  auto drain = [&] {
    // Like the server: send the response (here in two parts), then the connection goes on.
    while (!conn.output().empty()) {
      if (closed) __builtin_trap();  // nothing after a Connection: close
      std::string_view out = conn.output();
      bool says_close = false;
      int status = check_response(out, says_close);
      // Without the token only the dashboard's static files (is_public; they alone carry a CSP)
      // may come back 200; no data does.
      const bool dashboard_asset = out.substr(0, out.find("\r\n\r\n")).find("\r\nContent-Security-Policy: ") != std::string_view::npos;
      if (tcp && status == 200 && !token_sent && !dashboard_asset) __builtin_trap();
      ++responses;
      size_t half = out.size() / 2;
      conn.consume_output(half);
      if (conn.output().size() != out.size() - half) __builtin_trap();
      conn.consume_output(out.size() - half);
      if (says_close) {
        closed = true;
        if (!conn.finished()) __builtin_trap();
      }
    }
  };

  uint32_t rng = 2166136261u ^ static_cast<uint32_t>(size);
  size_t pos = 0;
  while (pos < input.size() && conn.reading()) {
    size_t n = input.size() - pos;
    if (chunked) {
      rng = rng * 1664525u + 1013904223u;
      n = std::min<size_t>(n, 1 + (rng >> 24) % 17);
    }
    conn.receive(input.substr(pos, n));
    pos += n;
    drain();
  }
  if (deadline) conn.timed_out();
  else conn.receive_eof();
  drain();
  if (!conn.finished()) __builtin_trap();  // FIN or the deadline always ends the connection
  if (conn.requests() != responses) __builtin_trap();
  return 0;
}
