// torvyn pack: components as OCI artifacts (CNCF Wasm OCI artifact format, packaging/artifact.h)
// in one OCI image layout — a directory or a .tar — that skopeo, umoci, oras and registries read.
//
//   torvyn pack [COMPONENT...] [--output DIR | FILE.tar] [--tag VERSION] [--author A]
//               [--source URL] [--revision REV] [--manifest Torvyn.toml] [--config K=V]...
//
// COMPONENT is a [[component]] name (its built .wasm, as `torvyn run` loads it) or a .wasm path;
// none = every [[component]] of the project. Each becomes an image named "<name>:<version>"
// (version: --tag, else [torvyn] version). Default output: <project>/target/oci. Packing into an
// existing layout adds or replaces those images and keeps the others. Source and revision default
// to the project's git remote (without credentials) and HEAD commit, when there is one.
//
// Exit codes: 0 packed; 1 a file is not a component Torvyn can read (E02xx); 2 usage, manifest,
// an unbuilt component, an output that is not a layout, I/O.

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "artifacts.h"
#include "torvyn/base/file_read.h"
#include "torvyn/base/json_text.h"
#include "torvyn/host/runtime.h"
#include "torvyn/packaging/artifact.h"

namespace torvyn::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct PackArgs {
  std::vector<std::string> components;
  std::string output, tag, author, source, revision, description;
  std::string manifest = "Torvyn.toml";
  std::vector<std::string> config;
};

