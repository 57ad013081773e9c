// OCI image layouts: canonical JSON, round trips through a directory and a tar, and every kind of
// damaged input (a flipped byte, a missing blob, no oci-layout, bad JSON, links) as a clear error
// that names the file; writes are atomic and never follow a link.
#include <sys/stat.h>

#include "test_util.h"
#include "torvyn/base/sha256.h"
#include "torvyn/packaging/atomic_file.h"

namespace torvyn::packaging {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::TempDir;

TEST(CanonicalJson, SortedCompactAndStable) {
  json a{{"b", 1}, {"a", {{"y", "x"}, {"x", json::array({1, 2})}}}};
  EXPECT_EQ(canonical_json(a), R"({"a":{"x":[1,2],"y":"x"},"b":1})");
  json b = json::parse(R"({ "b" : 1, "a": {"y":"x","x":[1, 2]}})");
  EXPECT_EQ(canonical_json(a), canonical_json(b));
  // Invalid UTF-8 is replaced, never thrown on.
  EXPECT_NO_THROW(canonical_json(json(std::string("\xff\xfe"))));
}

TEST(Digest, Form) {
  EXPECT_TRUE(is_sha256_digest(sha256_digest(test::bytes("x"))));
  EXPECT_FALSE(is_sha256_digest("sha256:abc"));
  EXPECT_FALSE(is_sha256_digest("sha512:" + std::string(64, 'a')));
  EXPECT_FALSE(is_sha256_digest("sha256:" + std::string(64, 'A')));
}

TEST(Layout, DirectoryRoundTrip) {
  TempDir t;
  Layout l;
  Descriptor d = test::add_plain_image(l, "upper:0.1.0", "\0asm component bytes");
  fs::path dir = t.path() / "out";
  ASSERT_TRUE(write_layout(l, dir));
  EXPECT_EQ(test::read_file(dir / "oci-layout"), R"({"imageLayoutVersion":"1.0.0"})");
  EXPECT_TRUE(fs::exists(dir / "blobs/sha256" / digest_hex(d.digest)));
  EXPECT_FALSE(test::has_temp_files(t.path()));
  auto r = read_layout(dir);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->manifests.size(), 1u);
  EXPECT_EQ(r->manifests[0].digest, d.digest);
  EXPECT_EQ(r->manifests[0].ref_name(), "upper:0.1.0");
  EXPECT_EQ(r->blobs.size(), 3u);
  EXPECT_EQ(r->index_json(), l.index_json());
}

TEST(Layout, TarRoundTrip) {
  TempDir t;
  Layout l;
  Descriptor d = test::add_plain_image(l, "upper:0.1.0", "component");
  fs::path tar = t.path() / "upper.tar";
  ASSERT_TRUE(write_layout(l, tar));
  auto r = read_layout(tar);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->manifests.size(), 1u);
  EXPECT_EQ(r->manifests[0].digest, d.digest);
  EXPECT_EQ(r->blobs, l.blobs);
  EXPECT_FALSE(test::has_temp_files(t.path()));
  // A file that is not a tar.
  test::write_file(t.path() / "junk.tar", "this is not a tar archive at all, just text");
  auto j = read_layout(t.path() / "junk.tar");
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().code, ErrorCode::ArtifactInvalid);
  EXPECT_NE(j.error().message.find("junk.tar"), std::string::npos);
}

TEST(Layout, FlippedByteInABlobIsADigestMismatch) {
  TempDir t;
  Layout l;
  test::add_plain_image(l, "upper:0.1.0", "component bytes");
  fs::path dir = t.path() / "out";
  ASSERT_TRUE(write_layout(l, dir));
  std::string layer_digest;
  for (const auto& [dg, b] : l.blobs)
    if (std::string(b.begin(), b.end()) == "component bytes") layer_digest = dg;
  fs::path blob = dir / "blobs/sha256" / digest_hex(layer_digest);
  std::string s = test::read_file(blob);
  s[3] ^= 1;
  fs::permissions(blob, fs::perms::owner_write, fs::perm_options::add);
  test::write_file(blob, s);
  auto r = read_layout(dir);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::ArtifactDigestMismatch);
  EXPECT_NE(r.error().message.find(blob.string()), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("torvyn pack"), std::string::npos) << r.error().message;
}

