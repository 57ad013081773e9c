// Keys and cosign-compatible signatures: generation (ECDSA P-256, Ed25519), encrypted private keys
// (right, wrong and missing passphrase), key file permissions, signing and verifying images of a
// layout (a wrong key, a signature copied from another digest, no key, no signature), and
// interoperability with the openssl command line in both directions.
#include <sys/stat.h>

#include <cstdlib>

#include "test_util.h"
#include "torvyn/packaging/atomic_file.h"
#include "torvyn/packaging/signing.h"

namespace torvyn::packaging {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::TempDir;

int sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

bool have_openssl() { return sh("openssl version") == 0; }

void write_key(const fs::path& p, const std::string& pem, mode_t mode) {
  ASSERT_TRUE(write_file_atomic(p, std::vector<uint8_t>(pem.begin(), pem.end()), mode, Replace::Yes));
}

TEST(Base64, RoundTrip) {
  for (std::string s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    std::vector<uint8_t> b(s.begin(), s.end());
    std::string e = base64_encode(b);
    if (s.empty()) continue;
    auto d = base64_decode(e);
    ASSERT_TRUE(d) << e;
    EXPECT_EQ(*d, b);
  }
  EXPECT_EQ(base64_encode(test::bytes("abc")), "YWJj");
  EXPECT_FALSE(base64_decode("a"));
  EXPECT_FALSE(base64_decode("@@@@"));
}

class Keys : public ::testing::TestWithParam<KeyAlgorithm> {};

TEST_P(Keys, SignVerifyAndTamper) {
  auto k = generate_key(GetParam());
  ASSERT_TRUE(k);
  EXPECT_EQ(k->algorithm(), GetParam());
  EXPECT_EQ(k->id().size(), 16u);
  auto sig = sign_bytes(*k, test::bytes("payload"));
  ASSERT_TRUE(sig);
  EXPECT_TRUE(verify_bytes(*k, test::bytes("payload"), *sig));
  EXPECT_FALSE(verify_bytes(*k, test::bytes("payloaD"), *sig));
  auto other = generate_key(GetParam());
  ASSERT_TRUE(other);
  EXPECT_FALSE(verify_bytes(*other, test::bytes("payload"), *sig));
  EXPECT_NE(other->id(), k->id());
}

TEST_P(Keys, FilesPassphrasesAndPermissions) {
  TempDir t;
  auto k = generate_key(GetParam());
  ASSERT_TRUE(k);
  auto enc = private_pem(*k, "correct horse");
  ASSERT_TRUE(enc) << enc.error().message;
  EXPECT_NE(enc->find("ENCRYPTED PRIVATE KEY"), std::string::npos);
  write_key(t.path() / "k.key", *enc, 0600);
  write_key(t.path() / "k.pub", k->public_pem(), 0644);

  auto ok = load_private_key(t.path() / "k.key", std::string("correct horse"));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->id(), k->id());
  auto wrong = load_private_key(t.path() / "k.key", std::string("battery staple"));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::KeyInvalid);
  EXPECT_NE(wrong.error().message.find("wrong passphrase"), std::string::npos);
  EXPECT_NE(wrong.error().message.find("k.key"), std::string::npos);
  auto none = load_private_key(t.path() / "k.key", std::nullopt);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("TORVYN_KEY_PASSPHRASE"), std::string::npos);

  auto pub = load_public_key(t.path() / "k.pub");
  ASSERT_TRUE(pub) << pub.error().message;
  EXPECT_EQ(pub->id(), k->id());
  EXPECT_FALSE(load_public_key(t.path() / "k.key"));
  auto pub_as_priv = load_private_key(t.path() / "k.pub", std::nullopt);
  ASSERT_FALSE(pub_as_priv);  // 0644 or a public key: refused either way

  ::chmod((t.path() / "k.key").c_str(), 0644);
  auto loose = load_private_key(t.path() / "k.key", std::string("correct horse"));
  ASSERT_FALSE(loose);
  EXPECT_NE(loose.error().message.find("chmod 600"), std::string::npos);

  auto plain = private_pem(*k, "");
  ASSERT_TRUE(plain);
  write_key(t.path() / "plain.key", *plain, 0600);
  EXPECT_TRUE(load_private_key(t.path() / "plain.key", std::nullopt));
  test::write_file(t.path() / "junk.pub", "not a key");
  EXPECT_FALSE(load_public_key(t.path() / "junk.pub"));
  EXPECT_FALSE(load_public_key(t.path() / "missing.pub"));
}

INSTANTIATE_TEST_SUITE_P(Algorithms, Keys, ::testing::Values(KeyAlgorithm::EcdsaP256, KeyAlgorithm::Ed25519));

TEST(KeyTypes, RsaIsRefused) {
  if (!have_openssl()) GTEST_SKIP() << "no openssl command";
  TempDir t;
  fs::path k = t.path() / "rsa.key";
  ASSERT_EQ(sh("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out " + k.string()), 0);
  ::chmod(k.c_str(), 0600);
  auto r = load_private_key(k, std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("P-256"), std::string::npos);
}

