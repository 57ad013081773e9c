// A client for one repository of an OCI registry, speaking the distribution HTTP API
// (opencontainers/distribution-spec `spec.md`) over libcurl: manifests by tag or digest, blobs
// (HEAD, GET, and the monolithic POST-then-PUT upload), with the registry's authentication:
//
//  - a 401 with `WWW-Authenticate: Basic …` is answered with the user name and password;
//  - a 401 with `WWW-Authenticate: Bearer realm=…,service=…,scope=…` (the docker token protocol)
//    is answered by fetching a token from the realm (with the credentials, when there are any)
//    for this repository's pull (and push) scope and sending it as `Authorization: Bearer`.
//
// Credentials and tokens are only ever sent to the registry's own origin (never to a redirect
// target or an upload URL on another host) and to a token realm over https (or on loopback).
// Plain HTTP is refused unless the registry is on this machine (127.0.0.1, localhost, ::1).
//
// Everything read from the network is bounded: a manifest by kMaxJsonBlobBytes, a blob by the
// caller's limit and by its descriptor's size (a registry that sends more is cut off: E0983), and
// a transfer that stalls is abandoned. Every manifest and blob fetched is checked against its
// digest (and size) before it is returned, so callers never see unverified bytes.
//
// One client is used by one thread (a curl easy handle is not shareable); nothing throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "torvyn/base/result.h"
#include "torvyn/packaging/registry_ref.h"

namespace torvyn::packaging {

struct RegistryCredentials {
  std::string username, password;
  std::string source;  // where they came from, for messages ("--username", "TORVYN_REGISTRY_USERNAME", "~/.docker/config.json")
};

struct RegistryOptions {
  bool plain_http = false;  // http:// instead of https:// (loopback registries only: E0978 otherwise)
  std::string ca_file;      // PEM CA certificates to verify the registry with ("" = the system's)
  std::optional<RegistryCredentials> credentials;
  bool push = false;  // ask tokens for push as well as pull
  std::chrono::seconds connect_timeout{15};
  std::chrono::seconds stall_timeout{30};     // abandon a transfer that moves no byte for this long
  std::chrono::seconds request_timeout{600};  // and any one request after this long
};

struct FetchedManifest {
  std::string media_type;  // the Content-Type the registry gave (or the manifest's own mediaType)
  std::string digest;      // of the bytes, verified
  std::vector<uint8_t> bytes;
};

class RegistryClient {
 public:
  // E0978 (plain HTTP to a host that is not loopback), E0980 (an unreadable CA file).
  static Result<std::unique_ptr<RegistryClient>> open(const RegistryRef& ref, RegistryOptions options);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  const RegistryRef& ref() const { return ref_; }

  // Whether the repository has the blob (HEAD).
  Result<bool> has_blob(const std::string& digest);
  // Uploads a blob in one request (POST to start the upload, PUT with ?digest= to complete it).
  Status put_blob(const std::string& digest, std::span<const uint8_t> bytes);
  // A blob that must be exactly `size` bytes (at most `max_bytes`: E0983 otherwise) and hash to
  // `digest` (E0971 otherwise). E0972 when the registry does not have it.
  Result<std::vector<uint8_t>> get_blob(const std::string& digest, uint64_t size, uint64_t max_bytes);
  // A manifest by tag or digest: nullopt when the registry has no such manifest (404). Its digest
  // must match a digest reference and the registry's Docker-Content-Digest header (E0971).
  Result<std::optional<FetchedManifest>> get_manifest(const std::string& reference);
  // Stores a manifest under a tag (or its digest); the registry's digest must be ours.
  Status put_manifest(const std::string& reference, const std::string& media_type, std::span<const uint8_t> bytes);

 private:
  struct Request;
  struct Response;
  RegistryClient(RegistryRef ref, RegistryOptions options, void* curl);
  Result<Response> perform(const Request& request);      // with authentication
  Result<Response> perform_once(const Request& request, bool with_auth);
  Status authenticate(const std::string& challenge, const std::string& url);
  Error http_error(const std::string& what, const Response& r) const;
  bool same_origin(const std::string& url) const;

  RegistryRef ref_;
  RegistryOptions options_;
  void* curl_;                 // CURL*
  std::string authorization_;  // "Authorization: ..." once the registry asked for it
};

}  // namespace torvyn::packaging