TEST(Layout, ManifestPointingAtAMissingBlob) {
  TempDir t;
  Layout l;
  test::add_plain_image(l, "upper:0.1.0", "component bytes");
  fs::path dir = t.path() / "out";
  ASSERT_TRUE(write_layout(l, dir));
  for (const auto& [dg, b] : l.blobs)
    if (std::string(b.begin(), b.end()) == "component bytes") fs::remove(dir / "blobs/sha256" / digest_hex(dg));
  auto r = read_layout(dir);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::ArtifactBlobMissing);
  EXPECT_NE(r.error().message.find("application/wasm"), std::string::npos) << r.error().message;
}

TEST(Layout, SizeThatDisagreesWithTheDescriptor) {
  TempDir t;
  Layout l;
  test::add_plain_image(l, "a:1", "x");
  l.manifests[0].size += 1;
  ASSERT_TRUE(write_layout(l, t.path() / "out"));
  auto r = read_layout(t.path() / "out");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::ArtifactDigestMismatch);
}

TEST(Layout, NotALayout) {
  TempDir t;
  fs::create_directories(t.path() / "empty");
  auto r = read_layout(t.path() / "empty");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::ArtifactInvalid);
  EXPECT_NE(r.error().message.find("oci-layout"), std::string::npos);

  auto missing = read_layout(t.path() / "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::IoError);

  fs::create_directories(t.path() / "bad");
  test::write_file(t.path() / "bad/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  test::write_file(t.path() / "bad/index.json", "{not json");
  auto b = read_layout(t.path() / "bad");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, ErrorCode::ArtifactInvalid);
  EXPECT_NE(b.error().message.find("index.json"), std::string::npos);

  test::write_file(t.path() / "bad/index.json", R"({"schemaVersion":2,"manifests":[{"mediaType":"x","digest":"md5:1","size":1}]})");
  auto c = read_layout(t.path() / "bad");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("sha256"), std::string::npos);

  test::write_file(t.path() / "bad/index.json", R"({"schemaVersion":2,"manifests":[{"mediaType":"x","digest":"sha256:)" + std::string(64, 'a') +
                                              R"(","size":"big"}]})");
  auto d = read_layout(t.path() / "bad");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, ErrorCode::ArtifactInvalid);
}

TEST(Layout, BlobsDirectoryThatIsALinkIsRefused) {
  TempDir t;
  Layout l;
  test::add_plain_image(l, "a:1", "x");
  ASSERT_TRUE(write_layout(l, t.path() / "real"));
  fs::create_directories(t.path() / "linked");
  fs::copy(t.path() / "real/oci-layout", t.path() / "linked/oci-layout");
  fs::copy(t.path() / "real/index.json", t.path() / "linked/index.json");
  fs::create_directory_symlink(t.path() / "real/blobs", t.path() / "linked/blobs");
  auto r = read_layout(t.path() / "linked");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("symbolic link"), std::string::npos) << r.error().message;
}

TEST(Layout, WritesNeverFollowLinksOrClobberOtherDirectories) {
  TempDir t;
  Layout l;
  test::add_plain_image(l, "a:1", "x");
  fs::create_directories(t.path() / "elsewhere");
  fs::create_directory_symlink(t.path() / "elsewhere", t.path() / "link");
  auto w = write_layout(l, t.path() / "link");
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message.find("symbolic link"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(t.path() / "elsewhere"));

  fs::create_directories(t.path() / "src");
  test::write_file(t.path() / "src/main.c", "int x;");
  auto w2 = write_layout(l, t.path() / "src");
  ASSERT_FALSE(w2);
  EXPECT_NE(w2.error().message.find("neither empty nor an OCI image layout"), std::string::npos);

  // A planted link where a blob goes is replaced, not written through.
  fs::path out = t.path() / "out";
  ASSERT_TRUE(write_layout(l, out));
  test::write_file(t.path() / "victim", "precious");
  std::string some = digest_hex(l.manifests[0].digest);
  fs::remove(out / "blobs/sha256" / some);
  fs::create_symlink(t.path() / "victim", out / "blobs/sha256" / some);
  ASSERT_TRUE(write_layout(l, out));
  EXPECT_EQ(test::read_file(t.path() / "victim"), "precious");
  EXPECT_FALSE(fs::is_symlink(out / "blobs/sha256" / some));
  EXPECT_TRUE(read_layout(out));
}

