// [security.grants.<component>] dirs = [{ host, guest, mode }] and env = [...]: what the WASI host
// preopens for a component and which host environment variables it passes, and every way of
// getting them wrong (a located diagnostic with expected, found and a fix; no config).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "torvyn/config/config.h"

namespace torvyn::config {
namespace {

namespace fs = std::filesystem;

class Grants : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/torvyn-grants-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
    fs::create_directory(dir / "data");
    fs::create_directory(dir / "out");
    std::ofstream(dir / "file.txt") << "not a directory";
  }
  void TearDown() override { fs::remove_all(dir); }

  // A manifest whose [security.grants.probe] section is `grant` (its first line is line 6).
  LoadResult load_grant(const std::string& grant, const std::string& security = "") {
    std::ofstream(dir / "Torvyn.toml") << "[torvyn]\nname = \"g\"\n[[component]]\nname = \"probe\"\npath = \"p.wasm\"\n"
                                       << "[security.grants.probe]\n"
                                       << grant << security;
    LoadOptions o;
    o.use_process_env = false;
    return load(dir / "Torvyn.toml", o);
  }

  static std::string dump(const LoadResult& r) {
    std::string out;
    for (const auto& d : r.diagnostics) out += render_human(d, r.source_for(d));
    return out;
  }

  // The one error of `r`, checked for completeness; nullptr (and a failure) when there is not exactly one.
  static const Diagnostic* only_error(const LoadResult& r) {
    const Diagnostic* found = nullptr;
    size_t errors = 0;
    for (const auto& d : r.diagnostics)
      if (d.severity == Severity::Error) {
        found = &d;
        ++errors;
      }
    EXPECT_EQ(errors, 1u) << dump(r);
    EXPECT_FALSE(r.ok());
    if (errors != 1) return nullptr;
    EXPECT_GT(found->location.line, 0u) << render_human(*found);
    EXPECT_FALSE(found->expected.empty()) << render_human(*found);
    EXPECT_FALSE(found->found.empty()) << render_human(*found);
    EXPECT_FALSE(found->help.empty()) << render_human(*found);
    return found;
  }

  fs::path dir;
};

TEST_F(Grants, DirsAndEnvAreRead) {
  LoadResult r = load_grant("capabilities = [\"wasi:filesystem\", \"wasi:cli/environment\"]\n"
                            "dirs = [{ host = \"data\", guest = \"/data\", mode = \"ro\" },\n"
                            "        { host = \"" + (dir / "out").string() + "\", guest = \"/out/\", mode = \"rw\" },\n"
                            "        { host = \"data\", guest = \"/again\" }]\n"
                            "env = [\"HOME\", \"GREETING\"]\n");
  ASSERT_TRUE(r.ok()) << dump(r);
  EXPECT_TRUE(r.diagnostics.empty()) << dump(r);
  const SecurityConfig& sec = r.config->security;
  ASSERT_EQ(sec.wasi.count("probe"), 1u);
  const auto& w = sec.wasi.at("probe");
  ASSERT_EQ(w.dirs.size(), 3u);
  EXPECT_EQ(w.dirs[0].host, (dir / "data").string());  // relative to the manifest's directory
  EXPECT_EQ(w.dirs[0].guest, "/data");
  EXPECT_FALSE(w.dirs[0].writable);
  EXPECT_EQ(w.dirs[1].host, (dir / "out").string());
  EXPECT_EQ(w.dirs[1].guest, "/out");  // normalised
  EXPECT_TRUE(w.dirs[1].writable);
  EXPECT_FALSE(w.dirs[2].writable);  // mode defaults to read-only
  EXPECT_EQ(w.env, (std::vector<std::string>{"HOME", "GREETING"}));
  EXPECT_EQ(sec.grants.at("probe"), (std::vector<std::string>{"wasi:filesystem", "wasi:cli/environment"}));
}

TEST_F(Grants, AncestorGrantAndAllowAllCoverEnvAndDirs) {
  LoadResult r = load_grant("capabilities = [\"wasi:cli\"]\nenv = [\"HOME\"]\n");
  ASSERT_TRUE(r.ok()) << dump(r);
  r = load_grant("dirs = [{ host = \"data\", guest = \"/data\" }]\nenv = [\"HOME\"]\n",
                 "[security]\ndefault_capability_policy = \"allow-all\"\n");
  ASSERT_TRUE(r.ok()) << dump(r);
  EXPECT_EQ(r.config->security.wasi.at("probe").dirs.size(), 1u);
}

TEST_F(Grants, MissingHostDirectory) {
  LoadResult r = load_grant("capabilities = [\"wasi:filesystem\"]\ndirs = [{ host = \"nope\", guest = \"/data\" }]\n");
  const Diagnostic* d = only_error(r);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->code, ErrorCode::ConfigInvalidValue);
  EXPECT_EQ(d->key, "security.grants.probe.dirs[0].host");
  EXPECT_EQ(d->location.file, (dir / "Torvyn.toml").string());
  EXPECT_EQ(d->location.line, 8u);
  EXPECT_NE(d->message.find((dir / "nope").string() + " does not exist"), std::string::npos) << d->message;
  EXPECT_NE(d->found.find("\"nope\""), std::string::npos) << d->found;
  EXPECT_NE(d->help.find("mkdir -p"), std::string::npos) << d->help;
}