// Test vectors across implementations: the openssl CLI signs a simple-signing payload and Torvyn
// verifies it; Torvyn signs and the openssl CLI verifies; openssl reads Torvyn's encrypted key.
TEST(OpensslInterop, EcdsaBothWays) {
  if (!have_openssl()) GTEST_SKIP() << "no openssl command";
  TempDir t;
  const fs::path key = t.path() / "k.pem", pub = t.path() / "k.pub", payload = t.path() / "payload.json", sig = t.path() / "sig.der";
  ASSERT_EQ(sh("openssl ecparam -name prime256v1 -genkey -noout -out " + key.string()), 0);
  ASSERT_EQ(sh("openssl pkey -in " + key.string() + " -pubout -out " + pub.string()), 0);
  std::vector<uint8_t> p = simple_signing_payload("upper", "sha256:" + std::string(64, 'c'), 1);
  test::write_file(payload, std::string(p.begin(), p.end()));
  ASSERT_EQ(sh("openssl dgst -sha256 -sign " + key.string() + " -out " + sig.string() + " " + payload.string()), 0);
  auto pk = load_public_key(pub);
  ASSERT_TRUE(pk) << pk.error().message;
  std::string s = test::read_file(sig);
  EXPECT_TRUE(verify_bytes(*pk, p, test::bytes(s)));

  ::chmod(key.c_str(), 0600);
  auto sk = load_private_key(key, std::nullopt);  // SEC1 "EC PRIVATE KEY" PEM from openssl
  ASSERT_TRUE(sk) << sk.error().message;
  auto mine = sign_bytes(*sk, p);
  ASSERT_TRUE(mine);
  test::write_file(t.path() / "mine.der", std::string(mine->begin(), mine->end()));
  EXPECT_EQ(sh("openssl dgst -sha256 -verify " + pub.string() + " -signature " + (t.path() / "mine.der").string() + " " + payload.string()), 0);
  // A tampered payload fails under openssl too.
  test::write_file(payload, std::string(p.begin(), p.end()) + " ");
  EXPECT_NE(sh("openssl dgst -sha256 -verify " + pub.string() + " -signature " + (t.path() / "mine.der").string() + " " + payload.string()), 0);
}

TEST(OpensslInterop, Ed25519BothWaysAndEncryptedKey) {
  if (!have_openssl()) GTEST_SKIP() << "no openssl command";
  TempDir t;
  auto k = generate_key(KeyAlgorithm::Ed25519);
  ASSERT_TRUE(k);
  auto enc = private_pem(*k, "pw");
  ASSERT_TRUE(enc);
  const fs::path key = t.path() / "k.key", pub = t.path() / "k.pub", payload = t.path() / "p", sig = t.path() / "sig";
  write_key(key, *enc, 0600);
  write_key(pub, k->public_pem(), 0644);
  // openssl decrypts Torvyn's scrypt-encrypted PKCS#8 key and derives the same public key.
  ASSERT_EQ(sh("openssl pkey -in " + key.string() + " -passin pass:pw -pubout -out " + (t.path() / "derived.pub").string()), 0);
  EXPECT_EQ(test::read_file(t.path() / "derived.pub"), k->public_pem());
  EXPECT_NE(sh("openssl pkey -in " + key.string() + " -passin pass:wrong -noout"), 0);

  std::vector<uint8_t> p = simple_signing_payload("upper", "sha256:" + std::string(64, 'd'), 2);
  test::write_file(payload, std::string(p.begin(), p.end()));
  auto mine = sign_bytes(*k, p);
  ASSERT_TRUE(mine);
  test::write_file(sig, std::string(mine->begin(), mine->end()));
  EXPECT_EQ(sh("openssl pkeyutl -verify -pubin -inkey " + pub.string() + " -rawin -in " + payload.string() + " -sigfile " + sig.string()), 0);
  ASSERT_EQ(sh("openssl pkeyutl -sign -inkey " + key.string() + " -passin pass:pw -rawin -in " + payload.string() + " -out " +
               (t.path() / "theirs").string()),
            0);
  EXPECT_TRUE(verify_bytes(*k, p, test::bytes(test::read_file(t.path() / "theirs"))));
}

TEST(SimpleSigning, PayloadShape) {
  std::vector<uint8_t> p = simple_signing_payload("registry.example/upper", "sha256:" + std::string(64, 'e'), 1700000000);
  json j = json::parse(p.begin(), p.end());
  EXPECT_EQ(j["critical"]["identity"]["docker-reference"], "registry.example/upper");
  EXPECT_EQ(j["critical"]["image"]["docker-manifest-digest"], "sha256:" + std::string(64, 'e'));
  EXPECT_EQ(j["critical"]["type"], "cosign container image signature");
  EXPECT_EQ(j["optional"]["timestamp"], 1700000000);
}

