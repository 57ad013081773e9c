#include "http_front.h"

#include <exception>

namespace torvyn::observability::detail {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// RFC 9110 §5.6.2 tchar.
bool is_tchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

bool safe_header_text(std::string_view s) { return s.find_first_of("\r\n") == std::string_view::npos; }

// Built by hand: the fallback when building a response (JSON included) failed.
ApiResponse internal_error() {
  return ApiResponse{500, "application/json", R"({"error":"internal error","status":500})", {}};
}

}  // namespace

std::string_view RequestHead::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return {};
}

ParsedHead parse_request_head(std::string_view buf, const HttpLimits& limits) {
  ParsedHead p;
  auto invalid = [&p](int status, std::string why) {
    p.kind = ParsedHead::Invalid;
    p.status = status;
    p.error = std::move(why);
    return p;
  };
  const std::string too_large =
      "the request head is larger than " + std::to_string(limits.max_head_bytes) + " bytes";

  // Empty lines before the request line are ignored (RFC 9112 §2.2); they count against the limit.
  size_t pos = 0;
  while (pos < buf.size()) {
    if (buf[pos] == '\n') ++pos;
    else if (buf[pos] == '\r' && pos + 1 < buf.size() && buf[pos + 1] == '\n') pos += 2;
    else break;
  }
  if (pos > limits.max_head_bytes) return invalid(431, too_large);

  // The head: lines up to the first empty one. Nothing is interpreted before it is complete.
  std::vector<std::string_view> lines;
  for (;;) {
    size_t nl = buf.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (buf.size() > limits.max_head_bytes) return invalid(431, too_large);
      return p;  // Incomplete
    }
    if (nl + 1 > limits.max_head_bytes) return invalid(431, too_large);
    std::string_view line = buf.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    if (line.empty()) break;
    if (lines.size() > limits.max_headers)
      return invalid(431, "more than " + std::to_string(limits.max_headers) + " header fields");
    lines.push_back(line);
  }
  p.consumed = pos;
  if (lines.empty()) return invalid(400, "no request line");  // unreachable: leading blank lines are skipped

  // Request line: method SP request-target SP HTTP-version.
  std::string_view rl = lines[0];
  size_t sp1 = rl.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : rl.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return invalid(400, "malformed request line");
  std::string_view method = rl.substr(0, sp1);
  std::string_view target = rl.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = rl.substr(sp2 + 1);
  if (!is_token(method)) return invalid(400, "malformed request method");
  p.head.method = std::string(method);
  if (target.empty()) return invalid(400, "empty request target");
  for (char c : target) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return invalid(400, "malformed request target");
  }
  p.head.target = std::string(target);
  if (version == "HTTP/1.1") {
    p.head.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    p.head.minor_version = 0;
  } else if (version.size() == 8 && version.starts_with("HTTP/") && version[5] >= '0' && version[5] <= '9' &&
             version[6] == '.' && version[7] >= '0' && version[7] <= '9') {
    return invalid(505, "only HTTP/1.0 and HTTP/1.1 are served");
  } else {
    return invalid(400, "malformed HTTP version");
  }

  // The path: origin-form ("/flows?x"), absolute-form ("http://host/flows") or "*".
  std::string_view raw = target;
  if (raw.front() != '/' && raw != "*") {
    size_t scheme = raw.find("://");
    if (scheme == std::string_view::npos || !(iequals(raw.substr(0, scheme), "http") || iequals(raw.substr(0, scheme), "https")))
      return invalid(400, "malformed request target");
    raw.remove_prefix(scheme + 3);
    size_t slash = raw.find_first_of("/?#");
    raw = slash == std::string_view::npos || raw[slash] != '/' ? std::string_view("/") : raw.substr(slash);
  }
  raw = raw.substr(0, raw.find_first_of("?#"));
  std::string path;
  path.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '%') {
      path.push_back(raw[i]);
      continue;
    }
    int hi = i + 2 < raw.size() ? hex_value(raw[i + 1]) : -1;
    int lo = hi < 0 ? -1 : hex_value(raw[i + 2]);
    if (lo < 0) return invalid(400, "malformed percent-encoding in the request target");
    if (hi == 0 && lo == 0) return invalid(400, "a NUL byte in the request target");
    path.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  p.head.path = std::move(path);

  // Header fields.
  bool has_length = false, chunked = false, close = false, keep_alive = false;
  unsigned long long length = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.front() == ' ' || line.front() == '\t') return invalid(400, "obsolete line folding in a header field");
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon)))
      return invalid(400, "malformed header field");
    std::string_view name = line.substr(0, colon);
    std::string_view value = trim(line.substr(colon + 1));
    for (char c : value) {
      auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f) return invalid(400, "a control character in a header field");
    }
    if (iequals(name, "content-length")) {
      if (value.empty() || value.size() > 18 || value.find_first_not_of("0123456789") != std::string_view::npos)
        return invalid(400, "malformed Content-Length");
      unsigned long long n = std::stoull(std::string(value));
      if (has_length && n != length) return invalid(400, "conflicting Content-Length fields");
      has_length = true;
      length = n;
    } else if (iequals(name, "transfer-encoding")) {
      chunked = true;
    } else if (iequals(name, "connection")) {
      for (std::string_view rest = value; !rest.empty();) {
        size_t comma = rest.find(',');
        std::string_view option = trim(rest.substr(0, comma));
        if (iequals(option, "close")) close = true;
        if (iequals(option, "keep-alive")) keep_alive = true;
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
    }
    p.head.headers.emplace_back(std::string(name), std::string(value));
  }
  if (chunked && has_length) return invalid(400, "both Transfer-Encoding and Content-Length");
  p.head.has_body = chunked || length > 0;
  p.head.keep_alive = !close && !p.head.has_body && (p.head.minor_version == 1 || keep_alive);
  p.kind = ParsedHead::Complete;
  return p;
}

