// torvyn sign / torvyn verify: cosign-compatible signatures on component artifacts in a local OCI
// layout (packaging/signing.h). No transparency log, no keyless signing: a verified signature
// means the holder of a trusted key signed exactly this manifest digest.
//
//   torvyn sign LAYOUT[:NAME:VERSION | @sha256:DIGEST] --key KEY [--identity REPO] [--passphrase-file F]
//   torvyn verify LAYOUT[:NAME:VERSION | @sha256:DIGEST] --key PUB... [--identity REPO]
//
// LAYOUT is a directory or .tar from `torvyn pack`. `sign` stores the signature in the layout as
// cosign does in a registry: an image tagged sha256-<digest>.sig. `verify` checks each signature
// against the given public keys and that its payload names this manifest digest (and --identity).
//
// Exit codes: sign 0 signed; 1 the artifact is corrupt (E097x); 2 usage, no such artifact or image,
// a key problem. verify 0 verified; 1 unsigned, invalid, or a corrupt artifact; 2 as for sign.

#include <iostream>
#include <nlohmann/json.hpp>

#include "artifacts.h"
#include "torvyn/base/json_text.h"

namespace torvyn::cli {

namespace {

using nlohmann::json;

struct SignArgs {
  std::string ref;
  std::string key;
  std::vector<std::string> keys;
  std::string identity;
  std::string passphrase_file;
  RegistryArgs registry;  // verify: for an oci:// artifact
};

int sign(const Globals& g, const SignArgs& a) {
  int code = kOk;
  if (refuse_registry_ref(g, a.ref, code)) return code;
  Error perr;
  std::optional<std::string> pass = passphrase(a.passphrase_file, &perr);
  if (!pass && !perr.message.empty()) {
    print_error(g, perr);
    return kUsage;
  }
  auto key = packaging::load_private_key(a.key, pass);
  if (!key) {
    print_error(g, key.error());
    return kUsage;
  }
  auto art = load_artifact(g, a.ref, code);
  if (!art) return code;
  auto s = packaging::sign_image(art->layout, art->image, *key, a.identity);
  if (!s) {
    print_error(g, s.error());
    return kUsage;
  }
  if (auto w = packaging::write_layout(art->layout, art->ref.path); !w) {
    print_error(g, w.error());
    return kUsage;
  }
  if (g.json()) {
    std::cout << json_text(json{{"artifact", art->name()},
                                {"digest", art->image.digest()},
                                {"signature_tag", s->signature_manifest.ref_name()},
                                {"signature_manifest", s->signature_manifest.digest},
                                {"key_id", s->key_id},
                                {"algorithm", key->algorithm_name()},
                                {"identity", s->identity},
                                {"transparency_log", false}},
                           2)
              << "\n";
  } else if (!g.quiet) {
    std::cout << "signed " << art->name() << " (" << art->image.digest() << ")\n  key       " << s->key_id << " (" << key->algorithm_name() << ", "
              << a.key << ")\n  identity  " << s->identity << "\n  stored as " << s->signature_manifest.ref_name() << " in " << art->ref.path.string()
              << "\n  no transparency log: verification needs the public key (torvyn verify ... --key PUB)\n";
  }
  return kOk;
}

int verify(const Globals& g, const SignArgs& a) {
  int code = kOk;
  auto keys = load_public_keys(g, a.keys, code);
  if (!keys) return code;
  auto art = load_artifact(g, a.ref, code, &a.registry);
  if (!art) return code;
  packaging::SignatureCheck c = packaging::check_signature(art->layout, art->image, *keys, a.identity);
  const bool ok = c.state == packaging::SignatureCheck::State::Verified;
  if (g.json()) {
    json j{{"artifact", art->name()},
           {"digest", art->image.digest()},
           {"state", c.state_name()},
           {"verified", ok},
           {"signatures", c.signatures},
           {"key_id", ok ? json(c.key_id) : json(nullptr)},
           {"identity", ok ? json(c.identity) : json(nullptr)},
           {"detail", c.detail},
           {"transparency_log", false}};
    if (!ok) j["error"] = {{"code", std::string(error_code_id(c.code))}, {"message", c.detail}};
    std::cout << json_text(j, 2) << "\n";
  } else if (ok) {
    if (!g.quiet) std::cout << art->name() << " " << art->image.digest() << "\n  " << c.detail << "\n";
  } else {
    print_error(g, Error(c.code, art->name() + " (" + art->image.digest() + "): " + c.detail));
  }
  return ok ? kOk : kFailed;
}

}  // namespace

void add_sign(CLI::App& app, const Globals& g, int& exit_code) {
  auto a = std::make_shared<SignArgs>();
  CLI::App* s = app.add_subcommand("sign", "Sign a component artifact in a local OCI layout (cosign simple signing; no transparency log)");
  s->add_option("artifact", a->ref, "LAYOUT, LAYOUT:NAME:VERSION or LAYOUT@sha256:DIGEST (a directory or .tar from torvyn pack)")->required();
  s->add_option("--key,-k", a->key, "The private key (torvyn key generate)")->required();
  s->add_option("--identity", a->identity, "The signed docker-reference (default: the component's name)");
  s->add_option("--passphrase-file", a->passphrase_file, "The key's passphrase (default: $TORVYN_KEY_PASSPHRASE)");
  s->callback([&g, &exit_code, a] { exit_code = sign(g, *a); });

  auto v = std::make_shared<SignArgs>();
  CLI::App* vc = app.add_subcommand("verify", "Verify a component artifact's signature with trusted public keys");
  vc->add_option("artifact", v->ref, "LAYOUT, LAYOUT:NAME:VERSION, LAYOUT@sha256:DIGEST, or oci://HOST/REPO:TAG (fetched into the store)")->required();
  vc->add_option("--key,-k", v->keys, "A trusted public key (repeatable)")->required();
  vc->add_option("--identity", v->identity, "Require this signed docker-reference");
  add_registry_options(vc, v->registry);
  vc->callback([&g, &exit_code, v] { exit_code = verify(g, *v); });
}

}  // namespace torvyn::cli
