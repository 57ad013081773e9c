// torvyn pack / key / sign / verify / inspect through the real binary, on components built by the
// project's own toolchain (the SDK's uppercase transform and WASI probe, and a `torvyn init` +
// `torvyn build` project). Other tools read what Torvyn writes: skopeo (oci: and oci-archive:,
// inspect and copy), umoci, tar and the openssl command line, which verifies Torvyn's signatures
// and makes signatures Torvyn verifies. Damaged artifacts and key problems are clear errors that
// change nothing.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "torvyn/base/sha256.h"
#include "torvyn/base/find_program.h"
#include "torvyn_test/process.h"

namespace torvyn {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::ProcResult;

fs::path sdk(const std::string& name) { return fs::path(TORVYN_SDK_COMPONENTS) / (name + ".wasm"); }

bool have(const std::string& tool) { return !find_program(tool).empty(); }

class Packaging : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(sdk("uppercase"))) GTEST_SKIP() << "the SDK's components are not built";
    root = dir.path();
  }

  ProcResult torvyn(const std::vector<std::string>& args, const std::map<std::string, std::optional<std::string>>& env = {}) {
    test::ProcOptions o;
    o.cwd = root;
    auto e = env;
    e.emplace("XDG_CACHE_HOME", std::string(TORVYN_TEST_CACHE_HOME));
    e.emplace("TORVYN_KEY_PASSPHRASE", std::nullopt);
    o.env = test::child_environment(e);
    o.timeout = std::chrono::minutes(4);
    return test::run(TORVYN_EXE, args, o);
  }
  ProcResult ok(const std::vector<std::string>& args, const std::map<std::string, std::optional<std::string>>& env = {}) {
    ProcResult r = torvyn(args, env);
    EXPECT_EQ(r.exit_code, 0) << test::describe(args, r);
    return r;
  }
  json ok_json(std::vector<std::string> args) {
    args.insert(args.begin(), {"--format", "json"});
    ProcResult r = ok(args);
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
  }
  ProcResult sh(const std::string& cmd) {
    test::ProcOptions o;
    o.cwd = root;
    o.env = test::child_environment({});
    return test::run("/bin/sh", {"-c", cmd}, o);
  }
  json read_json(const fs::path& p) { return json::parse(test::read_file(p)); }
  fs::path blob(const fs::path& layout, const std::string& digest) { return layout / "blobs/sha256" / digest.substr(7); }
  // Packs the SDK's uppercase component into `out` (tag 0.1.0) and returns its manifest digest.
  std::string pack_upper(const std::string& out) {
    json j = ok_json({"pack", sdk("uppercase").string(), "--tag", "0.1.0", "-o", out, "--source", "https://example.org/sdk.git", "--revision", "abc123"});
    return j["images"][0]["digest"].get<std::string>();
  }
  std::string gen_key(const std::string& prefix, const std::vector<std::string>& extra = {}, const std::map<std::string, std::optional<std::string>>& env = {}) {
    std::vector<std::string> args{"--format", "json", "key", "generate", "-o", prefix};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcResult r = ok(args, env);
    return json::parse(r.out, nullptr, false).value("key_id", "");
  }
  std::map<std::string, std::string> snapshot(const fs::path& d) {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(d))
      if (e.is_regular_file()) out[fs::relative(e.path(), d).string()] = test::read_file(e.path());
    return out;
  }

  test::TempDir dir{"torvyn-packaging"};
  fs::path root;
};

