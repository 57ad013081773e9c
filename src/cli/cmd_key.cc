// torvyn key: key pairs for signing component artifacts (packaging/signing.h).
//
//   torvyn key generate [--algorithm ecdsa-p256|ed25519] [--output PREFIX] [--passphrase-file F] [--force]
//
// Writes PREFIX.key (PKCS#8 PEM, mode 0600; encrypted when a passphrase is given in
// --passphrase-file or TORVYN_KEY_PASSPHRASE) and PREFIX.pub (PEM public key, the format
// `cosign verify --key` takes). Existing files are never overwritten without --force; both files
// are written atomically and never through a symbolic link.
//
//   torvyn key show FILE      the algorithm and key id of a public or private key file
//
// Exit codes: 0 ok; 2 usage, an existing file, an unreadable key or passphrase file; 3 OpenSSL
// cannot generate a key.

#include <sys/stat.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "artifacts.h"
#include "torvyn/base/json_text.h"
#include "torvyn/packaging/atomic_file.h"

namespace torvyn::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct KeyArgs {
  std::string algorithm = "ecdsa-p256";
  std::string output = "torvyn";
  std::string passphrase_file;
  bool force = false;
  std::string show;
};

int generate(const Globals& g, const KeyArgs& a) {
  const fs::path key = a.output + ".key", pub = a.output + ".pub";
  Error perr;
  std::optional<std::string> pass = passphrase(a.passphrase_file, &perr);
  if (!pass && !perr.message.empty()) {
    print_error(g, perr);
    return kUsage;
  }
  std::error_code ec;
  if (!a.force)
    for (const fs::path& p : {key, pub})
      if (fs::exists(fs::symlink_status(p, ec))) {
        print_error(g, Error(ErrorCode::IoError, p.string() + " already exists; choose another --output PREFIX, or pass --force to replace the pair"));
        return kUsage;
      }
  auto k = packaging::generate_key(a.algorithm == "ed25519" ? packaging::KeyAlgorithm::Ed25519 : packaging::KeyAlgorithm::EcdsaP256);
  if (!k) {
    print_error(g, k.error());
    return kEnvironment;
  }
  auto pem = packaging::private_pem(*k, pass.value_or(""));
  if (!pem) {
    print_error(g, pem.error());
    return kEnvironment;
  }
  const packaging::Replace replace = a.force ? packaging::Replace::Yes : packaging::Replace::No;
  std::string pubpem = k->public_pem();
  if (auto w = packaging::write_file_atomic(key, std::vector<uint8_t>(pem->begin(), pem->end()), 0600, replace); !w) {
    print_error(g, w.error());
    return kUsage;
  }
  if (auto w = packaging::write_file_atomic(pub, std::vector<uint8_t>(pubpem.begin(), pubpem.end()), 0644, replace); !w) {
    fs::remove(key, ec);  // not half a pair
    print_error(g, w.error());
    return kUsage;
  }
  if (g.json()) {
    std::cout << json_text(json{{"private_key", key.string()},
                                {"public_key", pub.string()},
                                {"algorithm", k->algorithm_name()},
                                {"key_id", k->id()},
                                {"encrypted", pass.has_value()}},
                           2)
              << "\n";
    return kOk;
  }
  if (!g.quiet) {
    std::cout << "wrote " << key.string() << " (private, mode 0600" << (pass ? ", encrypted" : ", NOT encrypted") << ") and " << pub.string()
              << " (public)\n"
              << "algorithm " << k->algorithm_name() << ", key id " << k->id() << "\n";
    if (!pass)
      std::cout << "note: set TORVYN_KEY_PASSPHRASE (or --passphrase-file) when generating to encrypt the private key; keep it out of version control\n";
    std::cout << "sign: torvyn sign LAYOUT:NAME:VERSION --key " << key.string() << "; verify: torvyn verify LAYOUT:NAME:VERSION --key " << pub.string()
              << "\n";
  }
  return kOk;
}

int show(const Globals& g, const KeyArgs& a) {
  auto k = packaging::load_public_key(a.show);
  bool is_private = false;
  if (!k) {
    Error perr;
    std::optional<std::string> pass = passphrase(a.passphrase_file, &perr);
    auto p = packaging::load_private_key(a.show, pass);
    if (!p) {
      print_error(g, p.error().message.find("a private key") == std::string::npos ? k.error() : p.error());
      return kUsage;
    }
    k = std::move(p);
    is_private = true;
  }
  if (g.json()) {
    std::cout << json_text(json{{"file", a.show}, {"kind", is_private ? "private" : "public"}, {"algorithm", k->algorithm_name()}, {"key_id", k->id()}}, 2)
              << "\n";
  } else {
    std::cout << a.show << ": " << (is_private ? "private" : "public") << " key, " << k->algorithm_name() << ", key id " << k->id() << "\n";
  }
  return kOk;
}

}  // namespace

void add_key(CLI::App& app, const Globals& g, int& exit_code) {
  auto a = std::make_shared<KeyArgs>();
  CLI::App* key = app.add_subcommand("key", "Key pairs for signing component artifacts");
  key->require_subcommand(1);
  CLI::App* gen = key->add_subcommand("generate", "Generate a signing key pair: PREFIX.key (0600) and PREFIX.pub");
  one_of(gen->add_option("--algorithm,-a", a->algorithm, "Key algorithm")->capture_default_str(), {"ecdsa-p256", "ed25519"});
  gen->add_option("--output,-o", a->output, "File name prefix: PREFIX.key and PREFIX.pub")->capture_default_str();
  gen->add_option("--passphrase-file", a->passphrase_file, "Encrypt the private key with the first line of this file (default: $TORVYN_KEY_PASSPHRASE)");
  gen->add_flag("--force", a->force, "Replace an existing key pair");
  gen->callback([&g, &exit_code, a] { exit_code = generate(g, *a); });
  CLI::App* sh = key->add_subcommand("show", "Show a key file's algorithm and key id");
  sh->add_option("file", a->show, "A .pub or .key file")->required();
  sh->add_option("--passphrase-file", a->passphrase_file, "The passphrase of an encrypted private key (default: $TORVYN_KEY_PASSPHRASE)");
  sh->callback([&g, &exit_code, a] { exit_code = show(g, *a); });
}

}  // namespace torvyn::cli
