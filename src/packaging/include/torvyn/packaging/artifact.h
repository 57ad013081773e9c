// A Torvyn component as an OCI artifact in the CNCF TAG Runtime "Wasm OCI Artifact" format
// (tag-runtime.cncf.io/wgs/wasm/deliverables/wasm-oci-artifact): an image manifest whose config
// has media type application/vnd.wasm.config.v0+json and whose one layer is the component binary
// (application/wasm). The config describes the component from its own type information:
//
//   {"architecture":"wasm","author":…,"component":{"exports":[…],"imports":[…],"target":"torvyn:streaming/transform@0.1.0"},
//    "created":"2026-12-06T00:00:00Z","layerDigests":["sha256:…"],"os":"wasip2"}
//
// and the manifest carries the OCI annotations org.opencontainers.image.{title,version,created,
// source,revision} (source/revision only when known) plus Torvyn's own (kTorvynAnnotations). The
// index entry is named "<component>:<version>" (org.opencontainers.image.ref.name), so
// `skopeo inspect oci:DIR:upper:0.1.0` finds it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "torvyn/base/result.h"
#include "torvyn/packaging/oci.h"

namespace torvyn::packaging {

inline constexpr std::string_view kWasmConfigMediaType = "application/vnd.wasm.config.v0+json";
inline constexpr std::string_view kWasmLayerMediaType = "application/wasm";

inline constexpr std::string_view kAnnotationTitle = "org.opencontainers.image.title";
inline constexpr std::string_view kAnnotationVersion = "org.opencontainers.image.version";
inline constexpr std::string_view kAnnotationCreated = "org.opencontainers.image.created";
inline constexpr std::string_view kAnnotationSource = "org.opencontainers.image.source";
inline constexpr std::string_view kAnnotationRevision = "org.opencontainers.image.revision";
inline constexpr std::string_view kAnnotationAuthors = "org.opencontainers.image.authors";
inline constexpr std::string_view kAnnotationDescription = "org.opencontainers.image.description";
// Torvyn's own: the component's roles ("processor"; several comma-separated), the world it was
// built for, the torvyn:streaming contract it uses ("torvyn:streaming@0.1.0"), and the capability
// grants it needs to work ("wasi:random,wasi:filesystem"; "" for none).
inline constexpr std::string_view kAnnotationRole = "dev.torvyn.component.role";
inline constexpr std::string_view kAnnotationWorld = "dev.torvyn.component.world";
inline constexpr std::string_view kAnnotationContract = "dev.torvyn.contract.version";
inline constexpr std::string_view kAnnotationCapabilities = "dev.torvyn.capabilities";

// What a component binary says about itself (contracts/component_wit.h, capabilities.h).
struct ComponentFacts {
  std::string target;                     // the world, e.g. "torvyn:streaming/transform@0.1.0"; "" unknown
  std::vector<std::string> roles;         // "processor", ...
  std::vector<std::string> exports, imports;  // import/export names as in the binary
  std::string contract;                   // "torvyn:streaming@0.1.0"; "" when it uses none
  std::vector<std::string> capabilities;  // capability grants it imports ("wasi:random")
};

// Decodes the component (E02xx when it is not one) and describes it. `declared_world` is the
// [[component]]'s `world` ("transform" or "ns:pkg/world@v"); "" = inferred from its role.
Result<ComponentFacts> describe_component(std::span<const uint8_t> wasm, std::string_view declared_world);

struct PackRequest {
  std::string name;     // the component's name: title, and the ref name's repository part
  std::string version;  // the ref name's tag part and org.opencontainers.image.version
  std::vector<uint8_t> wasm;
  std::string declared_world;
  std::string created;  // RFC 3339 UTC ("2026-12-06T00:00:00Z")
  std::string author, source, revision, description;  // "" = left out
};

struct PackedImage {
  Descriptor manifest;  // as put in index.json (with its ref name)
  Descriptor layer;
  ComponentFacts facts;
};

// Adds the component to `layout` as config + layer + manifest blobs and an index entry named
// "<name>:<version>" (replacing an entry of that name; signatures of the replaced image are
// removed with it, and blobs nothing references any more are dropped).
Result<PackedImage> add_component(Layout& layout, const PackRequest& request);

// Valid ref-name parts: a component name and a version tag ([A-Za-z0-9._-], not starting with
// '.' or '-'), so that "<name>:<version>" is a ref name skopeo and umoci accept.
bool valid_ref_part(std::string_view s);

// The component binary of a Wasm artifact image: its one application/wasm layer, whose bytes the
// layout verified when it was read. E0970 when the image is not a Wasm component artifact.
Result<std::vector<uint8_t>> component_bytes(const Layout& layout, const Image& image);

// The current time (or SOURCE_DATE_EPOCH when set, for reproducible artifacts) in RFC 3339 UTC.
std::string created_now();

}  // namespace torvyn::packaging
