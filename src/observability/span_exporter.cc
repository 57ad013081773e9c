// make_span_exporter: picks the exporter by kind and checks endpoints up front, so a typo in
// Torvyn.toml is reported when the tracer starts rather than as failed exports later.
#include "torvyn/observability/span_exporter.h"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <optional>
#include <string>

#include "exporters.h"

namespace torvyn::observability {
namespace {

constexpr std::string_view kKinds = "otlp-http, otlp-grpc, stdout, file, none";

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  // `prefix` is lowercase; the scheme of a URL is case-insensitive (RFC 3986 §3.1).
  return s.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), s.begin(), [](char p, char c) {
           return std::tolower(static_cast<unsigned char>(c)) == p;
         });
}

struct Authority {
  std::string host;  // IPv6 keeps its brackets: it goes back into a URL or a gRPC target
  std::string port;  // "" when absent
};

// "host", "host:port", "[v6]", "[v6]:port". `why` receives the reason on failure.
std::optional<Authority> parse_authority(std::string_view text, std::string* why) {
  auto fail = [&](const char* reason) {
    *why = reason;
    return std::optional<Authority>();
  };
  Authority a;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return fail("an IPv6 address needs its closing ']'");
    a.host = std::string(text.substr(0, close + 1));
    std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail("only :port may follow a bracketed IPv6 address");
      port = after.substr(1);
      if (port.empty()) return fail("empty port after ':'");
    }
    if (a.host.size() == 2) return fail("no host");
  } else {
    size_t colon = text.rfind(':');
    if (colon != std::string_view::npos) {
      if (text.find(':') != colon) return fail("write an IPv6 address in brackets, e.g. [::1]:4318");
      port = text.substr(colon + 1);
      if (port.empty()) return fail("empty port after ':'");
      text = text.substr(0, colon);
    }
    a.host = std::string(text);
    if (a.host.empty()) return fail("no host");
  }
  if (!port.empty()) {
    bool digits = port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    int n = digits ? std::stoi(std::string(port)) : 0;
    if (n < 1 || n > 65535) return fail("the port must be a number from 1 to 65535");
    a.port = std::string(port);
  }
  return a;
}

bool has_space_or_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

}  // namespace

Result<std::string> otlp_http_url(const std::string& endpoint) {
  if (endpoint.empty()) return std::string("http://localhost:4318/v1/traces");
  auto invalid = [&](const std::string& why) {
    return Error(ErrorCode::TraceEndpointInvalid,
                 "otlp-http endpoint \"" + endpoint + "\": " + why +
                     " (expected an http:// or https:// URL, e.g. \"http://localhost:4318\")");
  };
  if (has_space_or_control(endpoint)) return invalid("contains whitespace or control characters");
  std::string scheme;
  if (starts_with_nocase(endpoint, "http://")) scheme = "http://";
  else if (starts_with_nocase(endpoint, "https://")) scheme = "https://";
  else if (endpoint.find("://") != std::string::npos)
    return invalid("the scheme must be http or https");
  else
    return invalid("no scheme");
  std::string_view rest = std::string_view(endpoint).substr(scheme.size());
  if (rest.find('#') != std::string_view::npos) return invalid("a URL fragment ('#') cannot be sent");
  size_t end = std::min(rest.find('/'), rest.find('?'));
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  // user:password@ is allowed (a collector behind basic auth); validate what follows it.
  size_t at = authority.rfind('@');
  std::string why;
  if (!parse_authority(at == std::string_view::npos ? authority : authority.substr(at + 1), &why)) return invalid(why);
  std::string url = scheme + std::string(authority);
  if (tail.empty() || tail == "/") return url + "/v1/traces";
  if (tail.front() == '?') return url + "/v1/traces" + std::string(tail);
  return url + std::string(tail);
}

Result<GrpcTarget> otlp_grpc_target(const std::string& endpoint) {
  if (endpoint.empty()) return GrpcTarget{"localhost:4317", false};
  auto invalid = [&](const std::string& why) {
    return Error(ErrorCode::TraceEndpointInvalid,
                 "otlp-grpc endpoint \"" + endpoint + "\": " + why +
                     " (expected http://host:port, https://host:port or host:port, e.g. \"http://localhost:4317\")");
  };
  if (has_space_or_control(endpoint)) return invalid("contains whitespace or control characters");
  GrpcTarget t;
  std::string_view rest = endpoint;
  if (starts_with_nocase(rest, "http://")) rest.remove_prefix(7);
  else if (starts_with_nocase(rest, "https://")) rest.remove_prefix(8), t.tls = true;
  else if (rest.find("://") != std::string_view::npos) return invalid("the scheme must be http or https");
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find_first_of("/?#") != std::string_view::npos) return invalid("gRPC endpoints have no path");
  if (rest.find('@') != std::string_view::npos) return invalid("user information is not supported");
  std::string why;
  auto a = parse_authority(rest, &why);
  if (!a) return invalid(why);
  t.target = a->host + ":" + (a->port.empty() ? "4317" : a->port);
  return t;
}

Result<std::unique_ptr<SpanExporter>> make_span_exporter(const ExporterOptions& options) {
  const std::string& kind = options.kind;
  if ((kind == "otlp-http" || kind == "otlp-grpc") && options.timeout.count() <= 0)
    return Error(ErrorCode::Internal, "trace exporter " + kind + ": the export timeout must be positive, got " +
                                          std::to_string(options.timeout.count()) + " ms");
  if (kind == "otlp-http") return make_otlp_http_exporter(options);
  if (kind == "otlp-grpc") {
#if TORVYN_WITH_GRPC
    return make_otlp_grpc_exporter(options);
#else
    return Error(ErrorCode::TraceExporterUnavailable,
                 "tracing_exporter = \"otlp-grpc\": this build of Torvyn has no gRPC support (CMake did not find "
                 "gRPC/protobuf, or it was configured with -DTORVYN_WITH_GRPC=OFF). Use \"otlp-http\", or install "
                 "libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc, reconfigure with "
                 "-DTORVYN_WITH_GRPC=ON and rebuild");
#endif
  }
  if (kind == "stdout") return make_ostream_exporter(options.stdout_carries_data ? std::cerr : std::cout, "stdout");
  if (kind == "file") return make_file_exporter(options.endpoint);
  if (kind == "none") return make_none_exporter();
  return Error(ErrorCode::TraceExporterUnknown,
               "unknown trace exporter \"" + kind + "\" (expected one of " + std::string(kKinds) + ")");
}

}  // namespace torvyn::observability
