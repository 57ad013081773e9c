#include "torvyn/packaging/signing.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "torvyn/base/file_read.h"
#include "torvyn/base/sha256.h"
#include "torvyn/packaging/artifact.h"

namespace torvyn::packaging {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (!e) return "";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

std::string bio_text(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

Error key_error(const fs::path& file, const std::string& what) { return Error(ErrorCode::KeyInvalid, file.string() + ": " + what); }

// Only the two algorithms Torvyn signs with.
std::optional<KeyAlgorithm> supported(EVP_PKEY* k) {
  if (EVP_PKEY_is_a(k, "ED25519")) return KeyAlgorithm::Ed25519;
  if (EVP_PKEY_is_a(k, "EC")) {
    char group[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) == 1 &&
        (std::string(group) == "prime256v1" || std::string(group) == "P-256"))
      return KeyAlgorithm::EcdsaP256;
  }
  return std::nullopt;
}

Result<std::string> read_key_file(const fs::path& file) {
  struct stat st;
  if (::stat(file.c_str(), &st) != 0) return key_error(file, "no such key file (make a key pair with `torvyn key generate`)");
  if (!S_ISREG(st.st_mode)) return key_error(file, "not a regular file");
  auto bytes = read_file_capped(file.string(), 64 * 1024, "key file");
  if (!bytes) return key_error(file, bytes.error().message);
  return std::string(bytes->begin(), bytes->end());
}

struct PassCtx {
  const std::string* pass;
  bool asked = false;
};

int pass_cb(char* buf, int size, int, void* u) {
  auto* ctx = static_cast<PassCtx*>(u);
  ctx->asked = true;
  if (!ctx->pass) return -1;
  int n = static_cast<int>(std::min<size_t>(ctx->pass->size(), static_cast<size_t>(size)));
  std::copy(ctx->pass->begin(), ctx->pass->begin() + n, buf);
  return n;
}

}  // namespace

Key::Key(EVP_PKEY* k) : pkey_(k, EVP_PKEY_free) {}

KeyAlgorithm Key::algorithm() const { return supported(get()).value_or(KeyAlgorithm::EcdsaP256); }

std::string Key::algorithm_name() const { return algorithm() == KeyAlgorithm::Ed25519 ? "ed25519" : "ecdsa-p256"; }

std::string Key::id() const {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(get(), &der);
  if (n <= 0) return "";
  std::string h = sha256_hex(std::span<const uint8_t>(der, static_cast<size_t>(n)));
  OPENSSL_free(der);
  return h.substr(0, 16);
}

std::string Key::public_pem() const {
  BioPtr b(BIO_new(BIO_s_mem()), BIO_free);
  if (!b || PEM_write_bio_PUBKEY(b.get(), get()) != 1) return "";
  return bio_text(b.get());
}

Result<Key> generate_key(KeyAlgorithm algorithm) {
  EVP_PKEY* k = algorithm == KeyAlgorithm::Ed25519 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519") : EVP_EC_gen("P-256");
  if (!k) return Error(ErrorCode::KeyInvalid, "OpenSSL could not generate a key: " + openssl_error());
  return Key(k);
}

Result<std::string> private_pem(const Key& key, const std::string& passphrase) {
  BioPtr b(BIO_new(BIO_s_mem()), BIO_free);
  if (!b) return Error(ErrorCode::Internal, "out of memory");
  if (passphrase.empty()) {
    if (PEM_write_bio_PKCS8PrivateKey(b.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
      return Error(ErrorCode::KeyInvalid, "cannot encode the private key: " + openssl_error());
    return bio_text(b.get());
  }
  // PKCS#8 encrypted with AES-256-CBC under a scrypt-derived key (N=2^14, r=8, p=1: within the
  // memory OpenSSL allows scrypt by default, so `openssl pkey` reads it too).
  X509_ALGOR* alg = PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), nullptr, 0, nullptr, 16384, 8, 1);
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, decltype(&PKCS8_PRIV_KEY_INFO_free)> p8(EVP_PKEY2PKCS8(key.get()), PKCS8_PRIV_KEY_INFO_free);
  if (!alg || !p8) {
    X509_ALGOR_free(alg);
    return Error(ErrorCode::KeyInvalid, "cannot encrypt the private key: " + openssl_error());
  }
  X509_SIG* enc = PKCS8_set0_pbe(passphrase.data(), static_cast<int>(passphrase.size()), p8.get(), alg);
  if (!enc) {
    X509_ALGOR_free(alg);
    return Error(ErrorCode::KeyInvalid, "cannot encrypt the private key: " + openssl_error());
  }
  std::unique_ptr<X509_SIG, decltype(&X509_SIG_free)> encg(enc, X509_SIG_free);
  if (PEM_write_bio_PKCS8(b.get(), enc) != 1) return Error(ErrorCode::KeyInvalid, "cannot encode the private key: " + openssl_error());
  return bio_text(b.get());
}

