// Components as Wasm OCI artifacts, on the SDK's real components (built with clang-19 + jco): the
// config describes the component from its own type, the manifest carries the OCI and Torvyn
// annotations, the layer is the exact binary, repacking replaces an image and its signatures.
#include "test_util.h"
#include "torvyn/base/sha256.h"
#include "torvyn/packaging/artifact.h"
#include "torvyn/packaging/signing.h"

namespace torvyn::packaging {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<uint8_t> sdk_component(const std::string& name) {
  std::string s = test::read_file(fs::path(TORVYN_SDK_COMPONENTS) / (name + ".wasm"));
  return std::vector<uint8_t>(s.begin(), s.end());
}

class Artifact : public ::testing::Test {
 protected:
  void SetUp() override {
    wasm = sdk_component("uppercase");
    if (wasm.empty()) GTEST_SKIP() << "the SDK's uppercase component is not built";
  }
  PackRequest request() {
    PackRequest r;
    r.name = "upper";
    r.version = "0.1.0";
    r.wasm = wasm;
    r.created = "2026-12-06T00:00:00Z";
    r.source = "https://example.org/upper.git";
    r.revision = "0123456789abcdef";
    return r;
  }
  std::vector<uint8_t> wasm;
};

TEST_F(Artifact, DescribesTheRealComponent) {
  auto f = describe_component(wasm, "");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->roles, std::vector<std::string>{"processor"});
  EXPECT_EQ(f->target, "torvyn:streaming/transform@0.1.0");
  EXPECT_EQ(f->contract, "torvyn:streaming@0.1.0");
  EXPECT_TRUE(f->capabilities.empty());
  EXPECT_NE(std::find(f->exports.begin(), f->exports.end(), "torvyn:streaming/processor@0.1.0"), f->exports.end());
  EXPECT_NE(std::find(f->imports.begin(), f->imports.end(), "torvyn:streaming/types@0.1.0"), f->imports.end());
}

TEST_F(Artifact, WasiComponentNeedsItsCapabilities) {
  std::vector<uint8_t> probe = sdk_component("wasi_probe");
  if (probe.empty()) GTEST_SKIP() << "no wasi_probe (wasi-libc)";
  auto f = describe_component(probe, "transform");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_FALSE(f->capabilities.empty());
  EXPECT_NE(std::find(f->capabilities.begin(), f->capabilities.end(), "wasi:random"), f->capabilities.end());
}

TEST_F(Artifact, ConfigManifestAndLayerFollowTheWasmOciFormat) {
  Layout l;
  auto p = add_component(l, request());
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->manifest.ref_name(), "upper:0.1.0");
  EXPECT_EQ(p->layer.digest, sha256_digest(wasm));
  auto img = parse_image(l, p->manifest);
  ASSERT_TRUE(img);
  EXPECT_EQ(img->config.media_type, "application/vnd.wasm.config.v0+json");
  ASSERT_EQ(img->layers.size(), 1u);
  EXPECT_EQ(img->layers[0].media_type, "application/wasm");
  json cfg = json::parse(*l.blob(img->config.digest));
  EXPECT_EQ(cfg["architecture"], "wasm");
  EXPECT_EQ(cfg["os"], "wasip2");
  EXPECT_EQ(cfg["created"], "2026-12-06T00:00:00Z");
  EXPECT_EQ(cfg["layerDigests"], json::array({p->layer.digest}));
  EXPECT_EQ(cfg["component"]["target"], "torvyn:streaming/transform@0.1.0");
  EXPECT_TRUE(cfg["component"]["exports"].is_array());
  EXPECT_EQ(img->annotations.at("org.opencontainers.image.title"), "upper");
  EXPECT_EQ(img->annotations.at("org.opencontainers.image.version"), "0.1.0");
  EXPECT_EQ(img->annotations.at("org.opencontainers.image.source"), "https://example.org/upper.git");
  EXPECT_EQ(img->annotations.at("org.opencontainers.image.revision"), "0123456789abcdef");
  EXPECT_EQ(img->annotations.at("dev.torvyn.component.role"), "processor");
  EXPECT_EQ(img->annotations.at("dev.torvyn.component.world"), "torvyn:streaming/transform@0.1.0");
  EXPECT_EQ(img->annotations.at("dev.torvyn.contract.version"), "torvyn:streaming@0.1.0");
  EXPECT_EQ(img->annotations.at("dev.torvyn.capabilities"), "");
  auto bytes = component_bytes(l, *img);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, wasm);
  // The same input gives the same bytes, so the same digest.
  Layout l2;
  auto p2 = add_component(l2, request());
  ASSERT_TRUE(p2);
  EXPECT_EQ(p2->manifest.digest, p->manifest.digest);
}

TEST_F(Artifact, RepackingReplacesTheImageAndDropsItsSignatures) {
  Layout l;
  auto p = add_component(l, request());
  ASSERT_TRUE(p);
  auto key = generate_key(KeyAlgorithm::EcdsaP256);
  ASSERT_TRUE(key);
  auto img = parse_image(l, p->manifest);
  ASSERT_TRUE(sign_image(l, *img, *key, ""));
  EXPECT_EQ(l.manifests.size(), 2u);
  PackRequest r = request();
  r.created = "2026-12-07T00:00:00Z";
  auto p2 = add_component(l, r);
  ASSERT_TRUE(p2);
  ASSERT_EQ(l.manifests.size(), 1u);
  EXPECT_EQ(l.manifests[0].digest, p2->manifest.digest);
  EXPECT_EQ(l.blob(p->manifest.digest), nullptr);  // pruned
}

TEST_F(Artifact, BadInput) {
  Layout l;
  PackRequest r = request();
  r.version = "latest/../x";
  EXPECT_EQ(add_component(l, r).error().code, ErrorCode::ArtifactInvalid);
  r = request();
  r.wasm = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};  // a core module, not a component
  auto e = add_component(l, r);
  ASSERT_FALSE(e);
  EXPECT_TRUE(l.manifests.empty());
  EXPECT_TRUE(l.blobs.empty());
  // An image that is not a Wasm artifact.
  Descriptor d = test::add_plain_image(l, "x:1", "y");
  auto img = parse_image(l, d);
  ASSERT_TRUE(img);
  auto b = component_bytes(l, *img);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, ErrorCode::ArtifactInvalid);
}

TEST(RefParts, Valid) {
  EXPECT_TRUE(valid_ref_part("upper"));
  EXPECT_TRUE(valid_ref_part("0.1.0-rc.1"));
  EXPECT_FALSE(valid_ref_part(""));
  EXPECT_FALSE(valid_ref_part(".hidden"));
  EXPECT_FALSE(valid_ref_part("a/b"));
  EXPECT_FALSE(valid_ref_part("a:b"));
}

}  // namespace
}  // namespace torvyn::packaging
