// torvyn inspect: what a component artifact is and what it would need at run time — the check the
// operator's guide asks for on every artifact before deploying it ("torvyn inspect --show
// capabilities"). It reads the component's type back from the binary (contracts/component_wit.h),
// maps its WASI imports to capability names with the same table `torvyn check`/`link` use
// (contracts/capabilities.h), and says whether each is granted under the project's
// [security] policy and [security.grants.<component>] (deny-all by default).
//
//   torvyn inspect <component.wasm | artifact | component-name> [--show capabilities|interfaces|all]
//                  [--manifest Torvyn.toml] [--config K=V]... [--key PUB]... [--require-signature]
//
// An artifact is an OCI layout from `torvyn pack` (a directory or .tar, optionally :NAME:VERSION
// or @sha256:DIGEST): every blob is verified against its digest, the component is its
// application/wasm layer, and the signature state is checked against the --key public keys
// (verified by key id / invalid / signed but not verified / unsigned; no transparency log).
//
// A name that is not an existing path is a [[component]] of the manifest, resolved the way
// `torvyn run` and `torvyn check` resolve it (`path` ending in .wasm, else the `torvyn build`
// output target/components/<name>.wasm).
//
// Exit codes (DESIGN.md §9): 0 inspected; 1 the file is not a component Torvyn can read (a core
// module, a malformed or unsupported binary: E02xx), a corrupt artifact (E097x), an invalid
// signature, or with --require-signature one that is not verified; 2 no such file, a directory, an unknown
// component name, or a manifest that does not load (I/O, usage, configuration).

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "artifacts.h"
#include "cli.h"
#include "torvyn/packaging/artifact.h"
#include "torvyn/contracts/capabilities.h"
#include "torvyn/contracts/component_wit.h"
#include "torvyn/contracts/conformance.h"
#include "torvyn/host/runtime.h"
#include "torvyn/base/json_text.h"
#include "torvyn/base/file_read.h"
#include "torvyn/base/sha256.h"

namespace torvyn::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A bare .wasm carries no signature; only an artifact (torvyn pack + torvyn sign) can.
constexpr const char* kBareUnsigned = "unsigned (a bare .wasm file carries no signature: `torvyn pack` it and `torvyn sign` the artifact)";

struct InspectArgs {
  std::string target;
  std::string show = "all";
  std::string manifest;  // "" = ./Torvyn.toml when it exists
  std::vector<std::string> config;
  std::vector<std::string> keys;   // trusted public keys for an artifact's signature
  bool require_signature = false;  // exit 1 unless the signature is verified
  RegistryArgs registry;           // for an oci:// target
};

std::string human_size(uint64_t n) {
  char buf[64];
  if (n < 1024) std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(n));
  else if (n < (1u << 20)) std::snprintf(buf, sizeof buf, "%llu bytes (%.1f KiB)", static_cast<unsigned long long>(n), n / 1024.0);
  else std::snprintf(buf, sizeof buf, "%llu bytes (%.1f MiB)", static_cast<unsigned long long>(n), n / 1048576.0);
  return buf;
}

// The project the grants come from, and who the component is in it.
struct Project {
  std::optional<config::Config> cfg;
  std::string grant_key;   // the key of [security.grants.<key>] the host applies ("" = none applies)
  std::string component;   // the [[component]] name, when the target is one
};

// Where the runtime loads a [[component]] from (host::Runtime::load_component's rule).
fs::path component_file(const config::Config& cfg, const config::ComponentDecl& c) {
  fs::path declared = c.path.rfind("file://", 0) == 0 ? fs::path(c.path.substr(7)) : fs::path(c.path);
  if (declared.extension() == ".wasm") return declared.is_relative() ? cfg.project_dir / declared : declared;
  return host::built_component_path(cfg, c);
}

bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  bool eq = fs::equivalent(a, b, ec);
  return !ec && eq;
}

