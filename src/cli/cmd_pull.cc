// torvyn pull: fetches a component artifact (and its cosign signature, when the registry has one)
// into the local store, or into an OCI layout of your choice (packaging/oci_store.h).
//
//   torvyn pull [oci://]HOST[:PORT]/REPO:TAG | …@sha256:DIGEST [--output DIR]
//               [--username U --password-stdin] [--ca-file CA.pem] [--plain-http]
//
// Every manifest and blob is checked against its digest and size, and bounded, before anything is
// written; the layout is then written atomically (blobs first, index.json renamed over last), so a
// failed pull leaves the store as it was. The store is what `oci://` components in Torvyn.toml are
// resolved from, also when the registry is down.
//
// Exit codes: 0 pulled; 1 the registry refused or failed, a digest or size that does not match, a
// blob too large; 2 usage (a bad reference, --plain-http to a remote host, no such tag); 3 the
// registry is unreachable, its TLS certificate cannot be verified, or the store is unsafe.

#include <iostream>
#include <nlohmann/json.hpp>

#include "registry_args.h"
#include "torvyn/base/json_text.h"
#include "torvyn/packaging/artifact.h"
#include "torvyn/packaging/oci_store.h"
#include "torvyn/packaging/registry_transfer.h"

namespace torvyn::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct PullArgs {
  std::string reference;
  std::string output;
  RegistryArgs registry;
};

int pull(const Globals& g, const PullArgs& a) {
  auto ref = packaging::parse_registry_ref(a.reference);
  if (!ref) {
    print_error(g, ref.error());
    return kUsage;
  }
  if (ref->reference().empty()) {
    print_error(g, Error(ErrorCode::RegistryRefInvalid, "`" + a.reference + "`: name a tag or a digest to pull (" + ref->str() + ":TAG or " + ref->str() +
                                                            "@sha256:DIGEST)"));
    return kUsage;
  }
  auto opts = registry_options(a.registry, *ref, false);
  if (!opts) {  // the command line's credentials options
    print_error(g, opts.error());
    return kUsage;
  }
  auto client = packaging::RegistryClient::open(*ref, std::move(*opts));
  if (!client) {
    print_error(g, client.error());
    return registry_exit_code(client.error());
  }
  // Into the store: what it already has (verified) is not downloaded again.
  std::optional<packaging::Layout> have;
  if (a.output.empty()) have = packaging::stored_repository(packaging::default_store_dir(), *ref);
  auto pulled = packaging::pull_image(**client, have ? &*have : nullptr);
  if (!pulled) {
    print_error(g, pulled.error());
    return registry_exit_code(pulled.error());
  }
  fs::path dir;
  if (!a.output.empty()) {
    dir = a.output;
    if (auto s = packaging::merge_into_layout(pulled->layout, dir); !s) {
      print_error(g, s.error());
      return registry_exit_code(s.error());
    }
  } else {
    auto stored = packaging::store_pulled(packaging::default_store_dir(), *ref, pulled->layout);
    if (!stored) {
      print_error(g, stored.error());
      return registry_exit_code(stored.error());
    }
    dir = *stored;
  }
  const packaging::Image& img = pulled->image;
  const std::string local = dir.string() + (ref->tag.empty() ? "@" + img.digest() : ":" + ref->tag);
  const bool component = img.config.media_type == packaging::kWasmConfigMediaType;
  uint64_t size = 0;
  for (const auto& l : img.layers) size += l.size;
  if (g.json()) {
    std::cout << json_text(json{{"reference", ref->str()},
                                {"digest", img.digest()},
                                {"pinned", "oci://" + ref->host + "/" + ref->repository + "@" + img.digest()},
                                {"layout", dir.string()},
                                {"local", local},
                                {"component", component},
                                {"size", size},
                                {"signature", pulled->signature}},
                           2)
              << "\n";
    return kOk;
  }
  if (!g.quiet) {
    std::cout << "pulled " << ref->str() << "\n  digest     " << img.digest() << "\n  into       " << local << " (OCI image layout)"
              << "\n  signature  " << (pulled->signature ? "present (check it: torvyn verify " + local + " --key PUB)" : std::string("none"));
    if (!component) std::cout << "\n  note       its config is " << img.config.media_type << ", not a Wasm component artifact's";
    std::cout << "\n";
  }
  return kOk;
}

}  // namespace

void add_pull(CLI::App& app, const Globals& g, int& exit_code) {
  auto a = std::make_shared<PullArgs>();
  CLI::App* c = app.add_subcommand("pull", "Fetch a component artifact (and its signature) from a registry into the local store, verified");
  c->add_option("reference", a->reference, "[oci://]HOST[:PORT]/REPOSITORY:TAG or ...@sha256:DIGEST")->required();
  c->add_option("--output,-o", a->output, "An OCI layout directory to pull into (default: the store, $XDG_CACHE_HOME/torvyn/oci)");
  add_registry_options(c, a->registry);
  c->callback([&g, &exit_code, a] { exit_code = pull(g, *a); });
}

}  // namespace torvyn::cli
