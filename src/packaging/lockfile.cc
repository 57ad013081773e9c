#include "torvyn/packaging/lockfile.h"

#include <toml++/toml.h>

#include "torvyn/base/file_read.h"
#include "torvyn/packaging/atomic_file.h"
#include "torvyn/packaging/oci.h"

namespace torvyn::packaging {

namespace {

constexpr const char* kFix = "run `torvyn lock` to write it again";

// A TOML basic string: quotes, backslashes and control characters escaped.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;  // references and digests never hold any
    out += c;
  }
  return out + "\"";
}

}  // namespace

Result<Lockfile> read_lockfile(const std::filesystem::path& file) {
  Lockfile lock;
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::symlink_status(file, ec))) return lock;
  lock.exists = true;
  auto bytes = read_file_capped(file.string(), 4 << 20, "lock file");
  if (!bytes) return Error(ErrorCode::LockfileInvalid, bytes.error().message);
  const std::string text(bytes->begin(), bytes->end());
  auto bad = [&](const std::string& what) { return Error(ErrorCode::LockfileInvalid, file.string() + ": " + what + "; " + kFix); };
  toml::table t;
  try {
    t = toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    return bad("not TOML (line " + std::to_string(e.source().begin.line) + ": " + std::string(e.description()) + ")");
  }
  auto version = t["version"].value<int64_t>();
  if (!version || *version != 1) return bad("`version = 1` is missing (or names a format this Torvyn does not read)");
  const toml::node* arts = t.get("artifact");
  if (!arts) return lock;
  const toml::array* a = arts->as_array();
  if (!a) return bad("`artifact` is not an array of tables ([[artifact]])");
  for (const toml::node& n : *a) {
    const toml::table* e = n.as_table();
    if (!e) return bad("an [[artifact]] entry is not a table");
    auto ref = (*e)["reference"].value<std::string>();
    auto digest = (*e)["digest"].value<std::string>();
    if (!ref || ref->rfind("oci://", 0) != 0) return bad("an [[artifact]] has no `reference = \"oci://...\"`");
    if (!digest || !is_sha256_digest(*digest)) return bad("[[artifact]] " + *ref + " has no `digest = \"sha256:<64 hex digits>\"`");
    if (!lock.pins.emplace(*ref, *digest).second) return bad(*ref + " is pinned twice");
  }
  return lock;
}

std::string render_lockfile(const Lockfile& lock) {
  std::string s =
      "# Torvyn.lock: written by `torvyn lock`. The manifest digest each oci:// reference of Torvyn.toml\n"
      "# resolved to; `torvyn run` runs exactly these. Commit it with Torvyn.toml; run `torvyn lock` again to update.\n"
      "version = 1\n";
  for (const auto& [ref, digest] : lock.pins) s += "\n[[artifact]]\nreference = " + quoted(ref) + "\ndigest = " + quoted(digest) + "\n";
  return s;
}

Status write_lockfile(const std::filesystem::path& file, const Lockfile& lock) {
  const std::string text = render_lockfile(lock);
  return write_file_atomic(file, std::vector<uint8_t>(text.begin(), text.end()), 0644, Replace::Yes);
}

}  // namespace torvyn::packaging
