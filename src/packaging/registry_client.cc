#include "torvyn/packaging/registry_client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "torvyn/base/sha256.h"
#include "torvyn/packaging/oci.h"
#include "torvyn/packaging/auth_challenge.h"
#include "torvyn/packaging/signing.h"
#include "registry_url.h"

#ifndef TORVYN_VERSION
#define TORVYN_VERSION "0.1.0"
#endif

namespace torvyn::packaging {

using detail::ascii_lower;
using detail::host_of;
using detail::origin_of;
using detail::resolve_url;
using detail::url_escape;

namespace {

// Response headers kept per response: plenty for a registry's, small enough to bound.
constexpr size_t kMaxHeaderBytes = 64 * 1024;
// A token service's answer, an error body, an upload's answer.
constexpr uint64_t kMaxSmallBody = 64 * 1024;
// How much of an error body goes into a message.
constexpr size_t kBodyInError = 300;

const char* kManifestAccept =
    "Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return std::string(s);
}

// The start of a body as one printable line, for messages.
std::string excerpt(const std::string& body) {
  std::string out;
  for (char c : body.substr(0, kBodyInError)) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7f) ? ' ' : c;
  }
  if (body.size() > kBodyInError) out += "...";
  return trim(out);
}

// The OCI error body's codes and messages ({"errors":[{"code":…,"message":…}]}), or an excerpt.
std::string error_body_text(const std::string& body) {
  if (body.empty()) return "";
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("errors") && j["errors"].is_array()) {
    std::string out;
    for (const auto& e : j["errors"]) {
      if (!e.is_object()) continue;
      std::string code = e.value("code", std::string()), msg = e.value("message", std::string());
      out += (out.empty() ? "" : "; ") + code + (msg.empty() ? "" : ": " + msg);
    }
    if (!out.empty()) return excerpt(out);
  }
  return excerpt(body);
}