// The grants key the host uses for the nodes that would run `file`: the [[component]] that
// resolves to it, else a node's `file://` reference to it (grants are keyed by what a node's
// `component` says).
std::string grant_key_for(const config::Config& cfg, const fs::path& file) {
  for (const auto& c : cfg.components)
    if (same_file(component_file(cfg, c), file)) return c.name;
  for (const auto& f : cfg.flows)
    for (const auto& n : f.nodes) {
      if (n.component.rfind("file://", 0) != 0) continue;
      fs::path p = n.component.substr(7);
      if (p.is_relative()) p = cfg.project_dir / p;
      if (same_file(p, file)) return n.component;
    }
  return "";
}

struct CapabilityRow {
  std::string capability;
  std::vector<std::string> interfaces;  // the imports that need it
  bool granted = false;
  bool fails_without = false;
  std::string without;
};

struct Capabilities {
  std::string policy;       // deny-all | allow-all
  bool have_manifest = false;
  std::vector<std::string> grants;
  std::vector<CapabilityRow> gated;
  std::vector<std::string> always, host_contracts, unavailable;
  std::vector<contracts::Finding> grant_findings;  // unknown / unused grants
};

Capabilities capabilities_of(const contracts::ComponentWit& w, const Project& p) {
  Capabilities caps;
  caps.have_manifest = p.cfg.has_value();
  bool deny_all = true;
  if (p.cfg) {
    deny_all = p.cfg->security.default_capability_policy != "allow-all";
    if (auto it = p.cfg->security.grants.find(p.grant_key); !p.grant_key.empty() && it != p.cfg->security.grants.end())
      caps.grants = it->second;
  }
  caps.policy = deny_all ? "deny-all" : "allow-all";
  std::vector<std::string> imports = contracts::imported_interfaces(*w.world);
  for (const std::string& name : imports) {
    contracts::ImportClass c = contracts::classify_import(name);
    switch (c.kind) {
      case contracts::ImportClass::Kind::Torvyn: caps.host_contracts.push_back(name); break;
      case contracts::ImportClass::Kind::Always: caps.always.push_back(name); break;
      case contracts::ImportClass::Kind::Unavailable: caps.unavailable.push_back(name); break;
      case contracts::ImportClass::Kind::Gated: {
        auto row = std::find_if(caps.gated.begin(), caps.gated.end(), [&](const CapabilityRow& r) { return r.capability == c.capability; });
        if (row == caps.gated.end()) {
          CapabilityRow r;
          r.capability = c.capability;
          r.granted = !deny_all || contracts::grant_covers(caps.grants, c.capability);
          r.fails_without = c.fails_without;
          r.without = c.without;
          caps.gated.push_back(std::move(r));
          row = caps.gated.end() - 1;
        }
        row->interfaces.push_back(name);
        break;
      }
    }
  }
  if (p.cfg && !p.grant_key.empty()) caps.grant_findings = contracts::check_grants(caps.grants, &imports, "security.grants." + p.grant_key);
  return caps;
}

struct ItemView {
  std::string name, kind;
  std::vector<std::string> functions;
};

std::vector<ItemView> items_of(const std::vector<wit::WorldItem>& items) {
  std::vector<ItemView> out;
  for (const wit::WorldItem& i : items) {
    ItemView v;
    v.name = i.name;
    switch (i.kind) {
      case wit::WorldItemKind::Interface:
        v.kind = "interface";
        if (i.interface)
          for (const wit::Function* f : i.interface->functions) v.functions.push_back(f->component_name());
        break;
      case wit::WorldItemKind::Function: v.kind = "function"; break;
      case wit::WorldItemKind::Type: v.kind = "type"; break;
    }
    out.push_back(std::move(v));
  }
  return out;
}

json items_json(const std::vector<ItemView>& items) {
  json a = json::array();
  for (const ItemView& v : items) {
    json j{{"name", v.name}, {"kind", v.kind}};
    if (v.kind == "interface") j["functions"] = v.functions;
    a.push_back(std::move(j));
  }
  return a;
}

