#include "artifacts.h"

#include <cstdlib>
#include <iostream>
#include <filesystem>

#include "registry_args.h"
#include "torvyn/base/file_read.h"
#include "torvyn/packaging/oci_resolve.h"

namespace torvyn::cli {

namespace fs = std::filesystem;

std::string LoadedArtifact::name() const {
  if (!ref.digest.empty()) return ref.path.string() + "@" + ref.digest;
  std::string rn = image.ref_name();
  return rn.empty() ? ref.path.string() + "@" + image.digest() : ref.path.string() + ":" + rn;
}

bool is_artifact_ref(const std::string& text) {
  if (text.rfind("oci://", 0) == 0) return true;
  auto r = packaging::parse_local_ref(text);
  if (!r) return true;  // a malformed @digest: let load_artifact say so
  std::error_code ec;
  if (fs::is_directory(r->path, ec)) return true;
  if (packaging::is_tar_path(r->path)) return true;
  return !r->ref_name.empty() || !r->digest.empty();
}

int artifact_exit_code(const Error& e) {
  switch (e.code) {
    case ErrorCode::IoError:
    case ErrorCode::ArtifactNotFound:
    case ErrorCode::KeyInvalid:
      return kUsage;
    default:
      return kFailed;
  }
}

bool refuse_registry_ref(const Globals& g, const std::string& text, int& code) {
  if (text.rfind("oci://", 0) != 0) return false;
  print_error(g, Error(ErrorCode::ArtifactNotFound, "`" + text + "`: this command works on a local layout, not a registry: "
                                                   "`torvyn pull " + text.substr(6) + " --output DIR`, then give DIR"));
  code = kUsage;
  return true;
}

// oci://…: the image in the artifact store, pulled first when the store lacks it (or the tag is
// asked of the registry; the store's copy is used when the registry is down, with a note).
static std::optional<LoadedArtifact> load_registry_artifact(const Globals& g, const std::string& text, int& code, const RegistryArgs* registry) {
  packaging::ResolveRequest rq;
  rq.reference = text;
  rq.store = packaging::default_store_dir();
  const RegistryArgs args = registry ? *registry : RegistryArgs{};
  rq.options = [args](const packaging::RegistryRef& ref) { return registry_options(args, ref, false); };
  auto f = packaging::fetch_oci_image(rq);
  if (!f) {
    print_error(g, f.error());
    code = registry_exit_code(f.error());
    return std::nullopt;
  }
  if (!f->note.empty() && !g.quiet) std::cerr << g.err_text("warning: " + f->note) << "\n";
  packaging::LocalRef ref;
  ref.path = f->stored.dir;
  ref.text = text;
  if (f->stored.image.ref_name().empty()) ref.digest = f->stored.image.digest();
  else ref.ref_name = f->stored.image.ref_name();
  return LoadedArtifact{std::move(ref), std::move(f->stored.layout), std::move(f->stored.image)};
}

std::optional<LoadedArtifact> load_artifact(const Globals& g, const std::string& text, int& code, const RegistryArgs* registry) {
  if (text.rfind("oci://", 0) == 0) return load_registry_artifact(g, text, code, registry);
  if (registry && any_registry_option(*registry)) {
    print_error(g, Error(ErrorCode::RegistryRefInvalid, "`" + text + "` is a local artifact: --username, --password-stdin, --ca-file and --plain-http "
                                                                     "apply only to an oci:// reference"));
    code = kUsage;
    return std::nullopt;
  }
  auto ref = packaging::parse_local_ref(text);
  if (!ref) {
    print_error(g, ref.error());
    code = kUsage;
    return std::nullopt;
  }
  std::error_code ec;
  if (!fs::exists(ref->path, ec)) {
    print_error(g, Error(ErrorCode::IoError, "no such artifact: " + ref->path.string() + " (give a layout directory or .tar made by `torvyn pack`, "
                                                                                        "optionally followed by :NAME:VERSION or @sha256:DIGEST)"));
    code = kUsage;
    return std::nullopt;
  }
  if (fs::is_directory(ref->path, ec) && !fs::exists(fs::symlink_status(ref->path / "oci-layout", ec))) {
    print_error(g, Error(ErrorCode::IoError, "`" + ref->path.string() + "` is a directory but not an OCI image layout (it has no oci-layout file): "
                                                                       "give a component .wasm, or a layout made by `torvyn pack`"));
    code = kUsage;
    return std::nullopt;
  }
  auto layout = packaging::read_layout(ref->path);
  if (!layout) {
    print_error(g, layout.error());
    code = artifact_exit_code(layout.error());
    return std::nullopt;
  }
  auto image = packaging::select_image(*layout, *ref);
  if (!image) {
    print_error(g, image.error());
    code = artifact_exit_code(image.error());
    return std::nullopt;
  }
  return LoadedArtifact{std::move(*ref), std::move(*layout), std::move(*image)};
}

std::optional<std::string> passphrase(const std::string& file, Error* error) {
  if (!file.empty()) {
    auto b = read_file_capped(file, 64 * 1024, "passphrase file");
    if (!b) {
      *error = Error(ErrorCode::KeyInvalid, b.error().message);
      return std::nullopt;
    }
    std::string s(b->begin(), b->end());
    if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
    if (!s.empty() && s.back() == '\r') s.pop_back();
    if (s.empty()) {
      *error = Error(ErrorCode::KeyInvalid, file + ": the passphrase file is empty");
      return std::nullopt;
    }
    return s;
  }
  if (const char* env = std::getenv("TORVYN_KEY_PASSPHRASE"); env && *env) return std::string(env);
  return std::nullopt;
}

std::optional<std::vector<packaging::Key>> load_public_keys(const Globals& g, const std::vector<std::string>& files, int& code) {
  std::vector<packaging::Key> keys;
  for (const std::string& f : files) {
    auto k = packaging::load_public_key(f);
    if (!k) {
      print_error(g, k.error());
      code = kUsage;
      return std::nullopt;
    }
    keys.push_back(std::move(*k));
  }
  return keys;
}

}  // namespace torvyn::cli