void curl_init_once(CURLcode& rc) {
  // curl_global_init is not thread-safe in every libcurl build: once, before the first handle.
  static std::once_flag once;
  static CURLcode init = CURLE_OK;
  std::call_once(once, [] { init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  rc = init;
}

class Headers {
 public:
  Headers() = default;
  ~Headers() { curl_slist_free_all(list_); }
  Headers(const Headers&) = delete;
  Headers& operator=(const Headers&) = delete;
  void add(const std::string& h) {
    if (curl_slist* l = curl_slist_append(list_, h.c_str())) list_ = l;
  }
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

}  // namespace

struct RegistryClient::Request {
  std::string method = "GET";  // GET HEAD POST PUT
  std::string url;
  std::vector<std::string> headers;
  std::span<const uint8_t> body;
  uint64_t max_body = kMaxSmallBody;  // more is cut off (Response::overflow)
  uint64_t expect_size = 0;           // reserve this much for the body
  std::string what;                   // "fetching manifest 1.0" for messages
  bool allow_http = false;            // a token realm on loopback (the registry's own: options_.plain_http)
};

struct RegistryClient::Response {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names; the last value of a repeated one
  std::vector<std::string> challenges;         // every WWW-Authenticate
  std::vector<uint8_t> body;
  bool overflow = false;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  std::string text() const { return std::string(body.begin(), body.end()); }
};

namespace {

struct Sink {
  CURL* curl = nullptr;
  std::vector<uint8_t>* body = nullptr;
  uint64_t max_body = 0;
  bool* overflow = nullptr;
  bool* error_cut = nullptr;
  std::map<std::string, std::string>* headers = nullptr;
  std::vector<std::string>* challenges = nullptr;
  size_t header_bytes = 0;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* s = static_cast<Sink*>(user);
  size_t n = size * count;
  // An error answer's body (a 404 for a small blob, a 500) is bounded by its own small limit and
  // cut short rather than failing the transfer: its status is what matters.
  long status = 0;
  curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) {
    if (s->body->size() + n > kMaxSmallBody) {
      s->body->insert(s->body->end(), data, data + (kMaxSmallBody - s->body->size()));
      *s->error_cut = true;
      return 0;  // stops an error body that would not end; the response stands as it is
    }
    s->body->insert(s->body->end(), data, data + n);
    return n;
  }
  if (s->body->size() + n > s->max_body) {
    *s->overflow = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  s->body->insert(s->body->end(), data, data + n);
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* s = static_cast<Sink*>(user);
  size_t n = size * count;
  s->header_bytes += n;
  if (s->header_bytes > kMaxHeaderBytes) return 0;
  std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (after a redirect or a 100 Continue)
    s->headers->clear();
    s->challenges->clear();
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name = ascii_lower(std::string(line.substr(0, colon)));
  std::string value = trim(line.substr(colon + 1));
  if (name == "www-authenticate") s->challenges->push_back(value);
  (*s->headers)[name] = value;
  return n;
}

}  // namespace

RegistryClient::RegistryClient(RegistryRef ref, RegistryOptions options, void* curl)
    : ref_(std::move(ref)), options_(std::move(options)), curl_(curl) {}

RegistryClient::~RegistryClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

Result<std::unique_ptr<RegistryClient>> RegistryClient::open(const RegistryRef& ref, RegistryOptions options) {
  if (options.plain_http && !ref.is_loopback())
    return Error(ErrorCode::RegistryInsecure, ref.host + ": --plain-http is refused for a registry that is not on this machine (only 127.0.0.1, "
                                                         "localhost and ::1): it would send the artifact and any credentials unencrypted; use TLS, "
                                                         "with --ca-file CA.pem for a private CA");
  if (!options.ca_file.empty()) {
    int fd = ::open(options.ca_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error(ErrorCode::RegistryTlsFailed, "cannot read the CA file " + options.ca_file + " (--ca-file): " + std::strerror(errno));
    ::close(fd);
  }
  CURLcode rc;
  curl_init_once(rc);
  if (rc != CURLE_OK) return Error(ErrorCode::EnvironmentError, std::string("libcurl could not be initialised: ") + curl_easy_strerror(rc));
  CURL* curl = curl_easy_init();
  if (!curl) return Error(ErrorCode::EnvironmentError, "libcurl could not create a handle");
  return std::unique_ptr<RegistryClient>(new RegistryClient(ref, std::move(options), curl));
}

bool RegistryClient::same_origin(const std::string& url) const {
  const std::string mine = origin_of(ref_.base_url(options_.plain_http));
  return !mine.empty() && origin_of(url) == mine;
}

Result<RegistryClient::Response> RegistryClient::perform_once(const Request& rq, bool with_auth) {
  CURL* curl = static_cast<CURL*>(curl_);
  Response r;
  if (rq.expect_size > 0) r.body.reserve(static_cast<size_t>(std::min(rq.expect_size, rq.max_body)));
  bool error_cut = false;
  Sink sink{curl, &r.body, rq.max_body, &r.overflow, &error_cut, &r.headers, &r.challenges, 0};
  Headers headers;
  for (const std::string& h : rq.headers) headers.add(h);
  headers.add("Expect:");  // no 100-continue wait before a PUT body
  // Credentials go to the registry's own origin only (an upload URL may point elsewhere).
  if (with_auth && !authorization_.empty() && same_origin(rq.url)) headers.add(authorization_);
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_reset(curl);  // keeps the connection cache
  curl_easy_setopt(curl, CURLOPT_URL, rq.url.c_str());
  const bool http = options_.plain_http || rq.allow_http;
  const char* protocols = http ? "http,https" : "https";
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, protocols);
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
#else
  long p = http ? (CURLPROTO_HTTP | CURLPROTO_HTTPS) : CURLPROTO_HTTPS;
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS, p);
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS, p);
#endif
  // Blob GETs may redirect to storage; curl drops our Authorization header on another host.
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, rq.method == "GET" ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
  if (rq.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (rq.method == "POST" || rq.method == "PUT") {
    if (rq.method == "PUT") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, rq.body.empty() ? "" : reinterpret_cast<const char*>(rq.body.data()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(rq.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "torvyn/" TORVYN_VERSION);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.stall_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(options_.request_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (ref_.is_loopback()) curl_easy_setopt(curl, CURLOPT_PROXY, "");  // a local registry never goes through a proxy
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  // The handle must not keep pointers into this frame.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, nullptr);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, nullptr);
  if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && error_cut)) return r;

  const std::string where = rq.what + " (" + rq.method + " " + rq.url + ")";
  std::string detail = errbuf[0] ? trim(errbuf) : curl_easy_strerror(rc);
  if (r.overflow)
    return Error(ErrorCode::RegistryBlobTooLarge, where + ": the registry sent more than the " + std::to_string(rq.max_body) +
                                                      " bytes expected; the transfer was cut off and nothing was kept");
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
      if (rc == CURLE_OPERATION_TIMEDOUT)
        detail += " (Torvyn gives up after " + std::to_string(options_.stall_timeout.count()) + " s without progress)";
      return Error(ErrorCode::RegistryUnreachable, "cannot reach the registry " + ref_.host + ": " + where + ": " + detail);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
      return Error(ErrorCode::RegistryTlsFailed, "the TLS connection to " + ref_.host + " failed: " + detail +
                                                     (options_.ca_file.empty() ? "; for a registry with a private CA pass --ca-file CA.pem"
                                                                               : " (with the CA file " + options_.ca_file + ")"));
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Error(ErrorCode::RegistryInsecure, where + ": " + detail + " (a redirect to plain http is refused)");
    default:
      return Error(ErrorCode::RegistryError, where + ": the registry's answer is not HTTP Torvyn can use: " + detail);
  }
}

Status RegistryClient::authenticate(const std::string& header, const std::string& url) {
  auto c = parse_auth_challenge(header);
  const std::string need = "pass --username USER --password-stdin, set TORVYN_REGISTRY_USERNAME and TORVYN_REGISTRY_PASSWORD, or `docker login " +
                           ref_.host + "`";
  if (!c) return Error(ErrorCode::RegistryError, url + ": the registry asks for authentication with a challenge Torvyn cannot parse: " + excerpt(header));
  if (c->scheme == "basic") {
    if (!options_.credentials)
      return Error(ErrorCode::RegistryAuthFailed, ref_.host + " requires a user name and password (HTTP basic authentication): " + need);
    const std::string up = options_.credentials->username + ":" + options_.credentials->password;
    authorization_ = "Authorization: Basic " + base64_encode(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(up.data()), up.size()));
    return {};
  }
  if (c->scheme != "bearer")
    return Error(ErrorCode::RegistryAuthFailed, ref_.host + " asks for `" + c->scheme + "` authentication, which Torvyn does not speak (basic and bearer tokens only)");
  const std::string realm = c->param("realm");
  if (realm.empty()) return Error(ErrorCode::RegistryError, ref_.host + ": a Bearer challenge without a realm: " + excerpt(header));
  // The token service gets the credentials: only over TLS, or on this machine.
  const std::string realm_scheme = ascii_lower(realm.substr(0, realm.find(':')));
  const std::string realm_host = host_of(realm);
  const bool realm_loopback = realm_host == "127.0.0.1" || realm_host == "localhost" || realm_host == "::1";
  if (realm_scheme != "https" && !(realm_scheme == "http" && realm_loopback))
    return Error(ErrorCode::RegistryInsecure, ref_.host + ": the token service " + realm + " is not https; Torvyn does not send credentials to it");
  CURL* curl = static_cast<CURL*>(curl_);
  std::string scope = "repository:" + ref_.repository + (options_.push ? ":pull,push" : ":pull");
  std::string token_url = realm + (realm.find('?') == std::string::npos ? "?" : "&") + "scope=" + url_escape(curl, scope);
  if (const std::string service = c->param("service"); !service.empty()) token_url += "&service=" + url_escape(curl, service);
  Request rq;
  rq.url = token_url;
  rq.what = "getting a token for " + scope;
  if (options_.credentials) {
    const std::string up = options_.credentials->username + ":" + options_.credentials->password;
    rq.headers.push_back("Authorization: Basic " + base64_encode(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(up.data()), up.size())));
  }
  // The realm is another origin than the registry's: only rq.headers go there (no registry
  // credentials), over http only when the realm is on this machine.
  rq.allow_http = realm_scheme == "http" && realm_loopback;
  auto r = perform_once(rq, false);
  if (!r) return r.take_error();
  if (r->status == 401 || r->status == 403)
    return Error(ErrorCode::RegistryAuthFailed, "the token service " + realm + " refused " +
                                                    (options_.credentials ? "the credentials (from " + options_.credentials->source + ")" : "an anonymous token; " + need) +
                                                    " for " + scope + " (HTTP " + std::to_string(r->status) + ")");
  if (r->status < 200 || r->status > 299) return http_error("the token service " + realm, *r);
  auto j = nlohmann::json::parse(r->body.begin(), r->body.end(), nullptr, false);
  std::string token;
  if (j.is_object()) {
    if (j.contains("token") && j["token"].is_string()) token = j["token"].get<std::string>();
    else if (j.contains("access_token") && j["access_token"].is_string()) token = j["access_token"].get<std::string>();
  }
  if (token.empty() || token.find_first_of("\r\n") != std::string::npos)
    return Error(ErrorCode::RegistryError, "the token service " + realm + " answered without a usable token: " + excerpt(r->text()));
  authorization_ = "Authorization: Bearer " + token;
  return {};
}