// stdout of `argv` run in `cwd` (first line), "" when it fails or is not there.
std::string capture(const std::vector<std::string>& argv, const fs::path& cwd) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return "";
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return "";
  }
  if (pid == 0) {
    ::dup2(fds[1], 1);
    int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, 0);
      ::dup2(devnull, 2);
    }
    if (::chdir(cwd.c_str()) != 0) ::_exit(127);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    ::execvp(a[0], a.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string out;
  char buf[512];
  for (;;) {
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (out.size() < 4096) out.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "";
  if (auto nl = out.find('\n'); nl != std::string::npos) out.resize(nl);
  return out;
}

// A remote URL without user:password@ (a token in a clone URL must not end up in an artifact).
std::string without_credentials(std::string url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  size_t host = scheme + 3, slash = url.find('/', host), at = url.find('@', host);
  if (at != std::string::npos && (slash == std::string::npos || at < slash)) url.erase(host, at + 1 - host);
  return url;
}

struct Target {
  std::string name;
  fs::path file;
  std::string world;
};

int pack(const Globals& g, const PackArgs& a) {
  int code = kOk;
  std::error_code ec;
  bool need_manifest = a.components.empty();
  for (const std::string& c : a.components)
    if (!(fs::exists(c, ec) || c.find('/') != std::string::npos || fs::path(c).extension() == ".wasm")) need_manifest = true;
  std::optional<config::Config> cfg;
  if (need_manifest || fs::is_regular_file(a.manifest, ec)) {
    if (!fs::is_regular_file(a.manifest, ec)) {
      print_error(g, Error(ErrorCode::IoError, "no manifest at " + a.manifest + ": give .wasm files, or run in a project (or pass --manifest)"));
      return kUsage;
    }
    cfg = load_manifest(g, a.manifest, a.config, code);
    if (!cfg) return code;
  }

  std::vector<Target> targets;
  auto add_decl = [&](const config::ComponentDecl& d) -> bool {
    fs::path declared = d.path.rfind("file://", 0) == 0 ? fs::path(d.path.substr(7)) : fs::path(d.path);
    fs::path file = declared.extension() == ".wasm" ? (declared.is_relative() ? cfg->project_dir / declared : declared) : host::built_component_path(*cfg, d);
    if (!fs::is_regular_file(file, ec)) {
      print_error(g, Error(ErrorCode::IoError, "component `" + d.name + "` is not built: no " + file.string() + " (run `torvyn build`)"));
      return false;
    }
    targets.push_back({d.name, file, d.world});
    return true;
  };
  if (a.components.empty()) {
    if (cfg->components.empty()) {
      print_error(g, Error(ErrorCode::ConfigMissingKey, cfg->manifest_path.string() + " declares no [[component]] to pack"));
      return kUsage;
    }
    for (const auto& d : cfg->components)
      if (!add_decl(d)) return kUsage;
  }
  for (const std::string& c : a.components) {
    if (fs::exists(c, ec) || c.find('/') != std::string::npos || fs::path(c).extension() == ".wasm") {
      if (!fs::is_regular_file(c, ec)) {
        print_error(g, Error(ErrorCode::IoError, "no such file: " + c));
        return kUsage;
      }
      targets.push_back({fs::path(c).stem().string(), c, ""});
      continue;
    }
    const config::ComponentDecl* d = cfg->find_component(c);
    if (!d) {
      std::string known;
      for (const auto& x : cfg->components) known += (known.empty() ? "" : ", ") + x.name;
      print_error(g, Error(ErrorCode::ConfigUnknownReference, "no file and no [[component]] named `" + c + "` in " + cfg->manifest_path.string() +
                                                                  (known.empty() ? "" : " (components: " + known + ")")));
      return kUsage;
    }
    if (!add_decl(*d)) return kUsage;
  }

  std::string version = !a.tag.empty() ? a.tag : cfg ? cfg->project.version : "";
  if (version.empty()) {
    print_error(g, Error(ErrorCode::ConfigMissingKey, "no version to tag the artifacts with: pass --tag VERSION (or set [torvyn] version in Torvyn.toml)"));
    return kUsage;
  }
  if (version == "latest" && !g.quiet)
    std::cerr << "warning: `latest` is a mutable tag; the operator's guide says to pin production components (deploy by digest)\n";
  fs::path output = !a.output.empty() ? fs::path(a.output) : cfg ? cfg->project_dir / "target" / "oci" : fs::path();
  if (output.empty()) {
    print_error(g, Error(ErrorCode::ConfigMissingKey, "no --output: give a layout directory or a FILE.tar"));
    return kUsage;
  }
  fs::path where = cfg ? cfg->project_dir : fs::current_path(ec);
  std::string source = a.source, revision = a.revision;
  if (source.empty()) source = without_credentials(capture({"git", "config", "--get", "remote.origin.url"}, where));
  if (revision.empty()) revision = capture({"git", "rev-parse", "HEAD"}, where);

  // The output: an existing layout is read (and verified) so its other images are kept.
  packaging::Layout layout;
  struct stat st;
  if (::lstat(output.c_str(), &st) == 0 &&
      ((S_ISDIR(st.st_mode) && fs::exists(output / "oci-layout", ec)) || (S_ISREG(st.st_mode) && packaging::is_tar_path(output)))) {
    auto old = packaging::read_layout(output);
    if (!old) {
      Error e = old.error();
      e.message += " (the existing output cannot be added to: remove it, or choose another --output)";
      print_error(g, e);
      return kUsage;
    }
    layout = std::move(*old);
  }

  const std::string created = packaging::created_now();
  json images = json::array();
  std::vector<std::string> lines;
  for (const Target& t : targets) {
    auto bytes = read_file_capped(t.file.string(), kMaxComponentFileBytes, "component");
    if (!bytes) {
      print_error(g, bytes.error());
      return bytes.error().code == ErrorCode::IoError ? kUsage : kFailed;
    }
    packaging::PackRequest req;
    req.name = t.name;
    req.version = version;
    req.wasm = std::move(*bytes);
    req.declared_world = t.world;
    req.created = created;
    req.author = a.author;
    req.source = source;
    req.revision = revision;
    req.description = !a.description.empty() ? a.description : cfg ? cfg->project.description : "";
    auto p = packaging::add_component(layout, req);
    if (!p) {
      Error e = p.error();
      e.message = t.file.string() + ": " + e.message;
      print_error(g, e);
      return e.code == ErrorCode::ArtifactInvalid ? kUsage : kFailed;
    }
    std::string caps;
    for (const auto& c : p->facts.capabilities) caps += (caps.empty() ? "" : ", ") + c;
    images.push_back({{"name", t.name},
                      {"file", t.file.string()},
                      {"ref", p->manifest.ref_name()},
                      {"digest", p->manifest.digest},
                      {"layer_digest", p->layer.digest},
                      {"size", p->layer.size},
                      {"roles", p->facts.roles},
                      {"world", p->facts.target},
                      {"capabilities", p->facts.capabilities}});
    lines.push_back("packed " + p->manifest.ref_name() + "  " + p->manifest.digest + "  (" + std::to_string(p->layer.size) + " bytes, " +
                    (p->facts.target.empty() ? "no Torvyn world" : p->facts.target) + ", capabilities: " + (caps.empty() ? "none" : caps) + ")");
  }
  if (auto w = packaging::write_layout(layout, output); !w) {
    print_error(g, w.error());
    return kUsage;
  }
  if (g.json()) {
    std::cout << json_text(json{{"output", output.string()}, {"format", packaging::is_tar_path(output) ? "oci-archive" : "oci-layout"}, {"images", images}}, 2)
              << "\n";
    return kOk;
  }
  if (!g.quiet) {
    for (const auto& l : lines) std::cout << l << "\n";
    const std::string transport = packaging::is_tar_path(output) ? "oci-archive:" : "oci:";
    std::cout << "into " << output.string() << " (OCI image layout" << (packaging::is_tar_path(output) ? " in a tar" : "") << ")\n"
              << "pin by digest: " << output.string() << "@" << images[0]["digest"].get<std::string>() << "; sign: torvyn sign "
              << output.string() << ":" << images[0]["ref"].get<std::string>() << " --key KEY; other tools: skopeo inspect --raw " << transport
              << output.string() << ":" << images[0]["ref"].get<std::string>() << "\n";
  }
  return kOk;
}

}  // namespace

void add_pack(CLI::App& app, const Globals& g, int& exit_code) {
  auto a = std::make_shared<PackArgs>();
  CLI::App* c = app.add_subcommand("pack", "Package components as OCI artifacts (an OCI image layout directory or .tar)");
  c->add_option("components", a->components, "[[component]] names or .wasm files (default: every [[component]] of the project)");
  c->add_option("--output,-o", a->output, "A layout directory, or FILE.tar (default: target/oci in the project)");
  c->add_option("--tag,-t", a->tag, "The version to tag each artifact with (default: [torvyn] version)");
  c->add_option("--author", a->author, "The config's author and org.opencontainers.image.authors");
  c->add_option("--source", a->source, "org.opencontainers.image.source (default: the git remote of the project)");
  c->add_option("--revision", a->revision, "org.opencontainers.image.revision (default: the git HEAD commit)");
  c->add_option("--description", a->description, "org.opencontainers.image.description (default: [torvyn] description)");
  c->add_option("--manifest,-m", a->manifest, "Path to Torvyn.toml")->capture_default_str();
  c->add_option("--config,-c", a->config, "Override a configuration key: KEY=VALUE (repeatable)");
  c->callback([&g, &exit_code, a] { exit_code = pack(g, *a); });
}

}  // namespace torvyn::cli
