// Registry references, WWW-Authenticate challenges and the local store's merging (the network
// parts are tested end to end in tests/packaging/registry_cli_test.cc).
#include <sys/stat.h>

#include "test_util.h"
#include "torvyn/packaging/auth_challenge.h"
#include "torvyn/packaging/lockfile.h"
#include "torvyn/packaging/oci_store.h"
#include "torvyn/packaging/registry_client.h"
#include "torvyn/packaging/registry_ref.h"

namespace torvyn::packaging {
namespace {

using test::TempDir;

TEST(RegistryRef, Forms) {
  auto r = parse_registry_ref("oci://registry.example.com/team/upper:1.2.0");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->host, "registry.example.com");
  EXPECT_EQ(r->repository, "team/upper");
  EXPECT_EQ(r->tag, "1.2.0");
  EXPECT_EQ(r->reference(), "1.2.0");
  EXPECT_EQ(r->base_url(false), "https://registry.example.com/v2/team/upper");
  EXPECT_FALSE(r->is_loopback());

  const std::string d = "sha256:" + std::string(64, 'a');
  auto p = parse_registry_ref("127.0.0.1:5000/upper@" + d);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->host, "127.0.0.1:5000");
  EXPECT_EQ(p->hostname(), "127.0.0.1");
  EXPECT_EQ(p->digest, d);
  EXPECT_TRUE(p->tag.empty());
  EXPECT_TRUE(p->is_loopback());
  EXPECT_EQ(p->base_url(true), "http://127.0.0.1:5000/v2/upper");

  auto both = parse_registry_ref("localhost/a/b-c__d.e:v1@" + d);
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_EQ(both->reference(), d);  // the digest pins
  EXPECT_EQ(both->str(), "localhost/a/b-c__d.e:v1@" + d);
  auto v6 = parse_registry_ref("[::1]:5000/x:1");
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ(v6->hostname(), "::1");
  EXPECT_TRUE(v6->is_loopback());
  EXPECT_FALSE(parse_registry_ref("localhost.evil.example/x:1")->is_loopback());
}

TEST(RegistryRef, Invalid) {
  for (const char* bad : {"upper:1.0", "team/upper:1.0", "example.com", "example.com/", "example.com/Upper:1", "example.com/a//b:1",
                          "example.com/-a:1", "example.com/a:-tag", "example.com/a@sha256:abc", "example.com:99999/a:1", "exa_mple.com/a:1",
                          "example.com/a:" })
    EXPECT_FALSE(parse_registry_ref(bad)) << bad;
  auto e = parse_registry_ref("upper/x:1");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ErrorCode::RegistryRefInvalid);
  EXPECT_NE(e.error().message.find("docker.io"), std::string::npos) << e.error().message;
  EXPECT_FALSE(valid_registry_tag(std::string(129, 'a')));
  EXPECT_TRUE(valid_registry_tag(std::string(128, 'a')));
}

