// OCI image layouts (opencontainers/image-spec `image-layout.md`): a directory, or a tar of one,
// holding `oci-layout`, `index.json` and content-addressed `blobs/sha256/<hex>`. Torvyn writes
// component artifacts in this format (artifact.h) and cosign signatures beside them (signing.h),
// so that skopeo, umoci, oras and registries read what we write.
//
// A Layout is held in memory: components are a few MiB and a layout holds few images. Reading
// verifies everything it loads — every blob that index.json reaches (manifests, configs, layers,
// nested indexes) must exist and hash to its name and size — so nothing downstream ever sees
// unverified bytes. Writing is atomic: a new directory is built beside the target and renamed into
// place; an existing layout gets its missing blobs first and its index.json replaced last (a crash
// in between leaves unreferenced blobs, never a reference to a missing one); a tar is written to a
// temporary file and renamed. No write follows a symbolic link (atomic_file.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "torvyn/base/result.h"

namespace torvyn::packaging {

inline constexpr std::string_view kImageIndexMediaType = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kImageManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kImageConfigMediaType = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kRefNameAnnotation = "org.opencontainers.image.ref.name";
inline constexpr std::string_view kOciLayoutVersion = "1.0.0";

// The most Torvyn reads of one manifest, config or index (the image-spec suggests registries
// accept at least 4 MiB manifests), and of a whole layout.
inline constexpr uint64_t kMaxJsonBlobBytes = 4ull << 20;
inline constexpr uint64_t kMaxLayoutBytes = 1ull << 30;

using Annotations = std::map<std::string, std::string>;

struct Descriptor {
  std::string media_type;
  std::string digest;  // "sha256:<64 lowercase hex>"
  uint64_t size = 0;
  Annotations annotations;
  std::string artifact_type;  // "" when absent

  nlohmann::json to_json() const;
  std::string ref_name() const;  // its org.opencontainers.image.ref.name, or ""
};

// JSON text with stable bytes for equal values: object keys sorted, no insignificant whitespace,
// UTF-8 (invalid UTF-8 in a string is replaced, never thrown on). Every manifest, config, index
// and payload Torvyn writes is this text, so its digest is reproducible.
std::string canonical_json(const nlohmann::json& j);
std::vector<uint8_t> canonical_bytes(const nlohmann::json& j);

bool is_sha256_digest(std::string_view digest);
// The hex part of "sha256:<hex>".
std::string digest_hex(std::string_view digest);

// A parsed image manifest of a layout (its blobs verified when the layout was read).
struct Image {
  Descriptor descriptor;  // the index.json entry (ref name in its annotations)
  Descriptor config;
  std::vector<Descriptor> layers;
  Annotations annotations;  // the manifest's own
  std::string artifact_type;
  std::string ref_name() const { return descriptor.ref_name(); }
  const std::string& digest() const { return descriptor.digest; }
};

struct Layout {
  std::vector<Descriptor> manifests;                   // index.json's entries, in order
  Annotations index_annotations;
  std::map<std::string, std::vector<uint8_t>> blobs;   // every blob index.json reaches, by digest
  std::string origin;                                  // where it was read from ("" for a new one)

  const std::vector<uint8_t>* blob(const std::string& digest) const;
  // Adds a blob (no-op when present) and returns its descriptor.
  Descriptor add_blob(std::string media_type, std::vector<uint8_t> bytes);
  // Adds or replaces an index entry: one with the same ref name is replaced; one without a ref
  // name is replaced when its digest is the same.
  void put_manifest(const Descriptor& d);
  // Removes entries whose ref name is `ref_name`.
  void remove_ref(std::string_view ref_name);
  std::vector<uint8_t> index_json() const;
  // Drops blobs no index entry reaches any more (after entries were replaced).
  void prune();
};

// Whether `path` names a tar rather than a directory layout (by its extension: .tar).
bool is_tar_path(const std::filesystem::path& path);

// Reads a layout from a directory or a .tar, verifying every reachable blob. Errors name the file
// and say what to do: E0970 ArtifactInvalid, E0971 ArtifactDigestMismatch, E0972
// ArtifactBlobMissing, E0900 IoError (no such path, unreadable, a symbolic link inside).
Result<Layout> read_layout(const std::filesystem::path& where);

// Writes `layout` to a directory or a .tar (is_tar_path), atomically (see above). A directory that
// exists must be empty or an OCI layout (whose other images are kept only when `layout` was read
// from it: write what you read back after changing it).
Status write_layout(const Layout& layout, const std::filesystem::path& where);

// Parses an image manifest entry (E0970 when it is not an image manifest or lacks a field).
Result<Image> parse_image(const Layout& layout, const Descriptor& d);

// "PATH", "PATH:REF" (a ref name such as upper:0.1.0) or "PATH@sha256:<hex>": the longest prefix
// that exists on disk is the path.
struct LocalRef {
  std::filesystem::path path;
  std::string ref_name;  // "" = not given
  std::string digest;    // "" = not given
  std::string text;      // as given
};
Result<LocalRef> parse_local_ref(std::string_view text);

// cosign's tag for the signatures of a manifest: "sha256-<hex>.sig".
std::string signature_tag(std::string_view manifest_digest);
bool is_signature_tag(std::string_view ref_name);

// The images of a layout a user may pick (index entries that are image manifests, signature
// entries left out), by ref name (digest when unnamed), for messages.
std::vector<std::string> image_choices(const Layout& layout);

// The image `ref` selects: by digest, by ref name, by the part of a ref name before ':' (the
// component name), or the only image of the layout. E0973 ArtifactNotFound (listing the choices)
// otherwise.
Result<Image> select_image(const Layout& layout, const LocalRef& ref);

}  // namespace torvyn::packaging