TEST_F(Packaging, PackWritesAWasmOciLayoutThatSkopeoAndUmociRead) {
  const std::string digest = pack_upper("oci");
  json index = read_json(root / "oci/index.json");
  ASSERT_EQ(index["manifests"].size(), 1u);
  EXPECT_EQ(index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"], "uppercase:0.1.0");
  EXPECT_EQ(read_json(root / "oci/oci-layout")["imageLayoutVersion"], "1.0.0");
  // The manifest digest is over the exact bytes written.
  EXPECT_EQ("sha256:" + sha256_hex(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(test::read_file(blob(root / "oci", digest)).data()),
                                                            test::read_file(blob(root / "oci", digest)).size())),
            digest);
  json m = read_json(blob(root / "oci", digest));
  EXPECT_EQ(m["config"]["mediaType"], "application/vnd.wasm.config.v0+json");
  EXPECT_EQ(m["layers"][0]["mediaType"], "application/wasm");
  EXPECT_EQ(test::read_file(blob(root / "oci", m["layers"][0]["digest"])), test::read_file(sdk("uppercase")));
  EXPECT_EQ(m["annotations"]["org.opencontainers.image.source"], "https://example.org/sdk.git");
  EXPECT_EQ(m["annotations"]["org.opencontainers.image.revision"], "abc123");
  EXPECT_EQ(m["annotations"]["dev.torvyn.component.role"], "processor");
  json cfg = read_json(blob(root / "oci", m["config"]["digest"]));
  EXPECT_EQ(cfg["architecture"], "wasm");
  EXPECT_EQ(cfg["os"], "wasip2");
  EXPECT_EQ(cfg["component"]["target"], "torvyn:streaming/transform@0.1.0");
  EXPECT_EQ(cfg["layerDigests"][0], m["layers"][0]["digest"]);

  if (!have("skopeo")) GTEST_SKIP() << "skopeo is not installed (scripts/setup.sh installs it)";
  ProcResult raw = sh("skopeo inspect --raw oci:oci:uppercase:0.1.0");
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(raw.out, test::read_file(blob(root / "oci", digest)));
  // (skopeo 1.9's inspect without --raw refuses every non-container artifact — "unsupported
  // image-specific operation on artifact" — whatever its content; --raw reads the manifest and config.)
  ProcResult scfg = sh("skopeo inspect --config --raw oci:oci:uppercase:0.1.0");
  ASSERT_EQ(scfg.exit_code, 0) << scfg.err;
  EXPECT_EQ(json::parse(scfg.out, nullptr, false), cfg);
  // skopeo copies it into a layout of its own, which Torvyn reads back with the same digest.
  ProcResult cp = sh("skopeo copy --quiet oci:oci:uppercase:0.1.0 oci:copy:upper:pinned");
  ASSERT_EQ(cp.exit_code, 0) << cp.err;
  json back = ok_json({"inspect", "copy:upper:pinned"});
  EXPECT_EQ(back["artifact"]["digest"], digest);
  EXPECT_EQ(back["roles"][0]["role"], "processor");

  if (!have("umoci")) GTEST_SKIP() << "umoci is not installed";
  ProcResult ls = sh("umoci ls --layout oci");
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_NE(ls.out.find("uppercase:0.1.0"), std::string::npos) << ls.out;
  // umoci tags it and garbage-collects the layout (walking every reference: nothing Torvyn needs
  // may go); Torvyn still verifies every blob. (umoci stat/unpack handle container images only.)
  ProcResult tag = sh("umoci tag --image oci:uppercase:0.1.0 pinned && umoci gc --layout oci");
  ASSERT_EQ(tag.exit_code, 0) << tag.err;
  json pinned = ok_json({"inspect", "oci:pinned"});
  EXPECT_EQ(pinned["artifact"]["digest"], digest);
}

TEST_F(Packaging, PackToATarThatSkopeoReads) {
  json j = ok_json({"pack", sdk("uppercase").string(), "--tag", "0.1.0", "-o", "upper.tar"});
  EXPECT_EQ(j["format"], "oci-archive");
  ProcResult t = sh("tar -tf upper.tar");
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("oci-layout"), std::string::npos);
  EXPECT_NE(t.out.find("index.json"), std::string::npos);
  EXPECT_NE(t.out.find("blobs/sha256/" + j["images"][0]["layer_digest"].get<std::string>().substr(7)), std::string::npos);
  json back = ok_json({"inspect", "upper.tar"});
  EXPECT_EQ(back["artifact"]["digest"], j["images"][0]["digest"]);
  if (!have("skopeo")) GTEST_SKIP() << "skopeo is not installed";
  ProcResult insp = sh("skopeo inspect --raw oci-archive:upper.tar:uppercase:0.1.0");
  ASSERT_EQ(insp.exit_code, 0) << insp.err;
  EXPECT_EQ(json::parse(insp.out, nullptr, false)["config"]["mediaType"], "application/vnd.wasm.config.v0+json");
  ProcResult cp = sh("skopeo copy --quiet oci-archive:upper.tar:uppercase:0.1.0 oci:fromtar:u:1");
  ASSERT_EQ(cp.exit_code, 0) << cp.err;
  EXPECT_EQ(ok_json({"inspect", "fromtar"})["artifact"]["digest"], j["images"][0]["digest"]);
}

