// torvyn publish: pushes a component artifact from a local OCI layout to a registry, with its
// cosign signature when the layout has one (packaging/registry_transfer.h).
//
//   torvyn publish LAYOUT[:NAME:VERSION | @sha256:DIGEST] [oci://]HOST[:PORT]/REPO[:TAG]
//                  [--username U --password-stdin] [--ca-file CA.pem] [--plain-http]
//
// TAG defaults to the image's version (the part of its ref name after ':', as `torvyn pack` names
// it). Blobs the registry already has are not uploaded again. The manifest's bytes are pushed as
// they are, so the digest in the registry is the digest in the layout (and the one a signature
// names).
//
// Exit codes: 0 published; 1 the registry refused or failed, a corrupt artifact; 2 usage (a bad
// reference, --plain-http to a remote host, no such artifact); 3 the registry is unreachable or
// its TLS certificate cannot be verified.

#include <iostream>
#include <nlohmann/json.hpp>

#include "artifacts.h"
#include "registry_args.h"
#include "torvyn/base/json_text.h"
#include "torvyn/packaging/registry_transfer.h"

namespace torvyn::cli {

namespace {

using nlohmann::json;

struct PublishArgs {
  std::string artifact;
  std::string destination;
  RegistryArgs registry;
};

int publish(const Globals& g, const PublishArgs& a) {
  int code = kOk;
  auto dest = packaging::parse_registry_ref(a.destination);
  if (!dest) {
    print_error(g, dest.error());
    return kUsage;
  }
  if (!dest->digest.empty()) {
    print_error(g, Error(ErrorCode::RegistryRefInvalid, "`" + a.destination + "`: publish to a tag (HOST/REPO:TAG), not a digest; the registry names "
                                                                              "the manifest by its digest itself"));
    return kUsage;
  }
  auto art = load_artifact(g, a.artifact, code);
  if (!art) return code;
  std::string tag = dest->tag;
  if (tag.empty()) {
    const std::string rn = art->image.ref_name();
    if (size_t colon = rn.rfind(':'); colon != std::string::npos) tag = rn.substr(colon + 1);
    if (tag.empty() || !packaging::valid_registry_tag(tag)) {
      print_error(g, Error(ErrorCode::RegistryRefInvalid, art->name() + " has no version to use as the tag: give one, e.g. " + dest->str() + ":1.0.0"));
      return kUsage;
    }
  }
  std::vector<std::string> warnings;
  if (tag == "latest")
    warnings.push_back("`latest` is a mutable tag; deploy by digest (oci://" + dest->host + "/" + dest->repository + "@" + art->image.digest() + ")");
  auto opts = registry_options(a.registry, *dest, true);
  if (!opts) {  // the command line's credentials options
    print_error(g, opts.error());
    return kUsage;
  }
  auto client = packaging::RegistryClient::open(*dest, std::move(*opts));
  if (!client) {
    print_error(g, client.error());
    return registry_exit_code(client.error());
  }
  auto out = packaging::push_image(**client, art->layout, art->image, tag);
  if (!out) {
    print_error(g, out.error());
    return registry_exit_code(out.error());
  }
  const std::string pinned = dest->host + "/" + dest->repository + "@" + out->digest;
  if (g.json()) {
    std::cout << json_text(json{{"artifact", art->name()},
                                {"reference", out->reference},
                                {"digest", out->digest},
                                {"pinned", "oci://" + pinned},
                                {"blobs_uploaded", out->blobs_uploaded},
                                {"blobs_present", out->blobs_present},
                                {"signature", out->signature},
                                {"signature_tag", out->signature ? json(out->signature_tag) : json(nullptr)},
                                {"warnings", warnings}},
                           2)
              << "\n";
    return kOk;
  }
  for (const std::string& w : warnings) std::cerr << g.err_text("warning: " + w) << "\n";
  if (!g.quiet) {
    std::cout << "published " << art->name() << " to " << out->reference << "\n  digest     " << out->digest << "\n  blobs      " << out->blobs_uploaded
              << " uploaded, " << out->blobs_present << " already there\n  signature  "
              << (out->signature ? "pushed as " + out->signature_tag : std::string("none (sign the artifact with `torvyn sign` before publishing)"))
              << "\n  pin it     component = \"oci://" << pinned << "\"\n";
  }
  return kOk;
}

}  // namespace

void add_publish(CLI::App& app, const Globals& g, int& exit_code) {
  auto a = std::make_shared<PublishArgs>();
  CLI::App* c = app.add_subcommand("publish", "Push a component artifact (and its signature) from a local OCI layout to a registry");
  c->add_option("artifact", a->artifact, "LAYOUT, LAYOUT:NAME:VERSION or LAYOUT@sha256:DIGEST (a directory or .tar from torvyn pack)")->required();
  c->add_option("destination", a->destination, "[oci://]HOST[:PORT]/REPOSITORY[:TAG] (TAG default: the artifact's version)")->required();
  add_registry_options(c, a->registry);
  c->callback([&g, &exit_code, a] { exit_code = publish(g, *a); });
}

}  // namespace torvyn::cli