TEST(AuthChallenge, BearerAndBasic) {
  auto c = parse_auth_challenge(R"(Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scheme, "bearer");
  EXPECT_EQ(c->param("realm"), "https://auth.example.com/token");
  EXPECT_EQ(c->param("service"), "registry.example.com");
  EXPECT_EQ(c->param("scope"), "repository:a/b:pull,push");  // a comma inside quotes
  auto b = parse_auth_challenge(R"(Basic realm="x \"quoted\"")");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->scheme, "basic");
  EXPECT_EQ(b->param("realm"), "x \"quoted\"");
  EXPECT_FALSE(parse_auth_challenge(R"(Bearer realm="unterminated)"));
  EXPECT_FALSE(parse_auth_challenge(""));
}

TEST(RegistryClient, PlainHttpOnlyOnLoopback) {
  RegistryOptions o;
  o.plain_http = true;
  auto remote = RegistryClient::open(*parse_registry_ref("registry.example.com/a:1"), o);
  ASSERT_FALSE(remote);
  EXPECT_EQ(remote.error().code, ErrorCode::RegistryInsecure);
  EXPECT_TRUE(RegistryClient::open(*parse_registry_ref("localhost:5000/a:1"), o));
  EXPECT_TRUE(RegistryClient::open(*parse_registry_ref("[::1]:5000/a:1"), o));
  RegistryOptions ca;
  ca.ca_file = "/nonexistent/ca.pem";
  auto noca = RegistryClient::open(*parse_registry_ref("registry.example.com/a:1"), ca);
  ASSERT_FALSE(noca);
  EXPECT_EQ(noca.error().code, ErrorCode::RegistryTlsFailed);
}

TEST(OciStore, RepositoryDirectories) {
  auto r = parse_registry_ref("127.0.0.1:5000/team/upper:1");
  EXPECT_EQ(store_repository_dir("/s", *r), std::filesystem::path("/s/127.0.0.1_5000/team/upper"));
  EXPECT_EQ(store_repository_dir("/s", *parse_registry_ref("[::1]:5000/x:1")), std::filesystem::path("/s/__1_5000/x"));
}

TEST(OciStore, AMovedTagKeepsTheOldImageByDigest) {
  TempDir t;
  const std::filesystem::path store = t.path() / "store";
  auto ref = *parse_registry_ref("127.0.0.1:5000/team/upper:1.0");
  Layout first;
  Descriptor a = test::add_plain_image(first, "1.0", "first component");
  auto dir = store_pulled(store, ref, first);
  ASSERT_TRUE(dir) << dir.error().message;
  struct stat st;
  ASSERT_EQ(::stat(store.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u);  // the store is private

  Layout second;
  Descriptor b = test::add_plain_image(second, "1.0", "second component");
  ASSERT_TRUE(store_pulled(store, ref, second));
  auto now = find_in_store(store, ref);
  ASSERT_TRUE(now) << now.error().message;
  EXPECT_EQ(now->image.digest(), b.digest);
  RegistryRef pinned = ref;
  pinned.tag.clear();
  pinned.digest = a.digest;
  auto old = find_in_store(store, pinned);
  ASSERT_TRUE(old) << old.error().message;
  EXPECT_EQ(old->image.digest(), a.digest);
  EXPECT_EQ(old->image.ref_name(), "");
  // Pulling the old digest again (an unnamed entry, as a pull by digest makes) adds nothing.
  Layout by_digest = first;
  by_digest.manifests[0].annotations.clear();
  ASSERT_TRUE(store_pulled(store, pinned, by_digest));
  EXPECT_EQ(find_in_store(store, ref)->layout.manifests.size(), 2u);
  EXPECT_EQ(find_in_store(store, ref)->image.digest(), b.digest);
  EXPECT_FALSE(test::has_temp_files(store));

  auto missing = find_in_store(store, *parse_registry_ref("127.0.0.1:5000/team/other:1"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::ArtifactNotFound);
  EXPECT_NE(missing.error().message.find("torvyn pull"), std::string::npos);
}

TEST(OciStore, ALinkBelowTheStoreIsRefusedNotFollowed) {
  TempDir t;
  const std::filesystem::path store = t.path() / "store";
  auto ref = *parse_registry_ref("127.0.0.1:5000/team/upper:1.0");
  Layout l;
  test::add_plain_image(l, "1.0", "component");
  ASSERT_TRUE(store_pulled(store, ref, l));
  // The host directory replaced by a link to a copy elsewhere: neither read nor written through.
  std::filesystem::rename(store / "127.0.0.1_5000", t.path() / "elsewhere");
  std::filesystem::create_directory_symlink(t.path() / "elsewhere", store / "127.0.0.1_5000");
  auto found = find_in_store(store, ref);
  ASSERT_FALSE(found);
  EXPECT_NE(found.error().message.find("symbolic link"), std::string::npos) << found.error().message;
  auto wrote = store_pulled(store, ref, l);
  ASSERT_FALSE(wrote);
  EXPECT_NE(wrote.error().message.find("symbolic link"), std::string::npos) << wrote.error().message;
}

TEST(Lockfile, RoundTripAndDamage) {
  TempDir t;
  const std::filesystem::path f = t.path() / "Torvyn.lock";
  auto none = read_lockfile(f);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->exists);
  Lockfile l;
  l.pins["oci://r.example/b:1"] = "sha256:" + std::string(64, 'b');
  l.pins["oci://r.example/a:\"q\""] = "sha256:" + std::string(64, 'a');
  ASSERT_TRUE(write_lockfile(f, l));
  auto back = read_lockfile(f);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_TRUE(back->exists);
  EXPECT_EQ(back->pins, l.pins);
  EXPECT_EQ(render_lockfile(*back), render_lockfile(l));  // canonical: sorted, stable
  for (const char* bad : {"not = [toml", "version = 2\n", "version = 1\nartifact = 3\n",
                          "version = 1\n[[artifact]]\nreference = \"oci://x/y:1\"\ndigest = \"sha256:12\"\n",
                          "version = 1\n[[artifact]]\nreference = \"x/y:1\"\ndigest = \"sha256:" "0000000000000000000000000000000000000000000000000000000000000000\"\n"}) {
    test::write_file(f, bad);
    auto r = read_lockfile(f);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::LockfileInvalid) << bad;
    EXPECT_NE(r.error().message.find("torvyn lock"), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace torvyn::packaging