Result<RegistryClient::Response> RegistryClient::perform(const Request& rq) {
  auto r = perform_once(rq, true);
  if (!r) return r;
  if (r->status != 401 || !same_origin(rq.url)) return r;
  // 401: answer the challenge (once) and try again; a second 401 is a refusal.
  if (r->challenges.empty())
    return Error(ErrorCode::RegistryAuthFailed, rq.what + ": the registry answered 401 without saying how to authenticate");
  std::string challenge = r->challenges.front();
  for (const std::string& c : r->challenges)
    if (ascii_lower(c).rfind("bearer", 0) == 0) challenge = c;  // prefer tokens when both are offered
  if (auto s = authenticate(challenge, rq.url); !s) return s.take_error();
  auto again = perform_once(rq, true);
  if (!again) return again;
  if (again->status == 401 || again->status == 403) {
    std::string who = options_.credentials ? "the credentials (from " + options_.credentials->source + ")" : "anonymous access";
    return Error(ErrorCode::RegistryAuthFailed, ref_.host + " refused " + who + " for " + rq.what + " (HTTP " + std::to_string(again->status) + ")" +
                                                    (error_body_text(again->text()).empty() ? "" : ": " + error_body_text(again->text())));
  }
  return again;
}

Error RegistryClient::http_error(const std::string& what, const Response& r) const {
  std::string body = error_body_text(r.text());
  if (r.status == 403)
    return Error(ErrorCode::RegistryAuthFailed, what + ": the registry refused it (HTTP 403)" + (body.empty() ? "" : ": " + body));
  return Error(ErrorCode::RegistryError, what + ": the registry answered HTTP " + std::to_string(r.status) + (body.empty() ? "" : ": " + body));
}