class SignedLayout : public ::testing::Test {
 protected:
  void SetUp() override {
    a = test::add_plain_image(l, "upper:0.1.0", "component a");
    b = test::add_plain_image(l, "lower:0.1.0", "component b");
    auto k1 = generate_key(KeyAlgorithm::EcdsaP256), k2 = generate_key(KeyAlgorithm::EcdsaP256);
    ASSERT_TRUE(k1 && k2);
    key = *k1;
    other = *k2;
  }
  Image image(const Descriptor& d) {
    auto i = parse_image(l, d);
    EXPECT_TRUE(i);
    return *i;
  }
  Layout l;
  Descriptor a, b;
  Key key, other;
};

TEST_F(SignedLayout, SignVerifyRoundTripThroughDisk) {
  TempDir t;
  Image ia = image(a);
  EXPECT_EQ(check_signature(l, ia, {key}).state, SignatureCheck::State::Unsigned);
  auto s = sign_image(l, ia, key, "");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->identity, "upper");
  EXPECT_EQ(s->signature_manifest.ref_name(), "sha256-" + digest_hex(a.digest) + ".sig");
  ASSERT_TRUE(write_layout(l, t.path() / "out"));
  auto r = read_layout(t.path() / "out");
  ASSERT_TRUE(r) << r.error().message;
  auto again = parse_image(*r, a);
  ASSERT_TRUE(again);
  SignatureCheck c = check_signature(*r, *again, {other, key});
  EXPECT_EQ(c.state, SignatureCheck::State::Verified) << c.detail;
  EXPECT_EQ(c.key_id, key.id());
  EXPECT_NE(c.detail.find("no transparency log"), std::string::npos);
  EXPECT_EQ(check_signature(*r, *again, {}).state, SignatureCheck::State::NotVerified);
  EXPECT_EQ(check_signature(*r, *again, {key}, "upper").state, SignatureCheck::State::Verified);
  SignatureCheck wrong_id = check_signature(*r, *again, {key}, "someone/else");
  EXPECT_EQ(wrong_id.state, SignatureCheck::State::Invalid);
  // The other image stays unsigned; the signature entry is not an image to choose.
  EXPECT_EQ(check_signature(*r, image(b), {key}).state, SignatureCheck::State::Unsigned);
  EXPECT_EQ(image_choices(*r).size(), 2u);
}

TEST_F(SignedLayout, WrongKeyIsInvalid) {
  Image ia = image(a);
  ASSERT_TRUE(sign_image(l, ia, key, ""));
  SignatureCheck c = check_signature(l, ia, {other});
  EXPECT_EQ(c.state, SignatureCheck::State::Invalid);
  EXPECT_EQ(c.code, ErrorCode::SignatureInvalid);
  EXPECT_NE(c.detail.find(other.id()), std::string::npos) << c.detail;
}

TEST_F(SignedLayout, SignatureForAnotherDigestIsInvalid) {
  Image ia = image(a);
  auto s = sign_image(l, ia, key, "");
  ASSERT_TRUE(s);
  // Re-tag a's signature manifest as b's: the signature verifies, but names a's digest.
  Descriptor copy = s->signature_manifest;
  copy.annotations[std::string(kRefNameAnnotation)] = signature_tag(b.digest);
  l.put_manifest(copy);
  SignatureCheck c = check_signature(l, image(b), {key});
  EXPECT_EQ(c.state, SignatureCheck::State::Invalid);
  EXPECT_NE(c.detail.find("another artifact"), std::string::npos) << c.detail;
  EXPECT_NE(c.detail.find(a.digest), std::string::npos) << c.detail;
}

TEST_F(SignedLayout, ResigningWithTheSameKeyReplacesTwoKeysAccumulate) {
  Image ia = image(a);
  ASSERT_TRUE(sign_image(l, ia, key, ""));
  ASSERT_TRUE(sign_image(l, ia, key, ""));
  EXPECT_EQ(check_signature(l, ia, {key}).signatures, 1u);
  ASSERT_TRUE(sign_image(l, ia, other, ""));
  SignatureCheck c = check_signature(l, ia, {other});
  EXPECT_EQ(c.signatures, 2u);
  EXPECT_EQ(c.state, SignatureCheck::State::Verified);
  EXPECT_EQ(check_signature(l, ia, {key}).state, SignatureCheck::State::Verified);
}

TEST_F(SignedLayout, AlteredSignatureIsInvalid) {
  Image ia = image(a);
  auto s = sign_image(l, ia, key, "");
  ASSERT_TRUE(s);
  // Rewrite the signature manifest with a corrupted base64 signature.
  auto sm = parse_image(l, s->signature_manifest);
  ASSERT_TRUE(sm);
  json m = json::parse(l.blobs[s->signature_manifest.digest]);
  std::string sig = m["layers"][0]["annotations"][std::string(kCosignSignatureAnnotation)];
  sig[10] = sig[10] == 'A' ? 'B' : 'A';
  m["layers"][0]["annotations"][std::string(kCosignSignatureAnnotation)] = sig;
  Descriptor d = l.add_blob(std::string(kImageManifestMediaType), canonical_bytes(m));
  d.annotations[std::string(kRefNameAnnotation)] = signature_tag(a.digest);
  l.put_manifest(d);
  EXPECT_EQ(check_signature(l, ia, {key}).state, SignatureCheck::State::Invalid);
}

}  // namespace
}  // namespace torvyn::packaging
