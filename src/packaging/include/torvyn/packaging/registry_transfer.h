// Moving one image (and its cosign signature, when there is one) between a local OCI layout and a
// registry repository, over RegistryClient.
//
// Push: every blob the registry does not have yet (HEAD first), then the manifest under the tag;
// then, when the layout holds the image's signature manifest (tag sha256-<digest>.sig), its blobs
// and that manifest under the same tag, as cosign stores signatures in a registry.
//
// Pull: the manifest (by tag or digest), its config and layers, each verified against its digest
// and size and bounded (a manifest 4 MiB, a layer 256 MiB, the whole image 1 GiB), and the
// signature manifest and its payloads when the registry has them. The result is an in-memory
// Layout, so nothing is written unless everything verified.
#pragma once

#include <string>

#include "torvyn/base/result.h"
#include "torvyn/packaging/oci.h"
#include "torvyn/packaging/registry_client.h"

namespace torvyn::packaging {

struct PushOutcome {
  std::string reference;  // "host/repo:tag"
  std::string digest;     // the manifest's
  size_t blobs_uploaded = 0, blobs_present = 0;
  bool signature = false;  // the signature manifest was pushed too
  std::string signature_tag;
};

// Pushes `image` of `layout` to the client's repository under `tag`.
Result<PushOutcome> push_image(RegistryClient& client, const Layout& layout, const Image& image, const std::string& tag);

struct PullOutcome {
  Layout layout;  // the image (index entry named by the tag, when pulled by tag) and its signature
  Image image;
  bool signature = false;
};

// Pulls the image `client.ref()` names (its digest when given, else its tag). E0973 when the
// registry has no such manifest; E0970 when it is not an OCI image manifest (an index, a docker
// schema 1 manifest). Blobs `have` already holds (a layout read and verified from the store) are
// taken from it instead of being downloaded again.
Result<PullOutcome> pull_image(RegistryClient& client, const Layout* have = nullptr);

}  // namespace torvyn::packaging