Result<bool> RegistryClient::has_blob(const std::string& digest) {
  Request rq;
  rq.method = "HEAD";
  rq.url = ref_.base_url(options_.plain_http) + "/blobs/" + digest;
  rq.what = "checking for blob " + digest + " in " + ref_.host + "/" + ref_.repository;
  auto r = perform(rq);
  if (!r) return r.take_error();
  if (r->status == 200) return true;
  if (r->status == 404) return false;
  return http_error(rq.what, *r);
}

Status RegistryClient::put_blob(const std::string& digest, std::span<const uint8_t> bytes) {
  const std::string what = "uploading blob " + digest + " to " + ref_.host + "/" + ref_.repository;
  Request start;
  start.method = "POST";
  start.url = ref_.base_url(options_.plain_http) + "/blobs/uploads/";
  start.headers = {"Content-Length: 0"};
  start.what = what;
  auto r = perform(start);
  if (!r) return r.take_error();
  if (r->status != 202) return http_error(what + " (starting the upload)", *r);
  const std::string location = r->header("location");
  if (location.empty()) return Error(ErrorCode::RegistryError, what + ": the registry started an upload without a Location");
  std::string url = resolve_url(start.url, location);
  if (url.empty()) return Error(ErrorCode::RegistryError, what + ": the upload Location `" + excerpt(location) + "` is not a URL");
  url += (url.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") + url_escape(static_cast<CURL*>(curl_), digest);
  Request put;
  put.method = "PUT";
  put.url = url;
  put.headers = {"Content-Type: application/octet-stream"};
  put.body = bytes;
  put.what = what;
  auto p = perform(put);
  if (!p) return p.take_error();
  if (p->status != 201 && p->status != 204) return http_error(what, *p);
  if (std::string d = p->header("docker-content-digest"); !d.empty() && d != digest)
    return Error(ErrorCode::ArtifactDigestMismatch, what + ": the registry stored it as " + excerpt(d) + ", not " + digest);
  return {};
}

Result<std::vector<uint8_t>> RegistryClient::get_blob(const std::string& digest, uint64_t size, uint64_t max_bytes) {
  const std::string what = "fetching blob " + digest + " from " + ref_.host + "/" + ref_.repository;
  if (size > max_bytes)
    return Error(ErrorCode::RegistryBlobTooLarge, what + ": its descriptor says " + std::to_string(size) + " bytes, more than the " +
                                                      std::to_string(max_bytes) + " Torvyn accepts for it; nothing was fetched");
  Request rq;
  rq.url = ref_.base_url(options_.plain_http) + "/blobs/" + digest;
  rq.what = what;
  rq.max_body = size;  // not a byte more than the descriptor says
  rq.expect_size = size;
  auto r = perform(rq);
  if (!r) return r.take_error();
  if (r->status == 404)
    return Error(ErrorCode::ArtifactBlobMissing, what + ": the registry does not have it (HTTP 404), though the manifest names it");
  if (r->status != 200) return http_error(what, *r);
  if (r->body.size() != size)
    return Error(ErrorCode::ArtifactDigestMismatch, what + ": got " + std::to_string(r->body.size()) + " bytes, the descriptor says " + std::to_string(size) +
                                                        "; nothing was kept");
  if (std::string actual = sha256_digest(r->body); actual != digest)
    return Error(ErrorCode::ArtifactDigestMismatch, what + ": the content hashes to " + actual + ", not " + digest +
                                                        " (the registry or something on the way altered it); nothing was kept");
  return std::move(r->body);
}

Result<std::optional<FetchedManifest>> RegistryClient::get_manifest(const std::string& reference) {
  const std::string what = "fetching manifest " + reference + " from " + ref_.host + "/" + ref_.repository;
  Request rq;
  rq.url = ref_.base_url(options_.plain_http) + "/manifests/" + reference;
  rq.headers = {kManifestAccept};
  rq.max_body = kMaxJsonBlobBytes;
  rq.what = what;
  auto r = perform(rq);
  if (!r) return r.take_error();
  if (r->status == 404) return std::optional<FetchedManifest>{};
  if (r->status != 200) return http_error(what, *r);
  FetchedManifest m;
  m.bytes = std::move(r->body);
  m.digest = sha256_digest(m.bytes);
  if (is_sha256_digest(reference) && m.digest != reference)
    return Error(ErrorCode::ArtifactDigestMismatch, what + ": the manifest hashes to " + m.digest + ", not the digest asked for; nothing was kept");
  if (std::string d = r->header("docker-content-digest"); !d.empty() && d != m.digest)
    return Error(ErrorCode::ArtifactDigestMismatch, what + ": the registry says its digest is " + excerpt(d) + " but the bytes it sent hash to " + m.digest +
                                                        "; nothing was kept");
  m.media_type = trim(r->header("content-type").substr(0, r->header("content-type").find(';')));
  return std::optional<FetchedManifest>(std::move(m));
}

Status RegistryClient::put_manifest(const std::string& reference, const std::string& media_type, std::span<const uint8_t> bytes) {
  const std::string what = "storing manifest " + ref_.host + "/" + ref_.repository + ":" + reference;
  Request rq;
  rq.method = "PUT";
  rq.url = ref_.base_url(options_.plain_http) + "/manifests/" + reference;
  rq.headers = {"Content-Type: " + media_type};
  rq.body = bytes;
  rq.what = what;
  auto r = perform(rq);
  if (!r) return r.take_error();
  if (r->status != 201 && r->status != 200 && r->status != 204) return http_error(what, *r);
  const std::string ours = sha256_digest(bytes);
  if (std::string d = r->header("docker-content-digest"); !d.empty() && d != ours)
    return Error(ErrorCode::ArtifactDigestMismatch, what + ": the registry stored it as " + excerpt(d) + ", not " + ours);
  return {};
}

}  // namespace torvyn::packaging