Result<Key> load_private_key(const fs::path& file, const std::optional<std::string>& passphrase) {
  struct stat st;
  if (::stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return key_error(file, std::string("the private key is readable or writable by others (mode ") + mode + "); run `chmod 600 " + file.string() +
                               "` (and make a new key if others may have read it)");
  }
  auto text = read_key_file(file);
  if (!text) return text.take_error();
  if (text->find("SIGSTORE PRIVATE KEY") != std::string::npos || text->find("COSIGN PRIVATE KEY") != std::string::npos)
    return key_error(file, "a key in cosign's own encrypted format, which Torvyn does not read; make a key with `torvyn key generate` "
                           "(its .pub works with `cosign verify --key`)");
  if (text->find("PUBLIC KEY-----") != std::string::npos && text->find("PRIVATE KEY-----") == std::string::npos)
    return key_error(file, "a public key; signing needs the private key (the file without .pub)");
  const bool encrypted = text->find("ENCRYPTED PRIVATE KEY-----") != std::string::npos || text->find("Proc-Type: 4,ENCRYPTED") != std::string::npos;
  if (encrypted && (!passphrase || passphrase->empty()))
    return key_error(file, "the private key is encrypted: give its passphrase in TORVYN_KEY_PASSPHRASE or with --passphrase-file");
  BioPtr b(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())), BIO_free);
  PassCtx ctx{passphrase ? &*passphrase : nullptr};
  EVP_PKEY* k = PEM_read_bio_PrivateKey(b.get(), nullptr, pass_cb, &ctx);
  if (!k) {
    ERR_clear_error();
    if (encrypted) return key_error(file, "wrong passphrase (or the key file is damaged): the private key could not be decrypted");
    return key_error(file, "not a PEM private key OpenSSL can read (expected -----BEGIN PRIVATE KEY----- from `torvyn key generate`)");
  }
  Key key(k);
  if (!supported(k)) return key_error(file, "a key type Torvyn does not sign with; use ECDSA P-256 or Ed25519 (`torvyn key generate`)");
  key.source = file.string();
  return key;
}

Result<Key> load_public_key(const fs::path& file) {
  auto text = read_key_file(file);
  if (!text) return text.take_error();
  if (text->find("PRIVATE KEY-----") != std::string::npos)
    return key_error(file, "a private key; verification takes the public key (the .pub file `torvyn key generate` wrote beside it)");
  BioPtr b(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())), BIO_free);
  EVP_PKEY* k = PEM_read_bio_PUBKEY(b.get(), nullptr, nullptr, nullptr);
  if (!k) {
    ERR_clear_error();
    return key_error(file, "not a PEM public key (expected -----BEGIN PUBLIC KEY-----, as in the .pub file of `torvyn key generate` or cosign.pub)");
  }
  Key key(k);
  if (!supported(k)) return key_error(file, "a key type Torvyn does not verify; signatures are ECDSA P-256 or Ed25519");
  key.source = file.string();
  return key;
}

Result<std::vector<uint8_t>> sign_bytes(const Key& key, std::span<const uint8_t> data) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  const EVP_MD* md = key.algorithm() == KeyAlgorithm::Ed25519 ? nullptr : EVP_sha256();
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1)
    return Error(ErrorCode::KeyInvalid, "signing failed: " + openssl_error());
  std::vector<uint8_t> sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) != 1)
    return Error(ErrorCode::KeyInvalid, "signing failed: " + openssl_error());
  sig.resize(len);
  return sig;
}

bool verify_bytes(const Key& key, std::span<const uint8_t> data, std::span<const uint8_t> signature) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  const EVP_MD* md = key.algorithm() == KeyAlgorithm::Ed25519 ? nullptr : EVP_sha256();
  bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key.get()) == 1 &&
            EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(), data.size()) == 1;
  ERR_clear_error();
  return ok;
}