void print_items(std::ostream& out, const char* title, const std::vector<ItemView>& items) {
  out << title << " (" << items.size() << ")\n";
  if (items.empty()) out << "  (none)\n";
  size_t width = 0;
  for (const ItemView& v : items) width = std::max(width, v.name.size());
  for (const ItemView& v : items) {
    out << "  " << v.name << std::string(width - v.name.size() + 2, ' ') << v.kind;
    if (!v.functions.empty()) {
      out << ": ";
      for (size_t k = 0; k < v.functions.size(); ++k) out << (k ? ", " : "") << v.functions[k];
    }
    out << "\n";
  }
}

// The manifest: --manifest, else ./Torvyn.toml when there is one. nullopt with `code` set when it
// was needed or given and does not load; an absent optional manifest is fine (code stays kOk).
// Unlike load_manifest (cli.h), JSON output keeps the manifest's warnings for the one JSON object
// inspect prints (`warnings`), so stdout stays a single JSON document.
std::optional<config::Config> project_manifest(const Globals& g, const InspectArgs& a, bool required, int& code,
                                               std::vector<Diagnostic>& warnings) {
  std::error_code ec;
  fs::path m = a.manifest.empty() ? fs::path("Torvyn.toml") : fs::path(a.manifest);
  if (!fs::is_regular_file(m, ec)) {
    if (!a.manifest.empty() || required) {
      print_error(g, Error(ErrorCode::IoError, a.manifest.empty()
                                                   ? "`" + a.target + "` is neither a file nor a component of a project: no Torvyn.toml here (pass --manifest, or a path to a .wasm)"
                                                   : "no manifest at " + a.manifest));
      code = kUsage;
    }
    return std::nullopt;
  }
  if (!g.json()) return load_manifest(g, m, a.config, code);
  config::LoadOptions opts;
  if (!parse_overrides(g, a.config, opts)) {
    code = kUsage;
    return std::nullopt;
  }
  config::LoadResult r = config::load(m, opts);
  if (!r.ok()) {
    std::cout << render_json(r.diagnostics) << "\n";
    code = kUsage;
    return std::nullopt;
  }
  warnings = r.diagnostics;
  return std::move(r.config);
}

json signature_json(const packaging::SignatureCheck& c) {
  using State = packaging::SignatureCheck::State;
  json j{{"state", c.state_name()},
         {"signed", c.state != State::Unsigned},
         {"verified", c.state == State::Verified},
         {"signatures", c.signatures},
         {"key_id", c.state == State::Verified ? json(c.key_id) : json(nullptr)},
         {"identity", c.state == State::Verified ? json(c.identity) : json(nullptr)},
         {"transparency_log", false},
         {"detail", c.detail}};
  return j;
}

std::string signature_line(const packaging::SignatureCheck& c) {
  using State = packaging::SignatureCheck::State;
  switch (c.state) {
    case State::Verified: return "verified by key " + c.key_id + " (identity " + c.identity + "; no transparency log)";
    case State::Invalid: return "INVALID: " + c.detail;
    case State::NotVerified: return "signed, not verified: " + c.detail;
    case State::Unsigned: break;
  }
  return c.detail;
}

// 1 for a signature that is invalid, or (with --require-signature) anything but verified.
int signature_exit(const packaging::SignatureCheck& c, const InspectArgs& a) {
  using State = packaging::SignatureCheck::State;
  if (c.state == State::Invalid) return kFailed;
  if (a.require_signature && c.state != State::Verified) return kFailed;
  return kOk;
}

json artifact_json(const LoadedArtifact& art) {
  json layers = json::array();
  for (const auto& l : art.image.layers) layers.push_back(l.to_json());
  return json{{"layout", art.ref.path.string()},
              {"format", packaging::is_tar_path(art.ref.path) ? "oci-archive" : "oci-layout"},
              {"ref", art.image.ref_name().empty() ? json(nullptr) : json(art.image.ref_name())},
              {"digest", art.image.digest()},
              {"pinned", art.ref.path.string() + "@" + art.image.digest()},
              {"media_type", art.image.descriptor.media_type},
              {"config", art.image.config.to_json()},
              {"layers", layers},
              {"annotations", art.image.annotations}};
}