TEST_F(Packaging, SeveralComponentsInOneLayoutAndCapabilities) {
  if (!fs::exists(sdk("wasi_probe"))) GTEST_SKIP() << "no WASI probe (wasi-libc)";
  pack_upper("oci");
  ok({"pack", sdk("wasi_probe").string(), "--tag", "2.0.0", "-o", "oci"});
  json index = read_json(root / "oci/index.json");
  EXPECT_EQ(index["manifests"].size(), 2u);
  ProcResult amb = torvyn({"inspect", "oci"});
  EXPECT_EQ(amb.exit_code, 2) << amb.err;
  EXPECT_NE(amb.err.find("E0973"), std::string::npos) << amb.err;
  EXPECT_NE(amb.err.find("oci:wasi_probe:2.0.0"), std::string::npos) << amb.err;
  json probe = ok_json({"inspect", "oci:wasi_probe"});
  EXPECT_NE(probe["artifact"]["annotations"]["dev.torvyn.capabilities"].get<std::string>().find("wasi:random"), std::string::npos);
  ProcResult human = ok({"inspect", "oci:wasi_probe:2.0.0", "--show", "capabilities"});
  EXPECT_NE(human.out.find("wasi:random"), std::string::npos);
  EXPECT_NE(human.out.find("dev.torvyn.capabilities"), std::string::npos);
  // By digest, as a pinned reference.
  json byd = ok_json({"inspect", "oci@" + probe["artifact"]["digest"].get<std::string>()});
  EXPECT_EQ(byd["artifact"]["ref"], "wasi_probe:2.0.0");
}

