// The local store of artifacts pulled from registries: one OCI image layout per registry
// repository, under $XDG_CACHE_HOME/torvyn/oci (else ~/.cache/torvyn/oci):
//
//   <store>/<host>[_<port>]/<repository path>/{oci-layout,index.json,blobs/sha256/…}
//
// Each layout names an image by its tag (the index entry's ref name) and keeps its cosign
// signature under sha256-<digest>.sig, so `torvyn inspect <store>/127.0.0.1_5000/team/upper:1.0`
// and `torvyn verify` work on it as on any layout, and skopeo reads it (oci:DIR:TAG). Blobs are
// content-addressed and verified on every read; when a tag moves to another digest, the image it
// named stays as an unnamed entry, so a digest pinned in Torvyn.lock still resolves offline.
//
// The store directory must be ours (created 0700; refused when another user owns it or may write
// to it: E0902), and its sub-directories are created and opened without following links. Writes go
// through write_layout (atomic: blobs first, index.json renamed over last) under an flock on
// <store>/.lock, so two pulls into one repository never lose each other's entries.
#pragma once

#include <filesystem>
#include <optional>

#include "torvyn/base/result.h"
#include "torvyn/packaging/oci.h"
#include "torvyn/packaging/registry_ref.h"

namespace torvyn::packaging {

// $XDG_CACHE_HOME/torvyn/oci, else $HOME/.cache/torvyn/oci.
std::filesystem::path default_store_dir();

// Where the layout of `ref`'s repository lives in `store`.
std::filesystem::path store_repository_dir(const std::filesystem::path& store, const RegistryRef& ref);

// Adds the images of `pulled` (and their blobs) to the layout at `dir` (a directory, or a .tar),
// creating it when missing.
// An entry whose ref name is taken by another digest replaces it; the replaced image stays as an
// unnamed entry (with its signature). Atomic as write_layout is.
Status merge_into_layout(const Layout& pulled, const std::filesystem::path& dir);

// merge_into_layout into the store's layout for `ref` (the store checked and locked). Returns that
// layout's directory.
Result<std::filesystem::path> store_pulled(const std::filesystem::path& store, const RegistryRef& ref, const Layout& pulled);

// The store's layout for `ref`'s repository (verified), or nullopt when it has none yet (or it
// cannot be read: a pull then fetches everything and rewrites it).
std::optional<Layout> stored_repository(const std::filesystem::path& store, const RegistryRef& ref);

struct StoredImage {
  Layout layout;  // the repository's layout, verified
  Image image;
  std::filesystem::path dir;
};

// The image `ref` names in the store: by digest when it has one, else by tag. E0973 when the store
// does not have it (the message says to pull it).
Result<StoredImage> find_in_store(const std::filesystem::path& store, const RegistryRef& ref);

}  // namespace torvyn::packaging