std::string serialize_response(const ApiResponse& r, bool head_only, bool keep_alive) {
  std::string s = "HTTP/1.1 " + std::to_string(r.status) + " " + reason_phrase(r.status) + "\r\n";
  if (!r.content_type.empty() && safe_header_text(r.content_type)) s += "Content-Type: " + r.content_type + "\r\n";
  s += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  s += "Cache-Control: no-store\r\n";
  // Never let a browser guess a type: a JSON error quoting a request must not run as HTML.
  s += "X-Content-Type-Options: nosniff\r\n";
  for (const auto& [k, v] : r.headers)
    if (is_token(k) && safe_header_text(v)) s += k + ": " + v + "\r\n";
  s += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  if (!head_only) s += r.body;
  return s;
}

HttpConnection::HttpConnection(const HttpEndpoint& endpoint, std::string peer)
    : endpoint_(endpoint), peer_(std::move(peer)) {}

void HttpConnection::receive(std::string_view bytes) {
  if (closing_ || eof_) return;
  try {
    in_.append(bytes);
    step();
  } catch (...) {
    fail();
  }
}

void HttpConnection::receive_eof() {
  eof_ = true;
  try {
    step();
  } catch (...) {
    fail();
  }
}

void HttpConnection::timed_out() {
  if (!reading()) return;
  try {
    if (in_.empty()) {
      closing_ = true;
      return;
    }
    ParsedHead p;
    p.kind = ParsedHead::Invalid;
    p.status = 408;
    p.error = "the request head did not arrive in time";
    reject(p);
  } catch (...) {
    fail();
  }
}

void HttpConnection::consume_output(size_t n) {
  out_sent_ += n;
  if (out_sent_ < out_.size()) return;
  out_.clear();
  out_sent_ = 0;
  try {
    step();
  } catch (...) {
    fail();
  }
}

void HttpConnection::fail() noexcept {
  closing_ = true;
  out_.clear();
  out_sent_ = 0;
  in_.clear();
}

void HttpConnection::step() {
  while (!closing_ && output().empty()) {
    if (in_.empty()) {
      if (eof_) closing_ = true;
      return;
    }
    ParsedHead p = parse_request_head(in_, endpoint_.limits);
    if (p.kind == ParsedHead::Incomplete) {
      if (eof_) closing_ = true;  // a partial request cut short: nothing to answer
      return;
    }
    if (p.kind == ParsedHead::Invalid) {
      reject(p);
      return;
    }
    in_.erase(0, p.consumed);
    answer(p.head);
  }
}

void HttpConnection::answer(const RequestHead& head) {
  ++requests_;
  bool keep = head.keep_alive && requests_ < endpoint_.limits.max_requests;
  ApiResponse r;
  try {
    // Authentication first: an unauthenticated request gets nothing but the 401, whatever it asks,
    // except the dashboard's static files (constant bytes, no data; a browser cannot send a
    // token with a navigation: the page asks for it and sends it with every data request).
    if (!endpoint_.token.empty() && !InspectionApi::is_public(head.method, head.path) &&
        !bearer_token_matches(head.header("authorization"), endpoint_.token)) {
      r = InspectionApi::error(401, "missing or wrong bearer token (Authorization: Bearer <token>)");
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"torvyn\"");
    } else if (endpoint_.api) {
      r = endpoint_.api->handle(head.method, head.path);
    } else {
      r = internal_error();
    }
  } catch (...) {
    r = internal_error();
    keep = false;
  }
  respond(head, r, head.method == "HEAD", keep);
}

void HttpConnection::reject(const ParsedHead& parsed) {
  ++requests_;
  respond(parsed.head, InspectionApi::error(parsed.status, parsed.error), false, false);
}

void HttpConnection::respond(const RequestHead& head, const ApiResponse& r, bool head_only, bool keep_alive) {
  out_ = serialize_response(r, head_only, keep_alive);
  out_sent_ = 0;
  if (!keep_alive) {
    closing_ = true;
    in_.clear();
  }
  if (endpoint_.audit) {
    try {
      endpoint_.audit(head.method, head.path, r.status, peer_);
    } catch (...) {
      // The audit sink's failure is its own; the response stands.
    }
  }
}

}  // namespace torvyn::observability::detail
