#include "torvyn/packaging/artifact.h"

#include <algorithm>
#include <cstdlib>
#include <ctime>

#include "torvyn/contracts/capabilities.h"
#include "torvyn/contracts/component_wit.h"
#include "torvyn/contracts/conformance.h"
#include "torvyn/contracts/contracts.h"

namespace torvyn::packaging {

using nlohmann::json;

namespace {

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

}  // namespace

Result<ComponentFacts> describe_component(std::span<const uint8_t> wasm, std::string_view declared_world) {
  auto wit = contracts::component_wit_from_bytes(std::vector<uint8_t>(wasm.begin(), wasm.end()));
  if (!wit) return wit.take_error();
  const contracts::ComponentWit& w = *wit;
  ComponentFacts f;
  for (const wit::WorldItem& i : w.world->exports) f.exports.push_back(i.name);
  for (const wit::WorldItem& i : w.world->imports) f.imports.push_back(i.name);
  std::vector<const contracts::RoleInfo*> roles = contracts::component_roles(w);
  for (const auto* r : roles) f.roles.emplace_back(r->name);
  if (auto v = contracts::streaming_version(w)) f.contract = "torvyn:streaming@" + v->to_string();
  for (const std::string& name : contracts::imported_interfaces(*w.world)) {
    contracts::ImportClass c = contracts::classify_import(name);
    if (c.kind == contracts::ImportClass::Kind::Gated && std::find(f.capabilities.begin(), f.capabilities.end(), c.capability) == f.capabilities.end())
      f.capabilities.push_back(c.capability);
  }
  std::string world(declared_world);
  if (world.empty() && !roles.empty()) {
    world = std::string(roles[0]->world);
    // A processor that also exports lifecycle was built for managed-transform.
    if (roles[0]->role == contracts::Role::Processor && w.find_export("torvyn:streaming/lifecycle")) world = "managed-transform";
  }
  if (!world.empty()) {
    contracts::WorldLookup l = contracts::find_world(world, nullptr);
    f.target = l.world ? l.world->id() : world;
  }
  return f;
}

bool valid_ref_part(std::string_view s) {
  if (s.empty() || s.size() > 128 || s[0] == '.' || s[0] == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

Result<PackedImage> add_component(Layout& layout, const PackRequest& req) {
  if (!valid_ref_part(req.name))
    return Error(ErrorCode::ArtifactInvalid, "`" + req.name + "` cannot name an artifact: use letters, digits, '.', '_' and '-' (not first)");
  if (!valid_ref_part(req.version))
    return Error(ErrorCode::ArtifactInvalid, "version `" + req.version + "` cannot tag an artifact: use letters, digits, '.', '_' and '-' (e.g. 0.1.0)");
  auto facts = describe_component(req.wasm, req.declared_world);
  if (!facts) return facts.take_error();

  Descriptor layer = layout.add_blob(std::string(kWasmLayerMediaType), req.wasm);
  layer.annotations[std::string(kAnnotationTitle)] = req.name + ".wasm";

  json component{{"exports", facts->exports}, {"imports", facts->imports}};
  if (!facts->target.empty()) component["target"] = facts->target;
  json config{{"created", req.created},
              {"architecture", "wasm"},
              {"os", "wasip2"},
              {"layerDigests", json::array({layer.digest})},
              {"component", component}};
  if (!req.author.empty()) config["author"] = req.author;
  Descriptor cfg = layout.add_blob(std::string(kWasmConfigMediaType), canonical_bytes(config));

  Annotations ann;
  ann[std::string(kAnnotationTitle)] = req.name;
  ann[std::string(kAnnotationVersion)] = req.version;
  ann[std::string(kAnnotationCreated)] = req.created;
  if (!req.source.empty()) ann[std::string(kAnnotationSource)] = req.source;
  if (!req.revision.empty()) ann[std::string(kAnnotationRevision)] = req.revision;
  if (!req.author.empty()) ann[std::string(kAnnotationAuthors)] = req.author;
  if (!req.description.empty()) ann[std::string(kAnnotationDescription)] = req.description;
  ann[std::string(kAnnotationRole)] = join(facts->roles, ",");
  ann[std::string(kAnnotationWorld)] = facts->target;
  ann[std::string(kAnnotationContract)] = facts->contract;
  ann[std::string(kAnnotationCapabilities)] = join(facts->capabilities, ",");
  json manifest{{"schemaVersion", 2},
                {"mediaType", std::string(kImageManifestMediaType)},
                {"config", cfg.to_json()},
                {"layers", json::array({layer.to_json()})},
                {"annotations", ann}};
  Descriptor m = layout.add_blob(std::string(kImageManifestMediaType), canonical_bytes(manifest));
  const std::string ref = req.name + ":" + req.version;
  m.annotations[std::string(kRefNameAnnotation)] = ref;

  // The image this replaces takes its signatures with it: they sign another digest.
  for (const Descriptor& old : layout.manifests)
    if (old.ref_name() == ref && old.digest != m.digest) {
      layout.remove_ref(signature_tag(old.digest));
      break;
    }
  layout.put_manifest(m);
  layout.prune();
  return PackedImage{m, layer, std::move(*facts)};
}

Result<std::vector<uint8_t>> component_bytes(const Layout& layout, const Image& image) {
  const std::string where = layout.origin + " " + (image.ref_name().empty() ? image.digest() : image.ref_name());
  if (image.config.media_type != kWasmConfigMediaType)
    return Error(ErrorCode::ArtifactInvalid, where + ": not a Wasm component artifact: its config is " + image.config.media_type + ", not " +
                                                 std::string(kWasmConfigMediaType));
  const Descriptor* wasm = nullptr;
  for (const Descriptor& l : image.layers)
    if (l.media_type == kWasmLayerMediaType) {
      if (wasm) return Error(ErrorCode::ArtifactInvalid, where + ": more than one application/wasm layer (a Torvyn artifact holds one component)");
      wasm = &l;
    }
  if (!wasm) return Error(ErrorCode::ArtifactInvalid, where + ": no application/wasm layer");
  const std::vector<uint8_t>* b = layout.blob(wasm->digest);
  if (!b) return Error(ErrorCode::ArtifactBlobMissing, where + ": the layout has no blob " + wasm->digest);
  return *b;
}

std::string created_now() {
  std::time_t t = std::time(nullptr);
  if (const char* sde = std::getenv("SOURCE_DATE_EPOCH"); sde && *sde) {
    char* end = nullptr;
    long long v = std::strtoll(sde, &end, 10);
    if (end && *end == '\0' && v >= 0) t = static_cast<std::time_t>(v);
  }
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace torvyn::packaging
