// References to artifacts in an OCI registry (opencontainers/distribution-spec; the grammar of
// distribution/reference): [oci://]HOST[:PORT]/REPOSITORY[:TAG][@sha256:DIGEST].
//
// The host is always explicit — Torvyn never guesses docker.io — so the first path component must
// look like a host: it contains a '.' or a ':', or is `localhost`, or is a bracketed IPv6 address.
#pragma once

#include <string>
#include <string_view>

#include "torvyn/base/result.h"

namespace torvyn::packaging {

struct RegistryRef {
  std::string host;        // as written, with the port: "registry.example.com", "127.0.0.1:5000", "[::1]:5000"
  std::string repository;  // "team/upper"
  std::string tag;         // "" = none given
  std::string digest;      // "sha256:<hex>"; "" = none given

  // The tag or digest a manifest is fetched by (the digest when both are given: it pins).
  std::string reference() const { return digest.empty() ? tag : digest; }
  // "host/repository:tag", "host/repository@sha256:…" (both when both are given), no scheme.
  std::string str() const;
  // The host without its port (and without the brackets of an IPv6 address).
  std::string hostname() const;
  // 127.0.0.1, localhost or ::1: the only hosts plain HTTP may be used with.
  bool is_loopback() const;
  // "https://host/v2/repository" (or http:// when `plain_http`).
  std::string base_url(bool plain_http) const;
};

// Parses a registry reference, with or without the oci:// prefix. E0977 RegistryRefInvalid (saying
// which part is wrong) otherwise.
Result<RegistryRef> parse_registry_ref(std::string_view text);

// Whether a tag is valid: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
bool valid_registry_tag(std::string_view tag);

}  // namespace torvyn::packaging
