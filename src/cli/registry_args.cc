#include "registry_args.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "torvyn/base/file_read.h"
#include "torvyn/packaging/signing.h"

namespace torvyn::cli {

namespace {

namespace fs = std::filesystem;

// A password on stdin: at most 4 KiB, the first line (a trailing newline is not part of it).
Result<std::string> read_password_stdin() {
  std::string s;
  char buf[512];
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error(ErrorCode::IoError, std::string("cannot read the password from standard input: ") + std::strerror(errno));
    if (n == 0) break;
    s.append(buf, static_cast<size_t>(n));
    if (s.size() > 4096) return Error(ErrorCode::RegistryAuthFailed, "--password-stdin: more than 4 KiB on standard input; give the password alone");
  }
  if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
  if (!s.empty() && s.back() == '\r') s.pop_back();
  if (s.empty()) return Error(ErrorCode::RegistryAuthFailed, "--password-stdin: standard input is empty (pipe the password in: `... --password-stdin < file`)");
  return s;
}

// The registry's entry in docker's config.json, if any ("auth": base64 of "user:password").
std::optional<packaging::RegistryCredentials> docker_config(const std::string& host) {
  fs::path file;
  if (const char* d = std::getenv("DOCKER_CONFIG"); d && *d) file = fs::path(d) / "config.json";
  else if (const char* h = std::getenv("HOME"); h && *h) file = fs::path(h) / ".docker" / "config.json";
  else return std::nullopt;
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return std::nullopt;
  auto bytes = read_file_capped(file.string(), 1 << 20, "docker config");
  if (!bytes) return std::nullopt;
  auto j = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
  if (!j.is_object() || !j.contains("auths") || !j["auths"].is_object()) return std::nullopt;
  for (const std::string& key : std::vector<std::string>{host, "https://" + host, "http://" + host, "https://" + host + "/v2/"}) {
    auto it = j["auths"].find(key);
    if (it == j["auths"].end() || !it->is_object()) continue;
    if (!it->contains("auth") || !(*it)["auth"].is_string()) continue;
    auto decoded = packaging::base64_decode((*it)["auth"].get<std::string>());
    if (!decoded) continue;
    std::string up(decoded->begin(), decoded->end());
    size_t colon = up.find(':');
    if (colon == std::string::npos) continue;
    return packaging::RegistryCredentials{up.substr(0, colon), up.substr(colon + 1), file.string()};
  }
  return std::nullopt;
}

}  // namespace

void add_registry_options(CLI::App* c, RegistryArgs& a) {
  c->add_option("--username,-u", a.username, "Registry user name (the password comes from --password-stdin; default: $TORVYN_REGISTRY_USERNAME, then docker's config.json)");
  c->add_flag("--password-stdin", a.password_stdin, "Read the registry password from standard input (never pass it on the command line)");
  c->add_option("--ca-file", a.ca_file, "PEM CA certificates to verify the registry's TLS certificate with");
  c->add_flag("--plain-http", a.plain_http, "Plain HTTP instead of HTTPS (only for a registry on 127.0.0.1, localhost or ::1)");
}

RegistryArgs with_manifest_registry(RegistryArgs args, const config::Config& cfg, const packaging::RegistryRef& ref) {
  const config::RegistryDecl* r = cfg.find_registry(ref.host);
  if (!r || args.plain_http || !args.ca_file.empty()) return args;
  args.plain_http = r->plain_http;
  args.ca_file = r->ca_file;
  return args;
}

bool any_registry_option(const RegistryArgs& a) { return !a.username.empty() || a.password_stdin || !a.ca_file.empty() || a.plain_http; }

Result<packaging::RegistryOptions> registry_options(const RegistryArgs& a, const packaging::RegistryRef& ref, bool push) {
  packaging::RegistryOptions o;
  o.plain_http = a.plain_http;
  o.ca_file = a.ca_file;
  o.push = push;
  const char* env_user = std::getenv("TORVYN_REGISTRY_USERNAME");
  const char* env_pass = std::getenv("TORVYN_REGISTRY_PASSWORD");
  if (!a.username.empty() || a.password_stdin) {
    std::string user = !a.username.empty() ? a.username : (env_user ? env_user : "");
    if (user.empty()) return Error(ErrorCode::RegistryAuthFailed, "--password-stdin needs a user name: pass --username USER (or set TORVYN_REGISTRY_USERNAME)");
    std::string pass;
    if (a.password_stdin) {
      auto p = read_password_stdin();
      if (!p) return p.take_error();
      pass = std::move(*p);
    } else if (env_pass && *env_pass) {
      pass = env_pass;
    } else {
      return Error(ErrorCode::RegistryAuthFailed, "--username needs a password: pipe it to --password-stdin (or set TORVYN_REGISTRY_PASSWORD); "
                                                  "Torvyn takes no password on the command line");
    }
    o.credentials = packaging::RegistryCredentials{user, pass, "--username"};
  } else if (env_user && *env_user) {
    if (!env_pass || !*env_pass) return Error(ErrorCode::RegistryAuthFailed, "TORVYN_REGISTRY_USERNAME is set but TORVYN_REGISTRY_PASSWORD is not");
    o.credentials = packaging::RegistryCredentials{env_user, env_pass, "TORVYN_REGISTRY_USERNAME"};
  } else {
    o.credentials = docker_config(ref.host);
  }
  return o;
}

int registry_exit_code(const Error& e) {
  switch (e.code) {
    case ErrorCode::RegistryRefInvalid:
    case ErrorCode::RegistryInsecure:
    case ErrorCode::IoError:
    case ErrorCode::ArtifactNotFound:
    case ErrorCode::KeyInvalid:
      return kUsage;
    case ErrorCode::RegistryUnreachable:
    case ErrorCode::RegistryTlsFailed:
    case ErrorCode::EnvironmentError:
    case ErrorCode::UnsafeDirectory:
      return kEnvironment;
    default:
      return kFailed;
  }
}

}  // namespace torvyn::cli