TEST_F(Grants, HostIsNotADirectory) {
  LoadResult r = load_grant("capabilities = [\"wasi:filesystem\"]\ndirs = [{ host = \"file.txt\", guest = \"/data\" }]\n");
  const Diagnostic* d = only_error(r);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->key, "security.grants.probe.dirs[0].host");
  EXPECT_NE(d->message.find("is not a directory"), std::string::npos) << d->message;
}

TEST_F(Grants, GuestPathMustBeAbsoluteAndPlain) {
  LoadResult r = load_grant("capabilities = [\"wasi:filesystem\"]\ndirs = [{ host = \"data\", guest = \"data\" }]\n");
  const Diagnostic* d = only_error(r);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->code, ErrorCode::ConfigInvalidValue);
  EXPECT_EQ(d->key, "security.grants.probe.dirs[0].guest");
  EXPECT_NE(d->expected.find("absolute"), std::string::npos) << d->expected;
  EXPECT_NE(d->help.find("guest = \"/data\""), std::string::npos) << d->help;

  r = load_grant("capabilities = [\"wasi:filesystem\"]\ndirs = [{ host = \"data\", guest = \"/data/../etc\" }]\n");
  d = only_error(r);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->key, "security.grants.probe.dirs[0].guest");
  EXPECT_NE(d->message.find(".."), std::string::npos) << d->message;
}

TEST_F(Grants, DuplicateGuestPaths) {
  LoadResult r = load_grant("capabilities = [\"wasi:filesystem\"]\n"
                            "dirs = [{ host = \"data\", guest = \"/data\" }, { host = \"out\", guest = \"//data/\" }]\n");
  const Diagnostic* d = only_error(r);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->code, ErrorCode::ConfigDuplicate);
  EXPECT_EQ(d->key, "security.grants.probe.dirs[1].guest");
  ASSERT_FALSE(d->notes.empty());
  EXPECT_NE(d->notes[0].find("Torvyn.toml:8:"), std::string::npos) << d->notes[0];
}

TEST_F(Grants, UnknownMode) {
  LoadResult r = load_grant("capabilities = [\"wasi:filesystem\"]\ndirs = [{ host = \"data\", guest = \"/data\", mode = \"rx\" }]\n");
  const Diagnostic* d = only_error(r);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->code, ErrorCode::ConfigInvalidValue);
  EXPECT_EQ(d->key, "security.grants.probe.dirs[0].mode");
  EXPECT_NE(d->expected.find("\"ro\", \"rw\""), std::string::npos) << d->expected;
  EXPECT_NE(d->found.find("\"rx\""), std::string::npos) << d->found;
}

TEST_F(Grants, DirsNeedTheFilesystemCapability) {
  LoadResult r = load_grant("capabilities = [\"wasi:random\"]\ndirs = [{ host = \"data\", guest = \"/data\" }]\n");
  const Diagnostic* d = only_error(r);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->code, ErrorCode::ConfigInvalidValue);
  EXPECT_EQ(d->key, "security.grants.probe.dirs");
  EXPECT_NE(d->message.find("does not grant \"wasi:filesystem\""), std::string::npos) << d->message;
  EXPECT_NE(d->help.find("add \"wasi:filesystem\" to capabilities"), std::string::npos) << d->help;

  r = load_grant("dirs = [{ host = \"data\", guest = \"/data\" }]\n");  // no capabilities at all
  d = only_error(r);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->found, "no capabilities");
}

TEST_F(Grants, EnvNeedsTheEnvironmentCapabilityAndNamesOnly) {
  LoadResult r = load_grant("capabilities = [\"wasi:filesystem\"]\nenv = [\"HOME\"]\n");
  const Diagnostic* d = only_error(r);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->key, "security.grants.probe.env");
  EXPECT_NE(d->message.find("does not grant \"wasi:cli/environment\""), std::string::npos) << d->message;

  r = load_grant("capabilities = [\"wasi:cli/environment\"]\nenv = [\"HOME=/root\"]\n");
  d = only_error(r);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->key, "security.grants.probe.env[0]");
  EXPECT_NE(d->help.find("names only"), std::string::npos) << d->help;
}

TEST_F(Grants, WrongShapes) {
  LoadResult r = load_grant("capabilities = [\"wasi:filesystem\"]\ndirs = [\"data\"]\n");
  const Diagnostic* d = only_error(r);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->code, ErrorCode::ConfigWrongType);
  EXPECT_EQ(d->key, "security.grants.probe.dirs[0]");

  r = load_grant("capabilities = [\"wasi:filesystem\"]\ndirs = [{ guest = \"/data\" }]\n");
  d = only_error(r);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->code, ErrorCode::ConfigMissingKey);
  EXPECT_EQ(d->key, "security.grants.probe.dirs[0].host");

  // A misspelt key of an entry: a warning with the suggestion (and the entry lacks `guest`).
  r = load_grant("capabilities = [\"wasi:filesystem\"]\ndirs = [{ host = \"data\", gust = \"/data\" }]\n");
  bool suggested = false;
  for (const auto& diag : r.diagnostics) suggested |= diag.help.find("security.grants.probe.dirs[0].guest") != std::string::npos;
  EXPECT_TRUE(suggested) << dump(r);
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace torvyn::config