std::string base64_encode(std::span<const uint8_t> data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(), static_cast<int>(data.size()));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

std::optional<std::vector<uint8_t>> base64_decode(std::string_view text) {
  std::string s;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) s += c;
  if (s.empty() || s.size() % 4 != 0) return std::nullopt;
  std::vector<uint8_t> out(s.size() / 4 * 3);
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  if (n < 0) return std::nullopt;
  size_t pad = (s.end()[-1] == '=') + (s.end()[-2] == '=');
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::vector<uint8_t> simple_signing_payload(const std::string& docker_reference, const std::string& manifest_digest, int64_t timestamp) {
  json p{{"critical",
          {{"identity", {{"docker-reference", docker_reference}}},
           {"image", {{"docker-manifest-digest", manifest_digest}}},
           {"type", std::string(kSimpleSigningType)}}},
         {"optional", {{"creator", "torvyn 0.1.0"}, {"timestamp", timestamp}}}};
  return canonical_bytes(p);
}

Result<SignOutcome> sign_image(Layout& layout, const Image& image, const Key& key, std::string identity) {
  if (identity.empty()) {
    auto t = image.annotations.find(std::string(kAnnotationTitle));
    identity = t != image.annotations.end() ? t->second : image.ref_name().substr(0, image.ref_name().find(':'));
    if (identity.empty()) identity = "unnamed";
  }
  std::vector<uint8_t> payload = simple_signing_payload(identity, image.digest(), static_cast<int64_t>(std::time(nullptr)));
  auto sig = sign_bytes(key, payload);
  if (!sig) return sig.take_error();

  // The layers of an existing signature manifest stay, except one this key already made.
  const std::string tag = signature_tag(image.digest());
  std::vector<Descriptor> layers;
  for (const Descriptor& m : layout.manifests) {
    if (m.ref_name() != tag) continue;
    auto old = parse_image(layout, m);
    if (!old) break;  // a malformed one is replaced as a whole
    for (const Descriptor& l : old->layers) {
      if (l.media_type != kSimpleSigningMediaType) continue;
      auto a = l.annotations.find(std::string(kCosignSignatureAnnotation));
      const std::vector<uint8_t>* p = layout.blob(l.digest);
      std::optional<std::vector<uint8_t>> s = a == l.annotations.end() ? std::nullopt : base64_decode(a->second);
      if (p && s && verify_bytes(key, *p, *s)) continue;
      layers.push_back(l);
    }
  }
  Descriptor layer = layout.add_blob(std::string(kSimpleSigningMediaType), payload);
  layer.annotations[std::string(kCosignSignatureAnnotation)] = base64_encode(*sig);
  layers.push_back(layer);

  json diff_ids = json::array();
  json layers_json = json::array();
  for (const Descriptor& l : layers) {
    diff_ids.push_back(l.digest);
    layers_json.push_back(l.to_json());
  }
  json config{{"architecture", ""}, {"os", ""}, {"created", "0001-01-01T00:00:00Z"}, {"config", json::object()},
              {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
  Descriptor cfg = layout.add_blob(std::string(kImageConfigMediaType), canonical_bytes(config));
  json manifest{{"schemaVersion", 2}, {"mediaType", std::string(kImageManifestMediaType)}, {"config", cfg.to_json()}, {"layers", layers_json}};
  Descriptor m = layout.add_blob(std::string(kImageManifestMediaType), canonical_bytes(manifest));
  m.annotations[std::string(kRefNameAnnotation)] = tag;
  layout.put_manifest(m);
  layout.prune();
  return SignOutcome{m, layer.digest, key.id(), identity};
}

std::string SignatureCheck::state_name() const {
  switch (state) {
    case State::Unsigned: return "unsigned";
    case State::NotVerified: return "not-verified";
    case State::Verified: return "verified";
    case State::Invalid: return "invalid";
  }
  return "unsigned";
}

SignatureCheck check_signature(const Layout& layout, const Image& image, const std::vector<Key>& trusted, const std::string& identity) {
  SignatureCheck c;
  const std::string tag = signature_tag(image.digest());
  const Descriptor* sigm = nullptr;
  for (const Descriptor& m : layout.manifests)
    if (m.ref_name() == tag) sigm = &m;
  if (!sigm) {
    c.detail = "unsigned: the layout has no signature for " + image.digest() + " (no " + tag + "); sign it with `torvyn sign`";
    return c;
  }
  c.code = ErrorCode::SignatureInvalid;
  auto parsed = parse_image(layout, *sigm);
  if (!parsed) {
    c.state = SignatureCheck::State::Invalid;
    c.detail = "the signature manifest " + tag + " is malformed: " + parsed.error().message;
    return c;
  }
  struct Sig {
    const std::vector<uint8_t>* payload;
    std::optional<std::vector<uint8_t>> signature;
  };
  std::vector<Sig> sigs;
  for (const Descriptor& l : parsed->layers) {
    if (l.media_type != kSimpleSigningMediaType) continue;
    auto a = l.annotations.find(std::string(kCosignSignatureAnnotation));
    sigs.push_back({layout.blob(l.digest), a == l.annotations.end() ? std::nullopt : base64_decode(a->second)});
  }
  c.signatures = sigs.size();
  if (sigs.empty()) {
    c.state = SignatureCheck::State::Invalid;
    c.detail = "the signature manifest " + tag + " holds no cosign simple-signing layer";
    return c;
  }
  if (trusted.empty()) {
    c.state = SignatureCheck::State::NotVerified;
    c.code = ErrorCode::SignatureMissing;
    c.detail = std::to_string(sigs.size()) + " signature(s), not verified: no trusted public key was given (--key FILE.pub)";
    return c;
  }
  std::vector<std::string> reasons;
  for (const Sig& s : sigs) {
    if (!s.payload || !s.signature) {
      reasons.push_back("a signature layer without a readable base64 signature");
      continue;
    }
    for (const Key& k : trusted) {
      if (!verify_bytes(k, *s.payload, *s.signature)) continue;
      json p = json::parse(s.payload->begin(), s.payload->end(), nullptr, false);
      std::string type, digest, ref;
      if (p.is_object() && p.contains("critical") && p["critical"].is_object()) {
        const json& cr = p["critical"];
        if (cr.contains("type") && cr["type"].is_string()) type = cr["type"].get<std::string>();
        if (cr.contains("image") && cr["image"].is_object() && cr["image"].contains("docker-manifest-digest") &&
            cr["image"]["docker-manifest-digest"].is_string())
          digest = cr["image"]["docker-manifest-digest"].get<std::string>();
        if (cr.contains("identity") && cr["identity"].is_object() && cr["identity"].contains("docker-reference") &&
            cr["identity"]["docker-reference"].is_string())
          ref = cr["identity"]["docker-reference"].get<std::string>();
      }
      if (type != kSimpleSigningType) {
        reasons.push_back("key " + k.id() + " signed a payload that is not a cosign simple-signing payload");
      } else if (digest != image.digest()) {
        reasons.push_back("key " + k.id() + " signed manifest " + (digest.empty() ? std::string("(none)") : digest) + ", not this one (" + image.digest() +
                          "): the signature belongs to another artifact");
      } else if (!identity.empty() && ref != identity) {
        reasons.push_back("key " + k.id() + " signed this digest for `" + ref + "`, not `" + identity + "`");
      } else {
        c.state = SignatureCheck::State::Verified;
        c.key_id = k.id();
        c.key_source = k.source;
        c.identity = ref;
        c.detail = "verified: signed by key " + k.id() + (k.source.empty() ? "" : " (" + k.source + ")") + " for " + ref + " at " + image.digest() +
                   " (no transparency log: this proves only that the key's holder signed this digest)";
        return c;
      }
    }
  }
  c.state = SignatureCheck::State::Invalid;
  if (reasons.empty()) {
    std::string ids;
    for (const Key& k : trusted) ids += (ids.empty() ? "" : ", ") + k.id();
    c.detail = "invalid: none of the " + std::to_string(sigs.size()) + " signature(s) verifies with the trusted key(s) " + ids +
               " (signed with another key, or the signature or payload was altered)";
  } else {
    c.detail = "invalid: " + reasons[0];
    for (size_t i = 1; i < reasons.size(); ++i) c.detail += "; " + reasons[i];
  }
  return c;
}

}  // namespace torvyn::packaging
