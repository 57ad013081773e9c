// oci:// components: from a reference in Torvyn.toml to a verified .wasm on disk.
//
//  - A reference with a digest (oci://host/repo@sha256:…), or a tag that Torvyn.lock pins, is
//    looked up in the store by that digest and used from there without any network request; only
//    when the store lacks it is it pulled (by digest).
//  - A tag that is not locked is asked of the registry (tags are mutable) and pulled into the
//    store; when the registry cannot be reached (E0979), the image the store has for that tag is
//    used and a note says so.
//  - With `require_signature`, the image must carry a cosign signature that one of `trusted`
//    verifies for its manifest digest; otherwise E0975 (unsigned) or E0974 (invalid), naming the
//    artifact, the key ids tried and the fix — before anything is instantiated.
//  - The component layer is written once to <store>/components/<layer hex>.wasm (atomically,
//    never through a link); the path returned is that file.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "torvyn/base/result.h"
#include "torvyn/packaging/oci_store.h"
#include "torvyn/packaging/registry_client.h"
#include "torvyn/packaging/signing.h"

namespace torvyn::packaging {

struct ResolveRequest {
  std::string reference;      // "oci://host/repo:tag" or "oci://host/repo@sha256:…"
  std::string locked_digest;  // Torvyn.lock's pin for it ("" = not locked)
  std::filesystem::path store;
  // Client options for a registry (credentials, CA file); null = defaults (https, anonymous).
  std::function<Result<RegistryOptions>(const RegistryRef&)> options;
  bool refresh = false;  // ask the registry even when locked or cached (torvyn lock)
  bool require_signature = false;
  std::vector<Key> trusted;
};

struct ResolvedComponent {
  RegistryRef ref;
  std::string digest;          // the manifest's
  std::filesystem::path wasm;  // the component binary, verified
  std::string origin;          // "store" | "registry"
  std::string note;            // set when the registry was unreachable and the store was used
  SignatureCheck signature;    // the image's signature state under `trusted`
};

// The first half of resolving: the image in the store (pulled when needed, the store used when
// the registry is down), without the signature policy or the .wasm (torvyn inspect oci://…).
struct FetchedImage {
  StoredImage stored;
  std::string origin;  // "store" | "registry"
  std::string note;    // set when the registry was unreachable and the store was used
};
Result<FetchedImage> fetch_oci_image(const ResolveRequest& request);

Result<ResolvedComponent> resolve_oci_component(const ResolveRequest& request);

}  // namespace torvyn::packaging
