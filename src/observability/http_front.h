// The inspection API's HTTP/1.1 front end without the sockets (private to the layer): request-head
// parsing with hard limits, the bearer-token check, the call into InspectionApi, and response
// framing, as a per-connection state machine. InspectionServer (inspection_server.cc) drives one
// HttpConnection per accepted socket from its poll loop; fuzz/inspection_http_fuzz.cc drives the
// same class with arbitrary bytes.
//
// Only what the read-only API needs is spoken: GET/HEAD (other methods reach InspectionApi, which
// answers 405), origin-form or absolute-form targets, HTTP/1.0 and HTTP/1.1, keep-alive and
// pipelining (answered one at a time, in order). Request bodies are never read: a request that
// announces one (Content-Length > 0 or Transfer-Encoding) is answered from its head and the
// connection is closed after the response.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "torvyn/observability/inspection_api.h"

namespace torvyn::observability::detail {

struct HttpLimits {
  size_t max_head_bytes = 8192;  // request line + headers + the blank line (431 beyond)
  size_t max_headers = 64;       // header fields (431 beyond)
  int max_requests = 100;        // per connection; the last response says Connection: close
};

struct RequestHead {
  std::string method;
  std::string target;  // as sent
  std::string path;    // percent-decoded, without query or fragment
  int minor_version = 1;
  std::vector<std::pair<std::string, std::string>> headers;  // names as sent
  bool keep_alive = true;
  bool has_body = false;  // Content-Length > 0 or Transfer-Encoding

  // The first field with this name (ASCII case-insensitive), "" when absent.
  std::string_view header(std::string_view name) const;
};

struct ParsedHead {
  enum Kind { Incomplete, Complete, Invalid } kind = Incomplete;
  size_t consumed = 0;  // bytes of the buffer the head used (Complete)
  int status = 0;       // Invalid: 400, 431 or 505
  std::string error;    // Invalid: why, for the response body
  RequestHead head;     // Complete (Invalid: whatever was parsed, for the audit log)
};

// Looks for one request head at the start of `buffer`. Incomplete until the blank line ending it
// has arrived; Invalid (431) as soon as more than max_head_bytes are buffered without one.
ParsedHead parse_request_head(std::string_view buffer, const HttpLimits& limits);

// The response as bytes. HEAD responses carry GET's Content-Length and no body.
std::string serialize_response(const ApiResponse& response, bool head_only, bool keep_alive);

// What every connection of one listener shares. `token` empty: no authentication (Unix socket).
struct HttpEndpoint {
  const InspectionApi* api = nullptr;
  std::string token;
  std::function<void(std::string_view method, std::string_view path, int status, std::string_view peer)> audit;
  HttpLimits limits;
};

// One connection's protocol state. The owner feeds it received bytes, sends output(), and:
//   reading()  -> wait for input, at most until the request deadline (then timed_out());
//   !output().empty() -> wait until the socket is writable (bounded by the write deadline);
//   finished() -> close the socket.
// Never throws: a failing handler becomes a 500 and the connection closes.
class HttpConnection {
 public:
  HttpConnection(const HttpEndpoint& endpoint, std::string peer);

  // Received bytes; answers the next complete request once the previous response is sent.
  void receive(std::string_view bytes);
  // The peer sent FIN: nothing more will arrive.
  void receive_eof();
  // The request deadline passed while reading(): 408 when part of a request had arrived, then close.
  void timed_out();

  std::string_view output() const { return std::string_view(out_).substr(out_sent_); }
  void consume_output(size_t n);  // n bytes of output() were sent

  bool reading() const { return !closing_ && !eof_ && output().empty(); }
  bool finished() const { return closing_ && output().empty(); }
  bool has_partial_request() const { return !in_.empty(); }
  int requests() const { return requests_; }  // answered so far (including errors)

 private:
  void step();
  void fail() noexcept;
  void answer(const RequestHead& head);
  void reject(const ParsedHead& parsed);
  void respond(const RequestHead& head, const ApiResponse& r, bool head_only, bool keep_alive);

  const HttpEndpoint& endpoint_;
  std::string peer_;
  std::string in_;
  std::string out_;
  size_t out_sent_ = 0;
  bool closing_ = false;  // close once output() is sent
  bool eof_ = false;      // the peer will send nothing more
  int requests_ = 0;
};

}  // namespace torvyn::observability::detail
