// Offline signing of component artifacts, compatible with cosign's key-based signatures
// (sigstore/cosign specs/SIGNATURE_SPEC.md, "simple signing"): the signed payload is
//
//   {"critical":{"identity":{"docker-reference":"<repository>"},
//                "image":{"docker-manifest-digest":"sha256:<manifest digest>"},
//                "type":"cosign container image signature"},
//    "optional":{"creator":"torvyn 0.1.0","timestamp":<unix seconds>}}
//
// stored as the one layer (media type application/vnd.dev.cosign.simplesigning.v1+json) of an
// image manifest tagged "sha256-<digest>.sig", the base64 signature in the layer annotation
// dev.cosignproject.cosign/signature. ECDSA P-256 signatures are DER over SHA-256 of the payload
// (what cosign and `openssl dgst -sha256 -sign` make); Ed25519 signs the payload itself
// (`openssl pkeyutl -sign -rawin`).
//
// Verification is against public keys the operator trusts, and nothing else: there is no
// transparency log (Rekor) and no certificate identity (Fulcio) — a signature proves only that
// the holder of a trusted key signed exactly this manifest digest.
//
// Keys are PEM files OpenSSL reads: the private key PKCS#8 (encrypted with AES-256-CBC and a
// scrypt-derived key when there is a passphrase), the public key SubjectPublicKeyInfo — the
// format `cosign verify --key cosign.pub` takes. A key's id is the first 16 hex digits of the
// SHA-256 of its DER SubjectPublicKeyInfo (`openssl pkey -pubin -in k.pub -outform DER | sha256sum`).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "torvyn/base/result.h"
#include "torvyn/packaging/oci.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace torvyn::packaging {

inline constexpr std::string_view kSimpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json";
inline constexpr std::string_view kCosignSignatureAnnotation = "dev.cosignproject.cosign/signature";
inline constexpr std::string_view kSimpleSigningType = "cosign container image signature";

enum class KeyAlgorithm { EcdsaP256, Ed25519 };

class Key {
 public:
  Key() = default;
  explicit Key(EVP_PKEY* k);  // takes ownership
  EVP_PKEY* get() const { return pkey_.get(); }
  explicit operator bool() const { return pkey_ != nullptr; }
  KeyAlgorithm algorithm() const;
  std::string algorithm_name() const;  // "ecdsa-p256" | "ed25519"
  std::string id() const;              // 16 hex digits
  std::string public_pem() const;
  std::string source;                  // the file it came from ("" when generated)

 private:
  std::shared_ptr<EVP_PKEY> pkey_;
};

Result<Key> generate_key(KeyAlgorithm algorithm);
// PKCS#8 PEM; encrypted when `passphrase` is non-empty.
Result<std::string> private_pem(const Key& key, const std::string& passphrase);

// A private key file. It must not be readable by group or others. An encrypted key needs the
// passphrase; a wrong one is an error that says so. E0976 KeyInvalid for every failure.
Result<Key> load_private_key(const std::filesystem::path& file, const std::optional<std::string>& passphrase);
// A public key file (PEM SubjectPublicKeyInfo).
Result<Key> load_public_key(const std::filesystem::path& file);

Result<std::vector<uint8_t>> sign_bytes(const Key& private_key, std::span<const uint8_t> data);
bool verify_bytes(const Key& public_key, std::span<const uint8_t> data, std::span<const uint8_t> signature);

std::string base64_encode(std::span<const uint8_t> data);
std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);

// The payload above for `manifest_digest`, as canonical JSON.
std::vector<uint8_t> simple_signing_payload(const std::string& docker_reference, const std::string& manifest_digest, int64_t timestamp);

struct SignOutcome {
  Descriptor signature_manifest;  // the "sha256-<digest>.sig" index entry
  std::string payload_digest;
  std::string key_id;
  std::string identity;
};

// Signs `image` of `layout` with `key` for `identity` (the docker-reference; "" = the image's
// title annotation, else its ref name's repository part): adds the payload and signature to the
// image's signature manifest (creating it), replacing an earlier signature by the same key.
Result<SignOutcome> sign_image(Layout& layout, const Image& image, const Key& key, std::string identity);

struct SignatureCheck {
  enum class State { Unsigned, NotVerified, Verified, Invalid } state = State::Unsigned;
  size_t signatures = 0;    // simple-signing layers found
  std::string key_id;       // Verified: the key that verified
  std::string key_source;   // its file
  std::string identity;     // Verified: the payload's docker-reference
  std::string detail;       // a sentence for humans
  ErrorCode code = ErrorCode::SignatureMissing;  // for Unsigned / Invalid
  std::string state_name() const;  // "unsigned" | "not-verified" | "verified" | "invalid"
};

// The signature state of `image` under `trusted` keys: Verified when one signature verifies with
// a trusted key and its payload names exactly this manifest digest (and `identity`, when given);
// Invalid when there are signatures but none does (a signature for another digest, a wrong key,
// an altered payload or a malformed signature manifest — detail says which); NotVerified when
// there are signatures but no trusted key was given; Unsigned when there is none.
SignatureCheck check_signature(const Layout& layout, const Image& image, const std::vector<Key>& trusted, const std::string& identity = "");

}  // namespace torvyn::packaging