TEST_F(Packaging, KeySignVerifyInspect) {
  const std::string digest = pack_upper("oci");
  const std::string id = gen_key("signer");
  ASSERT_EQ(id.size(), 16u);
  struct stat st;
  ASSERT_EQ(::stat((root / "signer.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  gen_key("stranger", {"--algorithm", "ed25519"});

  ProcResult unsigned_inspect = ok({"inspect", "oci"});
  EXPECT_NE(unsigned_inspect.out.find("unsigned"), std::string::npos);
  ProcResult need = torvyn({"inspect", "oci", "--require-signature"});
  EXPECT_EQ(need.exit_code, 1);
  ProcResult v0 = torvyn({"verify", "oci", "--key", "signer.pub"});
  EXPECT_EQ(v0.exit_code, 1);
  EXPECT_NE(v0.err.find("E0975"), std::string::npos) << v0.err;

  ok({"sign", "oci:uppercase:0.1.0", "--key", "signer.key"});
  json index = read_json(root / "oci/index.json");
  bool tagged = false;
  for (const auto& m : index["manifests"]) tagged |= m["annotations"]["org.opencontainers.image.ref.name"] == "sha256-" + digest.substr(7) + ".sig";
  EXPECT_TRUE(tagged) << index;

  ProcResult v = ok({"verify", "oci", "--key", "stranger.pub", "--key", "signer.pub"});
  EXPECT_NE(v.out.find("verified"), std::string::npos);
  EXPECT_NE(v.out.find(id), std::string::npos);
  json ins = ok_json({"inspect", "oci", "--key", "signer.pub", "--require-signature"});
  EXPECT_EQ(ins["signature"]["state"], "verified");
  EXPECT_EQ(ins["signature"]["key_id"], id);
  EXPECT_EQ(ins["signature"]["transparency_log"], false);
  EXPECT_EQ(ins["artifact"]["digest"], digest);
  ProcResult human = ok({"inspect", "oci", "--key", "signer.pub"});
  EXPECT_NE(human.out.find("verified by key " + id), std::string::npos) << human.out;
  ProcResult nokey = ok({"inspect", "oci"});
  EXPECT_NE(nokey.out.find("signed, not verified"), std::string::npos) << nokey.out;

  // A wrong key: invalid, exit 1, from verify and inspect alike.
  ProcResult wrong = torvyn({"verify", "oci", "--key", "stranger.pub"});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("E0974"), std::string::npos) << wrong.err;
  EXPECT_EQ(torvyn({"inspect", "oci", "--key", "stranger.pub"}).exit_code, 1);
  // A wrong identity.
  EXPECT_EQ(torvyn({"verify", "oci", "--key", "signer.pub", "--identity", "other/repo"}).exit_code, 1);
  ok({"verify", "oci", "--key", "signer.pub", "--identity", "uppercase"});
}

TEST_F(Packaging, SigningATarRewritesItAtomically) {
  ok({"pack", sdk("uppercase").string(), "--tag", "0.1.0", "-o", "upper.tar"});
  gen_key("k");
  ok({"sign", "upper.tar", "--key", "k.key"});
  ok({"verify", "upper.tar:uppercase:0.1.0", "--key", "k.pub"});
  for (const auto& e : fs::directory_iterator(root)) EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}

TEST_F(Packaging, EncryptedKeysAndPassphrases) {
  pack_upper("oci");
  gen_key("enc", {"--algorithm", "ed25519"}, {{"TORVYN_KEY_PASSPHRASE", "s3cret"}});
  EXPECT_NE(test::read_file(root / "enc.key").find("ENCRYPTED PRIVATE KEY"), std::string::npos);
  ProcResult none = torvyn({"sign", "oci", "--key", "enc.key"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("TORVYN_KEY_PASSPHRASE"), std::string::npos) << none.err;
  ProcResult wrong = torvyn({"sign", "oci", "--key", "enc.key"}, {{"TORVYN_KEY_PASSPHRASE", "guess"}});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("wrong passphrase"), std::string::npos) << wrong.err;
  EXPECT_NE(wrong.err.find("enc.key"), std::string::npos) << wrong.err;
  test::write_file(root / "pass.txt", "s3cret\n");
  ok({"sign", "oci", "--key", "enc.key", "--passphrase-file", "pass.txt"});
  ok({"verify", "oci", "--key", "enc.pub"});
  // A private key others can read is refused; so are a missing key and a public key for signing.
  fs::permissions(root / "enc.key", fs::perms::group_read | fs::perms::others_read, fs::perm_options::add);
  ProcResult loose = torvyn({"sign", "oci", "--key", "enc.key", "--passphrase-file", "pass.txt"});
  EXPECT_EQ(loose.exit_code, 2);
  EXPECT_NE(loose.err.find("chmod 600"), std::string::npos) << loose.err;
  ProcResult missing = torvyn({"sign", "oci", "--key", "nope.key"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("E0976"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("nope.key"), std::string::npos) << missing.err;
  EXPECT_EQ(torvyn({"sign", "oci", "--key", "enc.pub"}).exit_code, 2);
  EXPECT_EQ(torvyn({"verify", "oci", "--key", "enc.key"}).exit_code, 2);
  // Existing key files are not overwritten.
  ProcResult again = torvyn({"key", "generate", "-o", "enc"});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already exists"), std::string::npos);
}

// Test vectors with the openssl command line: it verifies the signature Torvyn stored, over the
// payload Torvyn stored; and a signature openssl makes over that payload verifies in Torvyn.
TEST_F(Packaging, OpensslVerifiesTorvynAndTorvynVerifiesOpenssl) {
  if (!have("openssl")) GTEST_SKIP() << "no openssl command";
  const std::string digest = pack_upper("oci");
  gen_key("k");
  ok({"sign", "oci", "--key", "k.key"});
  json index = read_json(root / "oci/index.json");
  size_t at = 0;
  for (size_t i = 0; i < index["manifests"].size(); ++i)
    if (index["manifests"][i]["annotations"]["org.opencontainers.image.ref.name"] == "sha256-" + digest.substr(7) + ".sig") at = i;
  json sigm = read_json(blob(root / "oci", index["manifests"][at]["digest"]));
  ASSERT_EQ(sigm["layers"][0]["mediaType"], "application/vnd.dev.cosign.simplesigning.v1+json");
  const fs::path payload = blob(root / "oci", sigm["layers"][0]["digest"]);
  json p = read_json(payload);
  EXPECT_EQ(p["critical"]["image"]["docker-manifest-digest"], digest);
  EXPECT_EQ(p["critical"]["type"], "cosign container image signature");
  test::write_file(root / "sig.b64", sigm["layers"][0]["annotations"]["dev.cosignproject.cosign/signature"].get<std::string>());
  ASSERT_EQ(sh("openssl base64 -d -A -in sig.b64 -out sig.der").exit_code, 0);
  ProcResult v = sh("openssl dgst -sha256 -verify k.pub -signature sig.der " + payload.string());
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;

  // Replace the signature by one openssl makes over the same payload, with the same key: verifies.
  auto resign = [&](const std::string& keyfile) {
    EXPECT_EQ(sh("openssl dgst -sha256 -sign " + keyfile + " -out o.der " + payload.string() + " && openssl base64 -A -in o.der -out o.b64").exit_code, 0);
    std::string b64 = test::read_file(root / "o.b64");
    while (!b64.empty() && (b64.back() == '\n' || b64.back() == '\r')) b64.pop_back();
    json m = sigm;
    m["layers"][0]["annotations"]["dev.cosignproject.cosign/signature"] = b64;
    std::string text = m.dump();
    std::string d = "sha256:" + sha256_hex(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    test::write_file(blob(root / "oci", d), text);
    json ix = index;
    ix["manifests"][at]["digest"] = d;
    ix["manifests"][at]["size"] = text.size();
    test::write_file(root / "oci/index.json", ix.dump());
  };
  resign("k.key");
  ok({"verify", "oci", "--key", "k.pub"});
  ASSERT_EQ(sh("openssl ecparam -name prime256v1 -genkey -noout -out other.pem && openssl pkey -in other.pem -pubout -out other.pub").exit_code, 0);
  resign("other.pem");
  EXPECT_EQ(torvyn({"verify", "oci", "--key", "k.pub"}).exit_code, 1);
  ok({"verify", "oci", "--key", "other.pub"});
}

TEST_F(Packaging, DamagedArtifactsAreClearErrorsAndNothingIsWritten) {
  const std::string digest = pack_upper("oci");
  gen_key("k");
  json m = read_json(blob(root / "oci", digest));
  const fs::path layer = blob(root / "oci", m["layers"][0]["digest"]);

  // A flipped byte in the component blob.
  std::string bytes = test::read_file(layer);
  std::string flipped = bytes;
  flipped[100] ^= 0x20;
  test::write_file(layer, flipped);
  auto before = snapshot(root / "oci");
  ProcResult r = torvyn({"inspect", "oci"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("E0971"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(layer.filename().string()), std::string::npos) << r.err;
  ProcResult s = torvyn({"sign", "oci", "--key", "k.key"});
  EXPECT_EQ(s.exit_code, 1);
  EXPECT_EQ(snapshot(root / "oci"), before);  // nothing half-written
  EXPECT_EQ(torvyn({"verify", "oci", "--key", "k.pub"}).exit_code, 1);

  // The manifest pointing at a missing blob.
  fs::remove(layer);
  ProcResult miss = torvyn({"inspect", "oci"});
  EXPECT_EQ(miss.exit_code, 1);
  EXPECT_NE(miss.err.find("E0972"), std::string::npos) << miss.err;
  EXPECT_NE(miss.err.find("application/wasm"), std::string::npos) << miss.err;
  ProcResult repack = torvyn({"pack", sdk("uppercase").string(), "--tag", "0.1.0", "-o", "oci"});
  EXPECT_EQ(repack.exit_code, 2);
  EXPECT_NE(repack.err.find("remove it"), std::string::npos) << repack.err;
  test::write_file(layer, bytes);
  ok({"inspect", "oci"});

  // Not a layout, no such path, a registry reference.
  fs::create_directories(root / "src");
  test::write_file(root / "src/main.c", "int x;");
  ProcResult into = torvyn({"pack", sdk("uppercase").string(), "--tag", "0.1.0", "-o", "src"});
  EXPECT_EQ(into.exit_code, 2);
  EXPECT_EQ(snapshot(root / "src").size(), 1u);
  EXPECT_EQ(torvyn({"inspect", "nowhere.tar"}).exit_code, 2);
  // A malformed registry reference; and sign, which changes a layout, refuses registry references.
  ProcResult reg = torvyn({"inspect", "oci://registry.example/UPPER@sha256:" + std::string(64, 'a')});
  EXPECT_EQ(reg.exit_code, 2);
  EXPECT_NE(reg.err.find("E0977"), std::string::npos) << reg.err;
  ProcResult sreg = torvyn({"sign", "oci://registry.example/upper:1.0", "--key", "k.key"});
  EXPECT_EQ(sreg.exit_code, 2);
  EXPECT_NE(sreg.err.find("torvyn pull"), std::string::npos) << sreg.err;
  test::write_file(root / "junk.tar", "not a tar");
  EXPECT_EQ(torvyn({"inspect", "junk.tar"}).exit_code, 1);
}

TEST_F(Packaging, SignatureForAnotherDigestIsInvalid) {
  if (!fs::exists(sdk("wasi_probe"))) GTEST_SKIP() << "no WASI probe (wasi-libc)";
  const std::string up = pack_upper("oci");
  json j = ok_json({"pack", sdk("wasi_probe").string(), "--tag", "0.1.0", "-o", "oci"});
  const std::string probe = j["images"][0]["digest"];
  gen_key("k");
  ok({"sign", "oci:uppercase", "--key", "k.key"});
  // Tag uppercase's signature manifest as the probe's too.
  json index = read_json(root / "oci/index.json");
  json copy;
  for (const auto& m : index["manifests"])
    if (m["annotations"]["org.opencontainers.image.ref.name"] == "sha256-" + up.substr(7) + ".sig") copy = m;
  ASSERT_FALSE(copy.is_null());
  copy["annotations"]["org.opencontainers.image.ref.name"] = "sha256-" + probe.substr(7) + ".sig";
  index["manifests"].push_back(copy);
  test::write_file(root / "oci/index.json", index.dump());
  ProcResult r = torvyn({"verify", "oci:wasi_probe", "--key", "k.pub"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("another artifact"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(up), std::string::npos) << r.err;
  ok({"verify", "oci:uppercase", "--key", "k.pub"});
}

// A project made and built by torvyn itself, packed by component name into target/oci.
TEST_F(Packaging, PackAProjectByName) {
  ok({"init", "proj", "--template", "transform"});
  ProcResult b = test::run(TORVYN_EXE, {"build"}, {root / "proj", test::child_environment({{"XDG_CACHE_HOME", std::string(TORVYN_TEST_CACHE_HOME)}}),
                                                    std::chrono::minutes(4), {}});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  ProcResult p = test::run(TORVYN_EXE, {"--format", "json", "pack", "--author", "tests"},
                           {root / "proj", test::child_environment({}), std::chrono::minutes(2), {}});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  json j = json::parse(p.out, nullptr, false);
  ASSERT_GE(j["images"].size(), 3u) << p.out;
  std::set<std::string> roles;
  for (const auto& i : j["images"]) {
    EXPECT_EQ(i["ref"].get<std::string>(), i["name"].get<std::string>() + ":0.1.0");
    roles.insert(i["roles"][0].get<std::string>());
  }
  EXPECT_TRUE(roles.count("source") && roles.count("processor") && roles.count("sink")) << p.out;
  EXPECT_TRUE(fs::exists(root / "proj/target/oci/index.json"));
  ProcResult unknown = test::run(TORVYN_EXE, {"pack", "nosuch"}, {root / "proj", test::child_environment({}), std::chrono::minutes(1), {}});
  EXPECT_EQ(unknown.exit_code, 2);
}

}  // namespace
}  // namespace torvyn