void print_artifact(std::ostream& out, const LoadedArtifact& art) {
  out << "\nartifact (OCI " << (packaging::is_tar_path(art.ref.path) ? "archive " : "layout ") << art.ref.path.string() << ")\n";
  out << "  ref        " << (art.image.ref_name().empty() ? "(unnamed)" : art.image.ref_name()) << "\n";
  out << "  digest     " << art.image.digest() << "  (pin it: " << art.ref.path.string() << "@" << art.image.digest() << ")\n";
  out << "  config     " << art.image.config.media_type << " " << art.image.config.digest << "\n";
  for (const auto& l : art.image.layers) out << "  layer      " << l.media_type << " " << l.digest << " (" << l.size << " bytes)\n";
  out << "  annotations\n";
  size_t width = 0;
  for (const auto& [k, v] : art.image.annotations) width = std::max(width, k.size());
  for (const auto& [k, v] : art.image.annotations) out << "    " << k << std::string(width - k.size() + 2, ' ') << (v.empty() ? "(none)" : v) << "\n";
}

int inspect(const Globals& g, const InspectArgs& a) {
  std::error_code ec;
  Project project;
  fs::path file;
  bool is_path = fs::exists(a.target, ec) || a.target.find('/') != std::string::npos || fs::path(a.target).extension() == ".wasm";
  int code = kOk;
  std::vector<Diagnostic> manifest_warnings;
  std::optional<LoadedArtifact> art;
  std::vector<uint8_t> art_bytes;
  packaging::SignatureCheck sig;
  sig.detail = kBareUnsigned;
  auto trusted = load_public_keys(g, a.keys, code);
  if (!trusted) return code;
  if (is_artifact_ref(a.target)) {
    art = load_artifact(g, a.target, code, &a.registry);
    if (!art) return code;
    auto b = packaging::component_bytes(art->layout, art->image);
    if (!b) {
      print_error(g, b.error());
      return kFailed;
    }
    art_bytes = std::move(*b);
    sig = packaging::check_signature(art->layout, art->image, *trusted);
    file = art->name();
    project.cfg = project_manifest(g, a, false, code, manifest_warnings);
    if (code != kOk) return code;
  } else if (is_path) {
    file = a.target;
    if (!fs::exists(file, ec)) {
      print_error(g, Error(ErrorCode::IoError, "no such file: " + a.target));
      return kUsage;
    }
    if (!fs::is_regular_file(file, ec)) {
      print_error(g, Error(ErrorCode::IoError, "`" + a.target + "` is not a file (give the path of a component .wasm)"));
      return kUsage;
    }
    project.cfg = project_manifest(g, a, false, code, manifest_warnings);
    if (code != kOk) return code;
    if (project.cfg) project.grant_key = grant_key_for(*project.cfg, fs::absolute(file));
  } else {
    project.cfg = project_manifest(g, a, true, code, manifest_warnings);
    if (!project.cfg) return code;
    const config::ComponentDecl* c = project.cfg->find_component(a.target);
    if (!c) {
      std::string known;
      for (const auto& d : project.cfg->components) known += (known.empty() ? "" : ", ") + d.name;
      print_error(g, Error(ErrorCode::ConfigUnknownReference,
                           "no file and no [[component]] named `" + a.target + "` in " + project.cfg->manifest_path.string() +
                               (known.empty() ? " (it declares no components)" : " (components: " + known + ")")));
      return kUsage;
    }
    file = component_file(*project.cfg, *c);
    if (!fs::is_regular_file(file, ec)) {
      print_error(g, Error(ErrorCode::IoError, "component `" + c->name + "` is not built: no " + file.string() + " (run `torvyn build`)"));
      return kUsage;
    }
    project.component = c->name;
    project.grant_key = c->name;
  }

  std::vector<uint8_t> bytes;
  if (art) {
    bytes = std::move(art_bytes);
  } else {
    auto read = read_file_capped(file.string(), kMaxComponentFileBytes, "component");
    if (!read) {
      print_error(g, read.error());
      return read.error().code == ErrorCode::IoError ? kUsage : kFailed;
    }
    bytes = std::move(*read);
  }
  const uint64_t size = bytes.size();
  const std::string digest = sha256_hex(bytes);
  if (bytes.empty()) {
    print_error(g, Error(ErrorCode::ComponentMalformed, "`" + file.string() + "` is empty, not a WebAssembly component"));
    return kFailed;
  }
  auto wit = contracts::component_wit_from_bytes(std::move(bytes));
  if (!wit) {
    print_error(g, Error(wit.error().code, file.string() + ": " + wit.error().message));
    return wit.error().code == ErrorCode::IoError ? kUsage : kFailed;
  }
  const contracts::ComponentWit& w = *wit;

  const bool show_caps = a.show != "interfaces", show_ifaces = a.show != "capabilities";
  std::vector<const contracts::RoleInfo*> roles = contracts::component_roles(w);
  auto role_export = [&](const contracts::RoleInfo* r) {
    const wit::WorldItem* e = w.find_export(r->interface);
    return e ? e->name : std::string(r->interface);
  };
  // The role's batch form (torvyn:batching), when the component exports it: the host calls that.
  auto batch_export = [&](const contracts::RoleInfo* r) -> std::string {
    const wit::WorldItem* e = r->batch_interface.empty() ? nullptr : w.find_export(r->batch_interface);
    return e ? e->name : "";
  };
  std::optional<wit::Version> streaming = contracts::streaming_version(w);
  Capabilities caps = capabilities_of(w, project);
  std::vector<ItemView> imports = items_of(w.world->imports), exports = items_of(w.world->exports);

  if (g.json()) {
    json j;
    j["file"] = file.string();
    j["component"] = project.component.empty() ? json(nullptr) : json(project.component);
    j["size"] = size;
    j["sha256"] = digest;
    j["signature"] = signature_json(sig);
    j["artifact"] = art ? artifact_json(*art) : json(nullptr);
    json rj = json::array();
    for (const auto* r : roles) {
      std::string batch = batch_export(r);
      rj.push_back({{"role", std::string(r->name)}, {"interface", role_export(r)}, {"batch", batch.empty() ? json(nullptr) : json(batch)}});
    }
    j["roles"] = rj;
    j["streaming_version"] = streaming ? json(streaming->to_string()) : json(nullptr);
    if (show_caps) {
      json c;
      c["manifest"] = project.cfg ? json(project.cfg->manifest_path.string()) : json(nullptr);
      c["policy"] = caps.policy;
      c["grants_key"] = project.cfg && !project.grant_key.empty() ? json("security.grants." + project.grant_key) : json(nullptr);
      c["grants"] = caps.grants;
      json req = json::array();
      for (const CapabilityRow& r : caps.gated)
        req.push_back({{"capability", r.capability},
                       {"interfaces", r.interfaces},
                       {"granted", r.granted},
                       {"required", r.fails_without},
                       {"without_grant", r.without}});
      c["required"] = req;
      c["always_available"] = caps.always;
      c["host_contracts"] = caps.host_contracts;
      c["unavailable"] = caps.unavailable;
      json notes = json::array();
      for (const auto& f : caps.grant_findings)
        notes.push_back({{"code", std::string(error_code_id(f.code))}, {"message", f.message}, {"help", f.help}});
      c["grant_notes"] = notes;
      j["capabilities"] = c;
    }
    if (show_ifaces) {
      j["imports"] = items_json(imports);
      j["exports"] = items_json(exports);
    }
    if (!manifest_warnings.empty()) j["warnings"] = json::parse(render_json(manifest_warnings));
    std::cout << torvyn::json_text(j, 2) << "\n";
    return signature_exit(sig, a);
  }

  std::ostream& out = std::cout;
  out << "component  " << file.string();
  if (!project.component.empty()) out << " ([[component]] " << project.component << ")";
  out << "\nsize       " << human_size(size) << "\nsha256     " << digest << "\nsignature  " << signature_line(sig) << "\nroles      ";
  if (roles.empty()) out << "(none: exports no Torvyn role interface, so no flow node can run it)";
  for (size_t k = 0; k < roles.size(); ++k) {
    std::string batch = batch_export(roles[k]);
    out << (k ? ", " : "") << roles[k]->name << " (" << role_export(roles[k]) << (batch.empty() ? "" : "; batch form " + batch) << ")";
  }
  out << "\n";
  if (show_caps) {
    out << "\ncapabilities (policy " << caps.policy;
    if (!project.cfg) out << " by default: no Torvyn.toml, so nothing is granted";
    else if (project.grant_key.empty()) out << "; " << project.cfg->manifest_path.string() << " does not use this file, so no grants apply";
    else out << "; grants from [security.grants." << project.grant_key << "] in " << project.cfg->manifest_path.string();
    out << ")\n";
    if (caps.gated.empty()) out << "  needs no capability grant\n";
    size_t width = 0;
    for (const CapabilityRow& r : caps.gated) width = std::max(width, r.capability.size());
    for (const CapabilityRow& r : caps.gated) {
      out << "  " << r.capability << std::string(width - r.capability.size() + 2, ' ')
          << (r.granted ? "granted" : r.fails_without ? "NOT GRANTED" : "not granted");
      if (!r.granted) out << " (without it: " << r.without << ")";
      out << "\n    needed by ";
      for (size_t k = 0; k < r.interfaces.size(); ++k) out << (k ? ", " : "") << r.interfaces[k];
      out << "\n";
    }
    if (!caps.unavailable.empty()) {
      out << "  not provided by this host (the component will not instantiate):\n";
      for (const auto& u : caps.unavailable) out << "    " << u << "\n";
    }
    if (!caps.always.empty()) {
      out << "  always available, no grant needed: ";
      for (size_t k = 0; k < caps.always.size(); ++k) out << (k ? ", " : "") << caps.always[k];
      out << "\n";
    }
    for (const auto& f : caps.grant_findings) out << "  note: " << f.message << "; " << f.help << "\n";
  }
  if (show_ifaces) {
    out << "\n";
    print_items(out, "imports", imports);
    print_items(out, "exports", exports);
  }
  if (art) print_artifact(out, *art);
  return signature_exit(sig, a);
}

}  // namespace

void add_inspect(CLI::App& app, const Globals& g, int& exit_code) {
  auto a = std::make_shared<InspectArgs>();
  CLI::App* c = app.add_subcommand("inspect", "Show a component's size, sha256, signature, roles, capabilities and interfaces");
  c->add_option("component", a->target, "A component .wasm, an artifact (LAYOUT[:NAME:VERSION|@sha256:DIGEST], a directory or .tar, or oci://HOST/REPO:TAG), or the name of a [[component]]")->required();
  one_of(c->add_option("--show", a->show, "What to show")->capture_default_str(), {"capabilities", "interfaces", "all"});
  c->add_option("--manifest,-m", a->manifest, "Torvyn.toml whose [security] grants apply (default: ./Torvyn.toml if present)");
  c->add_option("--config,-c", a->config, "Override a configuration key: KEY=VALUE (repeatable)");
  c->add_option("--key,-k", a->keys, "A trusted public key to verify an artifact's signature with (repeatable)");
  c->add_flag("--require-signature", a->require_signature, "Exit 1 unless the artifact's signature verifies with a --key");
  add_registry_options(c, a->registry);
  c->callback([&g, &exit_code, a] { exit_code = inspect(g, *a); });
}

}  // namespace torvyn::cli
