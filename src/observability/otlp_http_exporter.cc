// otlp-http: each batch is one ExportTraceServiceRequest in OTLP/JSON, POSTed with libcurl to
// the collector (OTLP specification, "OTLP/HTTP"). One curl handle is kept for the exporter's
// life so the connection is reused between batches, as the specification recommends. No
// retries: the tracer drops and counts a failed batch (span_exporter.h).
#include <curl/curl.h>

#include <mutex>

#include "exporters.h"
#include "torvyn/observability/otlp_json.h"

#ifndef TORVYN_VERSION
#define TORVYN_VERSION "dev"
#endif

namespace torvyn::observability {
namespace {

// How much of a response body is kept: enough for a collector's error message.
constexpr size_t kMaxBody = 4096;
// How much of it goes into an error message.
constexpr size_t kBodyInError = 300;

size_t collect_body(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  size_t n = size * count;
  if (body->size() < kMaxBody) body->append(data, std::min(n, kMaxBody - body->size()));
  return n;  // the rest is read and ignored, so the connection stays reusable
}

// The start of a response body as printable text (it may be a binary protobuf Status).
std::string body_excerpt(const std::string& body) {
  std::string out;
  for (char c : body.substr(0, kBodyInError)) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\n' || c == '\r' || c == '\t') out += ' ';
    else out += u < 0x20 || u == 0x7f ? '.' : c;
  }
  if (body.size() > kBodyInError) out += "...";
  return otlp_json::valid_utf8(out);  // the cut may split a UTF-8 sequence
}

// 64-bit integers arrive as strings in proto3 JSON but receivers may send numbers too.
int64_t json_int(const nlohmann::json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_string()) {
    try {
      return std::stoll(v.get<std::string>());
    } catch (const std::exception&) {
    }
  }
  return 0;
}

// The URL as it may appear in messages: user:password@ (basic auth to a collector) is masked.
std::string redacted(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find_first_of("/?", start);
  size_t at = url.rfind('@', end == std::string::npos ? url.size() - 1 : end);
  if (at == std::string::npos || at < start) return url;
  return url.substr(0, start) + "***" + url.substr(at);
}

class CurlHeaders {
 public:
  CurlHeaders() = default;
  ~CurlHeaders() { curl_slist_free_all(list_); }
  CurlHeaders(const CurlHeaders&) = delete;
  CurlHeaders& operator=(const CurlHeaders&) = delete;
  bool add(const char* header) {
    curl_slist* l = curl_slist_append(list_, header);
    if (!l) return false;
    list_ = l;
    return true;
  }
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

class OtlpHttpExporter final : public SpanExporter {
 public:
  OtlpHttpExporter(CURL* curl, std::string url, std::chrono::milliseconds timeout)
      : curl_(curl), url_(std::move(url)), shown_url_(redacted(url_)), timeout_(timeout) {}
  ~OtlpHttpExporter() override { curl_easy_cleanup(curl_); }
  OtlpHttpExporter(const OtlpHttpExporter&) = delete;
  OtlpHttpExporter& operator=(const OtlpHttpExporter&) = delete;

  std::string_view name() const override { return "otlp-http"; }

  Status export_spans(const TraceResource& resource, const std::vector<SpanRecord>& spans) override {
    // The specification asks senders not to send empty envelopes.
    if (spans.empty()) return {};
    const std::string body = otlp_json::dump(otlp_json::export_request(resource, spans));
    // No span count in `what`: the tracer logs a failure only when its message differs from the
    // last one, so an unreachable collector must give the same message for every batch.
    const std::string what = "OTLP/HTTP export to " + shown_url_;

    std::lock_guard lock(mu_);
    CurlHeaders headers;
    // "Expect:" turns off curl's Expect: 100-continue for large bodies, which would otherwise
    // wait up to a second for a 100 that many servers never send.
    if (!headers.add("Content-Type: application/json") || !headers.add("Expect:"))
      return Error(ErrorCode::TraceExportFailed, what + " failed: out of memory");
    std::string response;
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_reset(curl_);  // keeps the connection cache; clears the previous request's options
    curl_easy_setopt(curl_, CURLOPT_URL, url_.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85: CURLOPT_PROTOCOLS_STR replaces CURLOPT_PROTOCOLS
    curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(curl_, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(curl_, CURLOPT_POST, 1L);
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl_, CURLOPT_USERAGENT, "torvyn/" TORVYN_VERSION);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: we are one thread of many
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, errbuf);

    CURLcode rc = curl_easy_perform(curl_);
    // The handle must not keep pointers into this frame once we return.
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, nullptr);
    if (rc != CURLE_OK) {
      std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
      if (rc == CURLE_OPERATION_TIMEDOUT) detail += " (timeout " + std::to_string(timeout_.count()) + " ms)";
      return Error(ErrorCode::TraceExportFailed, what + " failed: " + detail);
    }
    long status = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
      std::string msg = what + " failed: the collector answered HTTP " + std::to_string(status);
      if (!response.empty()) msg += ": " + body_excerpt(response);
      return Error(ErrorCode::TraceExportFailed, msg);
    }
    return partial_success(response, spans.size(), what);
  }

 private:
  // A 200 may still carry partialSuccess: the collector dropped some spans (rejectedSpans > 0),
  // which the tracer must count as failed. A message with rejectedSpans = 0 is only a warning.
  static Status partial_success(const std::string& response, size_t sent, const std::string& what) {
    auto j = nlohmann::json::parse(response, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return {};  // an empty or protobuf body: full success
    auto ps = j.find("partialSuccess");
    if (ps == j.end() || !ps->is_object()) return {};
    int64_t rejected = ps->contains("rejectedSpans") ? json_int((*ps)["rejectedSpans"]) : 0;
    if (rejected <= 0) return {};
    std::string msg = what + ": the collector rejected " + std::to_string(rejected) + " of " + std::to_string(sent) + " spans";
    if (auto m = ps->find("errorMessage"); m != ps->end() && m->is_string()) msg += ": " + m->get<std::string>();
    return Error(ErrorCode::TraceExportFailed, msg);
  }

  CURL* curl_;
  std::string url_;
  std::string shown_url_;
  std::chrono::milliseconds timeout_;
  std::mutex mu_;
};

}  // namespace

Result<std::unique_ptr<SpanExporter>> make_otlp_http_exporter(const ExporterOptions& options) {
  auto url = otlp_http_url(options.endpoint);
  if (!url) return url.take_error();
  // curl_global_init is not thread-safe in every libcurl build: run it once, here, before the
  // first handle exists. It is never undone (other code in the process may use curl too).
  static std::once_flag once;
  static CURLcode init = CURLE_OK;
  std::call_once(once, [] { init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init != CURLE_OK)
    return Error(ErrorCode::EnvironmentError,
                 std::string("otlp-http: libcurl could not be initialised: ") + curl_easy_strerror(init));
  CURL* curl = curl_easy_init();
  if (!curl) return Error(ErrorCode::EnvironmentError, "otlp-http: libcurl could not create a handle");
  return std::unique_ptr<SpanExporter>(std::make_unique<OtlpHttpExporter>(curl, std::move(*url), options.timeout));
}

}  // namespace torvyn::observability
