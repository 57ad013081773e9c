// torvyn publish / pull through the real binary against a real registry — Debian's docker-registry
// (CNCF distribution 2.8) on 127.0.0.1, with htpasswd basic auth and with TLS from a CA the test
// makes — and skopeo copying the same artifacts both ways. Registries that misbehave are a small
// cpp-httplib server: 500s, garbage, a blob that does not match its digest, a blob that never ends,
// a 2 GB descriptor, and the docker token (Bearer) protocol. Every failure is a clear error with a
// code and the exit code the README gives, and leaves the store as it was.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "torvyn/base/sha256.h"
#include "torvyn/base/find_program.h"
#include "torvyn_test/process.h"

namespace torvyn {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::ProcResult;

constexpr const char* kRegistryExe = "/usr/bin/docker-registry";

fs::path sdk(const std::string& name) { return fs::path(TORVYN_SDK_COMPONENTS) / (name + ".wasm"); }

bool have(const std::string& tool) { return !find_program(tool).empty(); }

int free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = -1;
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0) port = ntohs(a.sin_port);
  ::close(s);
  return port;
}

bool port_open(int port) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(s);
  return ok;
}

std::string digest_of(const std::string& bytes) {
  return sha256_digest(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

// docker-registry on 127.0.0.1:<free port>, its storage and config in `dir`.
class RealRegistry {
 public:
  struct Options {
    std::string htpasswd;          // "" = no auth
    std::string cert, key;         // "" = plain http
  };
  bool start(const fs::path& dir, const Options& o) {
    port_ = free_port();
    std::string cfg = "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: " + (dir / "storage").string() +
                      "\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:" + std::to_string(port_) + "\n";
    if (!o.cert.empty()) cfg += "  tls:\n    certificate: " + o.cert + "\n    key: " + o.key + "\n";
    if (!o.htpasswd.empty()) cfg += "auth:\n  htpasswd:\n    realm: torvyn-test\n    path: " + o.htpasswd + "\n";
    test::write_file(dir / "registry.yml", cfg);
    test::ProcOptions po;
    po.cwd = dir;
    po.env = test::child_environment({});
    if (!proc_.start(kRegistryExe, {"serve", (dir / "registry.yml").string()}, po)) return false;
    for (int i = 0; i < 200; ++i) {
      if (port_open(port_)) return true;
      if (!proc_.running()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return proc_.stderr_so_far() + proc_.stdout_so_far(); }

 private:
  int port_ = -1;
  test::Process proc_;
};

// An OCI image read from a layout on disk, served by the fake registries.
struct ServedImage {
  std::string manifest;
  std::map<std::string, std::string> blobs;  // by digest
  std::string manifest_digest() const { return digest_of(manifest); }
};

class FakeRegistry {
 public:
  explicit FakeRegistry(std::function<void(httplib::Server&, int port)> routes) {
    port_ = server_.bind_to_any_port("127.0.0.1");
    routes(server_, port_);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 200 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ~FakeRegistry() {
    server_.stop();
    thread_.join();
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
};

class Registry : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(sdk("uppercase"))) GTEST_SKIP() << "the SDK's components are not built";
    root = dir.path();
    cache = root / "cache";
    fs::create_directories(cache);
  }

  ProcResult torvyn(const std::vector<std::string>& args, const std::map<std::string, std::optional<std::string>>& env = {},
                    const fs::path& stdin_file = {}) {
    test::ProcOptions o;
    o.cwd = root;
    auto e = env;
    e.emplace("XDG_CACHE_HOME", cache.string());
    e.emplace("HOME", root.string());  // no developer's ~/.docker/config.json
    e.emplace("DOCKER_CONFIG", std::nullopt);
    e.emplace("TORVYN_REGISTRY_USERNAME", std::nullopt);
    e.emplace("TORVYN_REGISTRY_PASSWORD", std::nullopt);
    e.emplace("TORVYN_KEY_PASSPHRASE", std::nullopt);
    o.env = test::child_environment(e);
    o.timeout = std::chrono::minutes(3);
    o.stdin_file = stdin_file;
    return test::run(TORVYN_EXE, args, o);
  }
  ProcResult ok(const std::vector<std::string>& args, const std::map<std::string, std::optional<std::string>>& env = {}, const fs::path& in = {}) {
    ProcResult r = torvyn(args, env, in);
    EXPECT_EQ(r.exit_code, 0) << test::describe(args, r);
    return r;
  }
  json ok_json(std::vector<std::string> args, const std::map<std::string, std::optional<std::string>>& env = {}, const fs::path& in = {}) {
    args.insert(args.begin(), {"--format", "json"});
    ProcResult r = ok(args, env, in);
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
  }
  // A failure: the exit code and the error code in stderr.
  ProcResult fails(const std::vector<std::string>& args, int exit_code, const std::string& code,
                   const std::map<std::string, std::optional<std::string>>& env = {}, const fs::path& in = {}) {
    ProcResult r = torvyn(args, env, in);
    EXPECT_EQ(r.exit_code, exit_code) << test::describe(args, r);
    EXPECT_NE(r.err.find(code), std::string::npos) << test::describe(args, r);
    return r;
  }
  ProcResult sh(const std::string& cmd) {
    test::ProcOptions o;
    o.cwd = root;
    o.env = test::child_environment({});
    o.timeout = std::chrono::minutes(2);
    return test::run("/bin/sh", {"-c", cmd}, o);
  }
  std::string pack_upper(const std::string& out = "oci") {
    json j = ok_json({"pack", sdk("uppercase").string(), "--tag", "0.1.0", "-o", out});
    return j["images"][0]["digest"].get<std::string>();
  }
  ServedImage served(const fs::path& layout, const std::string& digest) {
    ServedImage s;
    s.manifest = test::read_file(layout / "blobs/sha256" / digest.substr(7));
    json m = json::parse(s.manifest);
    std::vector<std::string> ds{m["config"]["digest"].get<std::string>()};
    for (const auto& l : m["layers"]) ds.push_back(l["digest"].get<std::string>());
    for (const auto& d : ds) s.blobs[d] = test::read_file(layout / "blobs/sha256" / d.substr(7));
    return s;
  }
  // Files in the store (nothing half-written after a failure).
  std::vector<std::string> store_files() {
    std::vector<std::string> out;
    if (!fs::exists(cache / "torvyn/oci")) return out;
    for (const auto& e : fs::recursive_directory_iterator(cache / "torvyn/oci"))
      if (e.is_regular_file() && e.path().filename() != ".lock") out.push_back(fs::relative(e.path(), cache).string());
    return out;
  }

  test::TempDir dir{"torvyn-registry"};
  fs::path root, cache;
};

TEST_F(Registry, PublishAndPullThroughDockerRegistryWithTheSignature) {
  if (!fs::exists(kRegistryExe)) GTEST_SKIP() << "docker-registry is not installed (scripts/setup.sh installs it)";
  RealRegistry reg;
  ASSERT_TRUE(reg.start(root, {})) << reg.log();
  const std::string digest = pack_upper();
  ok({"key", "generate", "-o", "signer"});
  ok({"sign", "oci:uppercase:0.1.0", "--key", "signer.key"});

  const std::string dest = reg.host() + "/torvyn/uppercase";
  json pub = ok_json({"publish", "oci:uppercase:0.1.0", "oci://" + dest, "--plain-http"});
  EXPECT_EQ(pub["reference"], dest + ":0.1.0");  // the tag is the artifact's version
  EXPECT_EQ(pub["digest"], digest);
  EXPECT_EQ(pub["signature"], true);
  EXPECT_EQ(pub["blobs_uploaded"], 4);  // config + layer, and the signature's config + payload
  EXPECT_EQ(pub["pinned"], "oci://" + dest + "@" + digest);
  EXPECT_TRUE(pub["warnings"].empty());
  // Again: every blob is there already (HEAD), the manifest is put again.
  json again = ok_json({"publish", "oci:uppercase:0.1.0", dest, "--plain-http"});
  EXPECT_EQ(again["blobs_uploaded"], 0);
  EXPECT_EQ(again["blobs_present"], 4);

  // Pull by tag into the store: verified, signed, readable by inspect and verify.
  json pulled = ok_json({"pull", dest + ":0.1.0", "--plain-http"});
  EXPECT_EQ(pulled["digest"], digest);
  EXPECT_EQ(pulled["signature"], true);
  EXPECT_EQ(pulled["component"], true);
  const fs::path layout = cache / "torvyn/oci" / (reg.host().replace(9, 1, "_")) / "torvyn/uppercase";
  EXPECT_EQ(pulled["layout"], layout.string());
  ok({"verify", layout.string() + ":0.1.0", "--key", "signer.pub"});
  json ins = ok_json({"inspect", layout.string() + ":0.1.0"});
  EXPECT_EQ(ins["artifact"]["digest"], digest);
  EXPECT_EQ(test::read_file(layout / "blobs/sha256" / ins["artifact"]["layers"][0]["digest"].get<std::string>().substr(7)), test::read_file(sdk("uppercase")));
  // By digest, and into a layout of one's own.
  json byd = ok_json({"pull", "oci://" + dest + "@" + digest, "--plain-http", "--output", "mine"});
  EXPECT_EQ(byd["digest"], digest);
  EXPECT_EQ(byd["local"], "mine@" + digest);
  ok({"verify", "mine@" + digest, "--key", "signer.pub"});
  // The human output says where it went and how to pin it.
  ProcResult human = ok({"pull", dest + ":0.1.0", "--plain-http"});
  EXPECT_NE(human.out.find(digest), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("torvyn verify"), std::string::npos) << human.out;
  // inspect and verify take the registry reference itself (fetched into the store).
  EXPECT_EQ(ok_json({"inspect", "oci://" + dest + ":0.1.0", "--plain-http"})["artifact"]["digest"], digest);
  ok({"verify", "oci://" + dest + ":0.1.0", "--plain-http", "--key", "signer.pub"});
  fails({"verify", "oci://" + dest + ":0.1.0", "--plain-http", "--key", "signer.pub", "--identity", "someone/else"}, 1, "E0974");
  fails({"inspect", "oci", "--plain-http"}, 2, "E0977");  // registry options on a local layout
  // A tag the registry does not have: 2, E0973.
  fails({"pull", dest + ":9.9.9", "--plain-http"}, 2, "E0973");
  // `latest` publishes, with a warning inside the JSON document (stdout stays one document).
  ProcResult latest = ok({"--format", "json", "publish", "oci:uppercase:0.1.0", dest + ":latest", "--plain-http"});
  json lj = json::parse(latest.out, nullptr, false);
  ASSERT_FALSE(lj.is_discarded()) << latest.out;
  ASSERT_EQ(lj["warnings"].size(), 1u);
  EXPECT_NE(lj["warnings"][0].get<std::string>().find("mutable"), std::string::npos);
}

TEST_F(Registry, SkopeoCopiesBothWays) {
  if (!fs::exists(kRegistryExe)) GTEST_SKIP() << "docker-registry is not installed";
  if (!have("skopeo")) GTEST_SKIP() << "skopeo is not installed";
  RealRegistry reg;
  ASSERT_TRUE(reg.start(root, {})) << reg.log();
  const std::string digest = pack_upper();
  // skopeo pushes what torvyn packed; torvyn pulls it with the same digest.
  ProcResult cp = sh("skopeo copy --quiet --dest-tls-verify=false oci:oci:uppercase:0.1.0 docker://" + reg.host() + "/by-skopeo/upper:1.0");
  ASSERT_EQ(cp.exit_code, 0) << cp.err;
  json p = ok_json({"pull", reg.host() + "/by-skopeo/upper:1.0", "--plain-http", "-o", "fromskopeo"});
  EXPECT_EQ(p["digest"], digest);
  EXPECT_EQ(ok_json({"inspect", "fromskopeo:1.0"})["artifact"]["digest"], digest);
  // torvyn pushes; skopeo pulls it into a layout torvyn reads back, same digest.
  ok({"publish", "oci:uppercase:0.1.0", reg.host() + "/by-torvyn/upper:2.0", "--plain-http"});
  ProcResult raw = sh("skopeo inspect --raw --tls-verify=false docker://" + reg.host() + "/by-torvyn/upper:2.0");
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(digest_of(raw.out), digest);
  ProcResult back = sh("skopeo copy --quiet --src-tls-verify=false docker://" + reg.host() + "/by-torvyn/upper:2.0 oci:back:upper:2.0");
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(ok_json({"inspect", "back:upper:2.0"})["artifact"]["digest"], digest);
}

TEST_F(Registry, BasicAuthWithHtpasswd) {
  if (!fs::exists(kRegistryExe)) GTEST_SKIP() << "docker-registry is not installed";
  if (!have("htpasswd")) GTEST_SKIP() << "htpasswd (apache2-utils) is not installed";
  ASSERT_EQ(sh("htpasswd -Bbn alice s3cret > htpasswd").exit_code, 0);
  RealRegistry reg;
  ASSERT_TRUE(reg.start(root, {(root / "htpasswd").string(), "", ""})) << reg.log();
  const std::string digest = pack_upper();
  const std::string dest = reg.host() + "/private/upper";
  // No credentials: refused, and the message says how to give them.
  ProcResult anon = fails({"publish", "oci", dest, "--plain-http"}, 1, "E0981");
  EXPECT_NE(anon.err.find("--password-stdin"), std::string::npos) << anon.err;
  // --username with the password on stdin.
  test::write_file(root / "pw", "s3cret\n");
  json pub = ok_json({"publish", "oci", dest, "--plain-http", "--username", "alice", "--password-stdin"}, {}, root / "pw");
  EXPECT_EQ(pub["digest"], digest);
  // A wrong password: refused, naming where the credentials came from.
  test::write_file(root / "bad", "guess\n");
  ProcResult wrong = fails({"pull", dest + ":0.1.0", "--plain-http", "-u", "alice", "--password-stdin"}, 1, "E0981", {}, root / "bad");
  EXPECT_NE(wrong.err.find("--username"), std::string::npos) << wrong.err;
  // The environment, and docker's config.json.
  ok({"pull", dest + ":0.1.0", "--plain-http"}, {{"TORVYN_REGISTRY_USERNAME", "alice"}, {"TORVYN_REGISTRY_PASSWORD", "s3cret"}});
  fs::create_directories(root / "docker");
  test::write_file(root / "docker/config.json", json{{"auths", {{reg.host(), {{"auth", "YWxpY2U6czNjcmV0"}}}}}}.dump());  // alice:s3cret
  ok({"pull", dest + ":0.1.0", "--plain-http"}, {{"DOCKER_CONFIG", (root / "docker").string()}});
  // A user name without a password is a usage problem, found before any request.
  fails({"pull", dest + ":0.1.0", "--plain-http", "-u", "alice"}, 2, "E0981");
}

TEST_F(Registry, TlsWithACaFileAndPlainHttpOnlyOnLoopback) {
  if (!fs::exists(kRegistryExe)) GTEST_SKIP() << "docker-registry is not installed";
  if (!have("openssl")) GTEST_SKIP() << "no openssl command";
  // A CA and a server certificate for 127.0.0.1.
  ProcResult certs = sh(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=torvyn-test-ca 2>/dev/null && "
      "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout srv.key -out srv.csr -subj /CN=127.0.0.1 2>/dev/null && "
      "printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext && "
      "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 -extfile san.ext 2>/dev/null");
  ASSERT_EQ(certs.exit_code, 0) << certs.err;
  RealRegistry reg;
  ASSERT_TRUE(reg.start(root, {"", (root / "srv.pem").string(), (root / "srv.key").string()})) << reg.log();
  const std::string digest = pack_upper();
  const std::string dest = reg.host() + "/tls/upper";
  // The system's trust store does not know the CA: 3, E0980, and the fix.
  ProcResult untrusted = fails({"publish", "oci", dest}, 3, "E0980");
  EXPECT_NE(untrusted.err.find("--ca-file"), std::string::npos) << untrusted.err;
  EXPECT_EQ(ok_json({"publish", "oci", dest, "--ca-file", "ca.pem"})["digest"], digest);
  EXPECT_EQ(ok_json({"pull", dest + ":0.1.0", "--ca-file", "ca.pem"})["digest"], digest);
  fails({"pull", dest + ":0.1.0", "--ca-file", "missing.pem"}, 3, "E0980");
  // Plain HTTP to anything but loopback is refused before a connection is made.
  ProcResult remote = fails({"pull", "registry.example.com/team/upper:1.0", "--plain-http"}, 2, "E0978");
  EXPECT_NE(remote.err.find("127.0.0.1"), std::string::npos) << remote.err;
  fails({"publish", "oci", "10.1.2.3:5000/team/upper", "--plain-http"}, 2, "E0978");
}

TEST_F(Registry, BadReferencesAndAnUnreachableRegistry) {
  fails({"pull", "upper:1.0"}, 2, "E0977");                      // no registry host
  fails({"pull", "example.com/Upper:1.0"}, 2, "E0977");          // upper case in the repository
  fails({"pull", "example.com/upper@sha256:abc"}, 2, "E0977");   // a short digest
  fails({"pull", "example.com/upper"}, 2, "E0977");              // nothing to pull
  pack_upper();
  fails({"publish", "oci", "example.com/upper@sha256:" + std::string(64, 'a')}, 2, "E0977");
  const int closed = free_port();
  ProcResult r = fails({"pull", "127.0.0.1:" + std::to_string(closed) + "/x/upper:1.0", "--plain-http"}, 3, "E0979");
  EXPECT_NE(r.err.find("127.0.0.1:" + std::to_string(closed)), std::string::npos) << r.err;
  // JSON mode: the error is the one document on stdout.
  ProcResult j = torvyn({"--format", "json", "pull", "127.0.0.1:" + std::to_string(closed) + "/x/upper:1.0", "--plain-http"});
  EXPECT_EQ(j.exit_code, 3);
  json doc = json::parse(j.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << j.out;
  EXPECT_EQ(doc["error"]["code"], "E0979");
  EXPECT_TRUE(store_files().empty());
}

TEST_F(Registry, MisbehavingRegistriesAreClearErrorsAndWriteNothing) {
  const std::string digest = pack_upper();
  const ServedImage img = served(root / "oci", digest);
  json m = json::parse(img.manifest);
  const std::string layer = m["layers"][0]["digest"];
  const std::string config = m["config"]["digest"];

  // Serves `img` as it is, except for what `tweak` does to a blob answer.
  enum class Blob { Good, Altered, Endless };
  auto serve = [&](Blob mode) {
    return [&img, mode, layer](httplib::Server& s, int) {
      s.Get(R"(/v2/.*/manifests/(.*))", [&img](const httplib::Request& rq, httplib::Response& rs) {
        if (rq.matches[1] != "0.1.0" && rq.matches[1] != img.manifest_digest()) {
          rs.status = 404;
          rs.set_content(R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})", "application/json");
          return;
        }
        rs.set_content(img.manifest, "application/vnd.oci.image.manifest.v1+json");
      });
      s.Get(R"(/v2/.*/blobs/(sha256:[0-9a-f]+))", [&img, mode, layer](const httplib::Request& rq, httplib::Response& rs) {
        std::string d = rq.matches[1];
        auto it = img.blobs.find(d);
        if (it == img.blobs.end()) {
          rs.status = 404;
          return;
        }
        if (d == layer && mode == Blob::Altered) {
          std::string bad = it->second;
          bad[bad.size() / 2] ^= 1;
          rs.set_content(bad, "application/octet-stream");
        } else if (d == layer && mode == Blob::Endless) {
          rs.set_chunked_content_provider("application/octet-stream", [](size_t, httplib::DataSink& sink) {
            static const std::string chunk(64 * 1024, 'x');
            if (!sink.is_writable()) return false;
            return sink.write(chunk.data(), chunk.size());
          });
        } else {
          rs.set_content(it->second, "application/octet-stream");
        }
      });
    };
  };

  {  // A good fake: the pull works (the baseline for the others).
    FakeRegistry fake(serve(Blob::Good));
    EXPECT_EQ(ok_json({"pull", fake.host() + "/x/upper:0.1.0", "--plain-http", "-o", "good"})["digest"], digest);
    // Into an OCI archive that already holds another image: both are kept.
    ok({"pack", sdk("uppercase").string(), "--tag", "9.0.0", "-o", "both.tar"});
    ok({"pull", fake.host() + "/x/upper:0.1.0", "--plain-http", "-o", "both.tar"});
    EXPECT_EQ(ok_json({"inspect", "both.tar:uppercase:9.0.0"})["artifact"]["ref"], "uppercase:9.0.0");
    EXPECT_EQ(ok_json({"inspect", "both.tar:0.1.0"})["artifact"]["digest"], digest);
  }
  {  // Into the store twice: the second pull asks for the manifest, but no blob is fetched again.
    std::atomic<int> blob_gets{0};
    FakeRegistry fake([&](httplib::Server& s, int port) {
      serve(Blob::Good)(s, port);
      s.set_pre_routing_handler([&blob_gets](const httplib::Request& rq, httplib::Response&) {
        if (rq.path.find("/blobs/") != std::string::npos) ++blob_gets;
        return httplib::Server::HandlerResponse::Unhandled;
      });
    });
    ok({"pull", fake.host() + "/x/upper:0.1.0", "--plain-http"});
    EXPECT_EQ(blob_gets.load(), 2);  // config and layer
    ok({"pull", fake.host() + "/x/upper:0.1.0", "--plain-http"});
    EXPECT_EQ(blob_gets.load(), 2);
    fs::remove_all(cache / "torvyn/oci");
  }
  {  // A layer whose bytes do not hash to its digest: 1, E0971, nothing stored.
    FakeRegistry fake(serve(Blob::Altered));
    ProcResult r = fails({"pull", fake.host() + "/x/upper:0.1.0", "--plain-http"}, 1, "E0971");
    EXPECT_NE(r.err.find(layer), std::string::npos) << r.err;
    EXPECT_TRUE(store_files().empty());
  }
  {  // A layer that never ends: cut off at its descriptor's size, 1, E0983.
    FakeRegistry fake(serve(Blob::Endless));
    fails({"pull", fake.host() + "/x/upper:0.1.0", "--plain-http"}, 1, "E0983");
    EXPECT_TRUE(store_files().empty());
  }
  {  // A manifest whose layer claims 2 GB: refused before it is fetched.
    json big = m;
    big["layers"][0]["size"] = 2ull << 30;
    ServedImage huge = img;
    huge.manifest = big.dump();
    FakeRegistry fake([&huge](httplib::Server& s, int) {
      s.Get(R"(/v2/.*/manifests/.*)", [&huge](const httplib::Request&, httplib::Response& rs) {
        rs.set_content(huge.manifest, "application/vnd.oci.image.manifest.v1+json");
      });
      s.Get(R"(/v2/.*/blobs/.*)", [&huge](const httplib::Request& rq, httplib::Response& rs) {
        auto it = huge.blobs.find(rq.path.substr(rq.path.rfind('/') + 1));
        if (it == huge.blobs.end()) rs.status = 500;
        else rs.set_content(it->second, "application/octet-stream");
      });
    });
    ProcResult r = fails({"pull", fake.host() + "/x/upper:0.1.0", "--plain-http"}, 1, "E0983");
    EXPECT_NE(r.err.find("2147483648"), std::string::npos) << r.err;
    EXPECT_TRUE(store_files().empty());
  }
  {  // A blob the registry does not have, with a long error body: 1, E0972 (the status counts).
    FakeRegistry fake([&img](httplib::Server& s, int) {
      s.Get(R"(/v2/.*/manifests/0.1.0)", [&img](const httplib::Request&, httplib::Response& rs) {
        rs.set_content(img.manifest, "application/vnd.oci.image.manifest.v1+json");
      });
      s.Get(R"(/v2/.*/blobs/.*)", [](const httplib::Request&, httplib::Response& rs) {
        rs.status = 404;
        rs.set_content(std::string(1 << 20, 'e'), "text/plain");
      });
    });
    fails({"pull", fake.host() + "/x/upper:0.1.0", "--plain-http"}, 1, "E0972");
    EXPECT_TRUE(store_files().empty());
  }
  {  // 500 everywhere: 1, E0982, with the status and the registry's message.
    FakeRegistry fake([](httplib::Server& s, int) {
      auto fail = [](const httplib::Request&, httplib::Response& rs) {
        rs.status = 500;
        rs.set_content(R"({"errors":[{"code":"UNKNOWN","message":"disk on fire"}]})", "application/json");
      };
      s.Get(".*", fail);
      s.Post(".*", fail);
      s.Put(".*", fail);
    });
    ProcResult r = fails({"pull", fake.host() + "/x/upper:0.1.0", "--plain-http"}, 1, "E0982");
    EXPECT_NE(r.err.find("500"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("disk on fire"), std::string::npos) << r.err;
    fails({"publish", "oci", fake.host() + "/x/upper", "--plain-http"}, 1, "E0982");
  }
  {  // Garbage for a manifest: 1, E0982; a manifest whose digest the registry misstates: E0971.
    FakeRegistry fake([&img](httplib::Server& s, int) {
      s.Get(R"(/v2/garbage/manifests/.*)", [](const httplib::Request&, httplib::Response& rs) {
        rs.set_content("<html>this is not a registry</html>", "text/html");
      });
      s.Get(R"(/v2/lying/manifests/.*)", [&img](const httplib::Request&, httplib::Response& rs) {
        rs.set_header("Docker-Content-Digest", "sha256:" + std::string(64, '0'));
        rs.set_content(img.manifest, "application/vnd.oci.image.manifest.v1+json");
      });
    });
    fails({"pull", fake.host() + "/garbage:0.1.0", "--plain-http"}, 1, "E0982");
    fails({"pull", fake.host() + "/lying:0.1.0", "--plain-http"}, 1, "E0971");
    // Asking for a digest and getting other bytes.
    fails({"pull", fake.host() + "/garbage@sha256:" + std::string(64, 'a'), "--plain-http"}, 1, "E0971");
  }
  EXPECT_TRUE(store_files().empty());
}

// The docker token protocol: 401 with a Bearer challenge, a token from the realm for the
// repository's scope (with basic credentials), then the token on every request.
TEST_F(Registry, BearerTokenChallenge) {
  const std::string digest = pack_upper();
  const ServedImage img = served(root / "oci", digest);
  std::atomic<int> tokens{0};
  std::string scope_seen;
  std::mutex mu;
  FakeRegistry fake([&](httplib::Server& s, int port) {
    const std::string challenge = "Bearer realm=\"http://127.0.0.1:" + std::to_string(port) + "/token\",service=\"fake-registry\",scope=\"repository:team/upper:pull\"";
    auto authorized = [challenge](const httplib::Request& rq, httplib::Response& rs) {
      if (rq.get_header_value("Authorization") == "Bearer tok-123") return true;
      rs.status = 401;
      rs.set_header("WWW-Authenticate", challenge);
      rs.set_content(R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})", "application/json");
      return false;
    };
    s.Get("/token", [&](const httplib::Request& rq, httplib::Response& rs) {
      // alice:s3cret
      if (rq.get_header_value("Authorization") != "Basic YWxpY2U6czNjcmV0" || rq.get_param_value("service") != "fake-registry") {
        rs.status = 401;
        return;
      }
      {
        std::lock_guard l(mu);
        scope_seen = rq.get_param_value("scope");
      }
      ++tokens;
      rs.set_content(R"({"token":"tok-123","expires_in":300})", "application/json");
    });
    s.Get(R"(/v2/team/upper/manifests/(.*))", [&img, authorized](const httplib::Request& rq, httplib::Response& rs) {
      if (!authorized(rq, rs)) return;
      if (rq.matches[1] != "0.1.0") {
        rs.status = 404;
        return;
      }
      rs.set_content(img.manifest, "application/vnd.oci.image.manifest.v1+json");
    });
    s.Get(R"(/v2/team/upper/blobs/(.*))", [&img, authorized](const httplib::Request& rq, httplib::Response& rs) {
      if (!authorized(rq, rs)) return;
      auto it = img.blobs.find(rq.matches[1]);
      if (it == img.blobs.end()) rs.status = 404;
      else rs.set_content(it->second, "application/octet-stream");
    });
  });
  test::write_file(root / "pw", "s3cret\n");
  json p = ok_json({"pull", fake.host() + "/team/upper:0.1.0", "--plain-http", "-u", "alice", "--password-stdin"}, {}, root / "pw");
  EXPECT_EQ(p["digest"], digest);
  EXPECT_EQ(tokens.load(), 1);  // one token, reused for every request
  {
    std::lock_guard l(mu);
    EXPECT_EQ(scope_seen, "repository:team/upper:pull");
  }
  // No credentials: the token service refuses, 1, E0981.
  ProcResult anon = fails({"pull", fake.host() + "/team/upper:0.1.0", "--plain-http"}, 1, "E0981");
  EXPECT_NE(anon.err.find("token service"), std::string::npos) << anon.err;
  EXPECT_EQ(tokens.load(), 1);
}

// Pushing through the token protocol: a token for pull,push, a relative upload Location, blobs
// stored only when their bytes match the digest in the PUT.
TEST_F(Registry, BearerTokenForPushAndARelativeUploadLocation) {
  const std::string digest = pack_upper();
  std::mutex mu;
  std::map<std::string, std::string> blobs, manifests;
  std::string scope_seen;
  FakeRegistry fake([&](httplib::Server& s, int port) {
    const std::string challenge = "Bearer realm=\"http://127.0.0.1:" + std::to_string(port) + "/token\",service=\"fake\"";
    auto authorized = [challenge](const httplib::Request& rq, httplib::Response& rs) {
      if (rq.get_header_value("Authorization") == "Bearer push-tok") return true;
      rs.status = 401;
      rs.set_header("WWW-Authenticate", challenge);
      return false;
    };
    s.Get("/token", [&](const httplib::Request& rq, httplib::Response& rs) {
      std::lock_guard l(mu);
      scope_seen = rq.get_param_value("scope");
      rs.set_content(R"({"access_token":"push-tok"})", "application/json");  // anonymous tokens, as some registries give
    });
    s.Get(R"(/v2/team/upper/blobs/(.*))", [&, authorized](const httplib::Request& rq, httplib::Response& rs) {
      if (!authorized(rq, rs)) return;
      std::lock_guard l(mu);
      if (!blobs.count(rq.matches[1])) rs.status = 404;
      else rs.set_content(blobs[rq.matches[1]], "application/octet-stream");
    });
    s.Post("/v2/team/upper/blobs/uploads/", [&, authorized](const httplib::Request& rq, httplib::Response& rs) {
      if (!authorized(rq, rs)) return;
      rs.status = 202;
      rs.set_header("Location", "/v2/team/upper/blobs/uploads/u1?_state=abc");
    });
    s.Put("/v2/team/upper/blobs/uploads/u1", [&, authorized](const httplib::Request& rq, httplib::Response& rs) {
      if (!authorized(rq, rs)) return;
      const std::string d = rq.get_param_value("digest");
      if (rq.get_param_value("_state") != "abc" || digest_of(rq.body) != d) {
        rs.status = 400;
        rs.set_content(R"({"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"}]})", "application/json");
        return;
      }
      std::lock_guard l(mu);
      blobs[d] = rq.body;
      rs.status = 201;
    });
    s.Put(R"(/v2/team/upper/manifests/(.*))", [&, authorized](const httplib::Request& rq, httplib::Response& rs) {
      if (!authorized(rq, rs)) return;
      std::lock_guard l(mu);
      manifests[rq.matches[1]] = rq.body;
      rs.status = 201;
      rs.set_header("Docker-Content-Digest", digest_of(rq.body));
    });
  });
  json pub = ok_json({"publish", "oci", fake.host() + "/team/upper", "--plain-http"});
  EXPECT_EQ(pub["digest"], digest);
  EXPECT_EQ(pub["blobs_uploaded"], 2);
  std::lock_guard l(mu);
  EXPECT_EQ(scope_seen, "repository:team/upper:pull,push");
  ASSERT_TRUE(manifests.count("0.1.0"));
  EXPECT_EQ(digest_of(manifests["0.1.0"]), digest);  // the layout's bytes, as they are
  EXPECT_EQ(blobs.size(), 2u);
}

// oci:// components in Torvyn.toml: locked to a digest, fetched into the store, run from it (also
// when the registry is down), inspected, and refused without a trusted signature.
TEST_F(Registry, OciComponentsLockRunOfflineAndSignatures) {
  if (!fs::exists(kRegistryExe)) GTEST_SKIP() << "docker-registry is not installed";
  if (!fs::exists(sdk("counter_source")) || !fs::exists(sdk("collect_sink"))) GTEST_SKIP() << "SDK components missing";
  auto reg = std::make_unique<RealRegistry>();
  ASSERT_TRUE(reg->start(root, {})) << reg->log();
  const std::string host = reg->host();
  const std::string signed_digest = pack_upper();
  ok({"key", "generate", "-o", "signer"});
  ok({"key", "generate", "-o", "stranger"});
  const std::string stranger_id = json::parse(ok({"--format", "json", "key", "show", "stranger.pub"}).out)["key_id"];
  ok({"sign", "oci:uppercase:0.1.0", "--key", "signer.key"});
  ok({"publish", "oci:uppercase:0.1.0", host + "/torvyn/upper", "--plain-http"});
  // 0.2.0: the same component, unsigned.
  json p2 = ok_json({"pack", sdk("uppercase").string(), "--tag", "0.2.0", "-o", "oci2"});
  ok({"publish", "oci2", host + "/torvyn/upper", "--plain-http"});

  auto manifest = [&](const std::string& tag, const std::string& security) {
    const std::string c = std::string("file://") + TORVYN_SDK_COMPONENTS + "/";
    test::write_file(root / "Torvyn.toml",
                     "[torvyn]\nname = \"reg\"\nversion = \"0.1.0\"\ncontract_version = \"0.1.0\"\n\n"
                     "[runtime]\nengine = \"interp\"\n\n" + security +
                     "[flow.main]\n"
                     "nodes.source = { component = \"" + c + "counter_source.wasm\", config = \"count=3\" }\n"
                     "nodes.upper = { component = \"oci://" + host + "/torvyn/upper:" + tag + "\" }\n"
                     "nodes.sink = { component = \"" + c + "collect_sink.wasm\" }\n"
                     "edges = [\n  { from = { node = \"source\" }, to = { node = \"upper\" } },\n"
                     "  { from = { node = \"upper\" }, to = { node = \"sink\" } },\n]\n");
  };
  const std::string require_signer = "[security]\nrequire_signatures = true\ntrusted_keys = [\"signer.pub\"]\n\n";

  // The unsigned 0.2.0: lock and run work without the policy; with it, both refuse (1, E0975).
  manifest("0.2.0", "");
  json l2 = ok_json({"lock", "--plain-http"});
  EXPECT_EQ(l2["artifacts"][0]["digest"], p2["images"][0]["digest"]);
  ok({"run"});
  manifest("0.2.0", require_signer);
  ProcResult unsig = fails({"run"}, 1, "E0975");
  EXPECT_NE(unsig.err.find("oci://" + host + "/torvyn/upper:0.2.0"), std::string::npos) << unsig.err;
  EXPECT_NE(unsig.err.find("trusted keys tried"), std::string::npos) << unsig.err;
  fails({"lock", "--plain-http"}, 1, "E0975");

  // The signed 0.1.0: locked, run and checked from the store; the policy passes with its signer.
  manifest("0.1.0", "");
  json l1 = ok_json({"lock", "--plain-http"});
  EXPECT_EQ(l1["artifacts"][0]["digest"], signed_digest);
  EXPECT_EQ(l1["artifacts"][0]["signature"], "not-verified");
  const std::string lock_text = test::read_file(root / "Torvyn.lock");
  EXPECT_NE(lock_text.find("reference = \"oci://" + host + "/torvyn/upper:0.1.0\""), std::string::npos) << lock_text;
  EXPECT_NE(lock_text.find("digest = \"" + signed_digest + "\""), std::string::npos) << lock_text;
  ok({"run"});
  ProcResult chk = ok({"--format", "json", "check"});
  EXPECT_FALSE(json::parse(chk.out, nullptr, false).is_discarded()) << chk.out;
  manifest("0.1.0", require_signer);
  ok({"run"});
  // A key that did not sign it: 1, E0974, naming the key tried.
  manifest("0.1.0", "[security]\nrequire_signatures = true\ntrusted_keys = [\"stranger.pub\"]\n\n");
  ProcResult wrong = fails({"run"}, 1, "E0974");
  EXPECT_NE(wrong.err.find(stranger_id), std::string::npos) << wrong.err;

  // `latest`, even locked: a warning, and an error under check/link --strict.
  ok({"publish", "oci:uppercase:0.1.0", host + "/torvyn/upper:latest", "--plain-http"});
  manifest("latest", "");
  ok({"lock", "--plain-http"});
  ok({"check"});
  ProcResult strict = torvyn({"--format", "json", "check", "--strict"});
  EXPECT_EQ(strict.exit_code, 1) << strict.out << strict.err;
  EXPECT_NE(strict.out.find("refused under --strict"), std::string::npos) << strict.out;
  EXPECT_FALSE(json::parse(strict.out, nullptr, false).is_discarded()) << strict.out;
  ProcResult lstrict = torvyn({"link", "--strict"});
  EXPECT_EQ(lstrict.exit_code, 1) << lstrict.err;
  EXPECT_NE(lstrict.err.find("refused under --strict"), std::string::npos) << lstrict.err;
  manifest("0.1.0", "");
  ok({"lock", "--plain-http"});

  // As a [[component]]'s path: build takes it as prebuilt, and nodes name it.
  {
    std::string text = test::read_file(root / "Torvyn.toml");
    const std::string node = "component = \"oci://" + host + "/torvyn/upper:0.1.0\"";
    text.replace(text.find(node), node.size(), "component = \"upper\"");
    text.replace(text.find("[flow.main]"), 0, "[[component]]\nname = \"upper\"\npath = \"oci://" + host + "/torvyn/upper:0.1.0\"\n\n");
    test::write_file(root / "Torvyn.toml", text);
    ProcResult b = ok({"--format", "json", "build"});
    EXPECT_NE(b.out.find("prebuilt"), std::string::npos) << b.out;
    ok({"run"});
  }

  // The registry goes away: the locked digest still runs from the store, without a word.
  reg.reset();
  manifest("0.1.0", require_signer);
  ProcResult offline = ok({"run"});
  EXPECT_EQ(offline.err.find("unreachable"), std::string::npos) << offline.err;
  // Without the lock, the tag is asked of the registry; unreachable, the store's copy is used and
  // check says so — inside its one JSON document — and warns that the tag is not pinned.
  fs::remove(root / "Torvyn.lock");
  ProcResult down = ok({"run"});
  EXPECT_NE(down.err.find("unreachable"), std::string::npos) << down.err;
  ProcResult cj = ok({"--format", "json", "check"});
  json diags = json::parse(cj.out, nullptr, false);
  ASSERT_TRUE(diags.is_array()) << cj.out;
  bool unreachable = false, unpinned = false;
  for (const auto& d : diags) {
    unreachable |= d["code"] == "E0979";
    unpinned |= d["message"].get<std::string>().find("without a digest") != std::string::npos;
  }
  EXPECT_TRUE(unreachable && unpinned) << cj.out;
  EXPECT_EQ(torvyn({"check", "--strict"}).exit_code, 1);
  // inspect reads it from the store too.
  json ins = ok_json({"inspect", "oci://" + host + "/torvyn/upper:0.1.0"});
  EXPECT_EQ(ins["artifact"]["digest"], signed_digest);
  // A digest in the reference pins it as written: run and link from the store, no lock, no word.
  {
    manifest("0.1.0", "");
    std::string text = test::read_file(root / "Torvyn.toml");
    const std::string tagged = "/torvyn/upper:0.1.0";
    text.replace(text.find(tagged), tagged.size(), "/torvyn/upper@" + signed_digest);
    test::write_file(root / "Torvyn.toml", text);
    ProcResult pinned = ok({"run"});
    EXPECT_EQ(pinned.err.find("unreachable"), std::string::npos) << pinned.err;
    ok({"link", "--strict"});
  }
  // A tag the store never saw, with the registry down: 3, E0979.
  manifest("9.9.9", "");
  fails({"run"}, 3, "E0979");
  // A damaged lock file: 2, E0984.
  manifest("0.1.0", "");
  test::write_file(root / "Torvyn.lock", "version = 1\n[[artifact]]\nreference = \"oci://x/y:1\"\ndigest = \"md5:abc\"\n");
  fails({"run"}, 2, "E0984");
}

// [registry."HOST:PORT"] in Torvyn.toml: run, check and lock reach a plain-HTTP loopback registry
// (or one with a private CA) without command-line options, so a tag needs no prior `lock --plain-http`.
TEST_F(Registry, ARegistrySectionLetsRunAndLockReachIt) {
  if (!fs::exists(kRegistryExe)) GTEST_SKIP() << "docker-registry is not installed";
  if (!fs::exists(sdk("counter_source")) || !fs::exists(sdk("collect_sink"))) GTEST_SKIP() << "SDK components missing";
  auto reg = std::make_unique<RealRegistry>();
  ASSERT_TRUE(reg->start(root, {})) << reg->log();
  const std::string host = reg->host();
  const std::string digest = pack_upper();
  ok({"publish", "oci:uppercase:0.1.0", host + "/torvyn/upper", "--plain-http"});
  auto manifest = [&](const std::string& registry) {
    const std::string c = std::string("file://") + TORVYN_SDK_COMPONENTS + "/";
    test::write_file(root / "Torvyn.toml",
                     "[torvyn]\nname = \"reg\"\nversion = \"0.1.0\"\ncontract_version = \"0.1.0\"\n\n"
                     "[runtime]\nengine = \"interp\"\n\n" + registry +
                     "[flow.main]\n"
                     "nodes.source = { component = \"" + c + "counter_source.wasm\", config = \"count=3\" }\n"
                     "nodes.upper = { component = \"oci://" + host + "/torvyn/upper:0.1.0\" }\n"
                     "nodes.sink = { component = \"" + c + "collect_sink.wasm\" }\n"
                     "edges = [\n  { from = { node = \"source\" }, to = { node = \"upper\" } },\n"
                     "  { from = { node = \"upper\" }, to = { node = \"sink\" } },\n]\n");
  };
  // Without the section, run speaks https to it, and fails.
  manifest("");
  EXPECT_NE(torvyn({"run"}).exit_code, 0);
  // With it: run resolves the tag from the registry itself (no lock), then lock pins it.
  manifest("[registry.\"" + host + "\"]\nplain_http = true\n\n");
  ok({"run"});
  json l = ok_json({"lock"});
  EXPECT_EQ(l["artifacts"][0]["digest"], digest);
  ok({"check"});
  // plain_http for a host that is not loopback is refused where it is written (2, E0978).
  manifest("[registry.\"registry.example.com\"]\nplain_http = true\n\n");
  ProcResult remote = fails({"check"}, 2, "E0978");
  EXPECT_NE(remote.err.find("Torvyn.toml:"), std::string::npos) << remote.err;
}

}  // namespace
}  // namespace torvyn