TEST(Layout, WritingBackKeepsOtherImages) {
  TempDir t;
  Layout l;
  test::add_plain_image(l, "a:1", "x");
  fs::path out = t.path() / "out";
  ASSERT_TRUE(write_layout(l, out));
  auto r = read_layout(out);
  ASSERT_TRUE(r);
  test::add_plain_image(*r, "b:1", "y");
  ASSERT_TRUE(write_layout(*r, out));
  auto again = read_layout(out);
  ASSERT_TRUE(again);
  EXPECT_EQ(image_choices(*again), (std::vector<std::string>{"a:1", "b:1"}));
}

TEST(LocalRef, PathTagAndDigest) {
  TempDir t;
  fs::create_directories(t.path() / "lay");
  std::string base = (t.path() / "lay").string();
  auto a = parse_local_ref(base);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->path, base);
  EXPECT_TRUE(a->ref_name.empty());
  auto b = parse_local_ref(base + ":upper:0.1.0");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->path, base);
  EXPECT_EQ(b->ref_name, "upper:0.1.0");
  auto c = parse_local_ref(base + "@sha256:" + std::string(64, 'b'));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->digest, "sha256:" + std::string(64, 'b'));
  EXPECT_FALSE(parse_local_ref(base + "@sha256:xyz"));
}

TEST(SelectImage, ByNameTagDigestOrTheOnlyOne) {
  Layout l;
  l.origin = "L";
  Descriptor a = test::add_plain_image(l, "upper:0.1.0", "x");
  LocalRef none;
  none.path = "L";
  auto only = select_image(l, none);
  ASSERT_TRUE(only);
  EXPECT_EQ(only->digest(), a.digest);
  Descriptor b = test::add_plain_image(l, "lower:0.1.0", "y");
  auto amb = select_image(l, none);
  ASSERT_FALSE(amb);
  EXPECT_EQ(amb.error().code, ErrorCode::ArtifactNotFound);
  EXPECT_NE(amb.error().message.find("L:upper:0.1.0"), std::string::npos) << amb.error().message;
  LocalRef byname = none;
  byname.ref_name = "lower";
  auto n = select_image(l, byname);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->digest(), b.digest);
  LocalRef bydigest = none;
  bydigest.digest = a.digest;
  auto d = select_image(l, bydigest);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->ref_name(), "upper:0.1.0");
  LocalRef missing = none;
  missing.ref_name = "nope:1";
  EXPECT_FALSE(select_image(l, missing));
}

TEST(AtomicFile, NoReplaceAndNoLeftovers) {
  TempDir t;
  fs::path p = t.path() / "key";
  ASSERT_TRUE(write_file_atomic(p, test::bytes("one"), 0600, Replace::No));
  struct stat st;
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = write_file_atomic(p, test::bytes("two"), 0600, Replace::No);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
  EXPECT_EQ(test::read_file(p), "one");
  fs::create_symlink(t.path() / "target", t.path() / "dangling");
  EXPECT_FALSE(write_file_atomic(t.path() / "dangling", test::bytes("x"), 0600, Replace::No));
  EXPECT_FALSE(fs::exists(t.path() / "target"));
  EXPECT_FALSE(test::has_temp_files(t.path()));
}

}  // namespace
}  // namespace torvyn::packaging
