#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <set>

#include "torvyn/base/file_read.h"
#include "torvyn/base/sha256.h"
#include "torvyn/packaging/atomic_file.h"
#include "torvyn/packaging/oci.h"

namespace torvyn::packaging {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kFixLayout = "re-create it with `torvyn pack`, or copy it again from where it came from";

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Error invalid(const std::string& where, const std::string& what) {
  return Error(ErrorCode::ArtifactInvalid, where + ": " + what);
}

// Parses a JSON document without exceptions: nullopt when it is not JSON.
std::optional<json> parse_json(const std::vector<uint8_t>& bytes) {
  json j = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

Result<Annotations> parse_annotations(const json& j, const std::string& where) {
  Annotations out;
  if (j.is_null()) return out;
  if (!j.is_object()) return invalid(where, "`annotations` is not an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_string()) return invalid(where, "annotation `" + it.key() + "` is not a string");
    out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

Result<Descriptor> parse_descriptor(const json& j, const std::string& where) {
  if (!j.is_object()) return invalid(where, "a descriptor is not a JSON object");
  Descriptor d;
  auto mt = j.find("mediaType");
  if (mt == j.end() || !mt->is_string()) return invalid(where, "a descriptor has no `mediaType` string");
  d.media_type = mt->get<std::string>();
  auto dg = j.find("digest");
  if (dg == j.end() || !dg->is_string()) return invalid(where, "a descriptor has no `digest` string");
  d.digest = dg->get<std::string>();
  if (!is_sha256_digest(d.digest))
    return invalid(where, "digest `" + d.digest + "` is not sha256:<64 lowercase hex digits> (the only algorithm Torvyn reads)");
  auto sz = j.find("size");
  if (sz == j.end() || !sz->is_number_integer() || (sz->is_number_integer() && !sz->is_number_unsigned() && sz->get<int64_t>() < 0))
    return invalid(where, "descriptor " + d.digest + " has no non-negative integer `size`");
  d.size = sz->get<uint64_t>();
  if (auto a = j.find("annotations"); a != j.end()) {
    auto ann = parse_annotations(*a, where);
    if (!ann) return ann.take_error();
    d.annotations = std::move(*ann);
  }
  if (auto at = j.find("artifactType"); at != j.end()) {
    if (!at->is_string()) return invalid(where, "`artifactType` is not a string");
    d.artifact_type = at->get<std::string>();
  }
  return d;
}

// Where the bytes of a layout come from: a directory (read on demand, never through a link) or
// the entries of a tar (read up front).
class Source {
 public:
  virtual ~Source() = default;
  // nullopt when there is no such file.
  virtual Result<std::optional<std::vector<uint8_t>>> read(const std::string& rel, uint64_t cap) = 0;
  virtual std::string shown(const std::string& rel) const = 0;
};

class DirSource : public Source {
 public:
  DirSource(int root, fs::path path) : root_(root), path_(std::move(path)) {}
  ~DirSource() override {
    if (blobs_ >= 0) ::close(blobs_);
  }
  std::string shown(const std::string& rel) const override { return (path_ / rel).string(); }
  Result<std::optional<std::vector<uint8_t>>> read(const std::string& rel, uint64_t cap) override {
    int dir = root_.get();
    std::string name = rel;
    if (rel.rfind("blobs/sha256/", 0) == 0) {
      if (blobs_ < 0) {
        bool exists = false;
        struct stat st;
        if (::fstatat(root_.get(), "blobs", &st, AT_SYMLINK_NOFOLLOW) != 0) return std::optional<std::vector<uint8_t>>{};
        (void)exists;
        auto b = open_dir_nofollow(root_.get(), "blobs", false, shown("blobs"));
        if (!b) return b.take_error();
        FdGuard bg(*b);
        if (::fstatat(bg.get(), "sha256", &st, AT_SYMLINK_NOFOLLOW) != 0) return std::optional<std::vector<uint8_t>>{};
        auto s = open_dir_nofollow(bg.get(), "sha256", false, shown("blobs/sha256"));
        if (!s) return s.take_error();
        blobs_ = *s;
      }
      dir = blobs_;
      name = rel.substr(13);
    }
    bool exists = false;
    auto r = read_file_nofollow(dir, name, cap, shown(rel), &exists);
    if (!r) return r.take_error();
    if (!exists) return std::optional<std::vector<uint8_t>>{};
    return std::optional<std::vector<uint8_t>>(std::move(*r));
  }

 private:
  FdGuard root_;
  fs::path path_;
  int blobs_ = -1;
};

class TarSource : public Source {
 public:
  explicit TarSource(fs::path path) : path_(std::move(path)) {}
  std::string shown(const std::string& rel) const override { return path_.string() + "[" + rel + "]"; }
  Status load() {
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error(ErrorCode::IoError, "cannot open " + path_.string() + ": " + std::strerror(errno));
    FdGuard g(fd);
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return Error(ErrorCode::IoError, path_.string() + " is not a regular file");
    std::unique_ptr<archive, int (*)(archive*)> a(archive_read_new(), archive_read_free);
    archive_read_support_format_tar(a.get());
    archive_read_support_filter_gzip(a.get());
    if (archive_read_open_fd(a.get(), fd, 1 << 16) != ARCHIVE_OK)
      return invalid(path_.string(), std::string("not a tar archive (") + archive_error_string(a.get()) + ")");
    uint64_t total = 0;
    archive_entry* e = nullptr;
    for (;;) {
      int rc = archive_read_next_header(a.get(), &e);
      if (rc == ARCHIVE_EOF) break;
      if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
        return invalid(path_.string(), std::string("not a readable tar archive (") + archive_error_string(a.get()) + "); " + kFixLayout);
      const char* p = archive_entry_pathname(e);
      std::string name = p ? p : "";
      while (name.rfind("./", 0) == 0) name = name.substr(2);
      auto type = archive_entry_filetype(e);
      if (type == AE_IFDIR) continue;
      if (type != AE_IFREG || archive_entry_hardlink(e))
        return invalid(path_.string(), "entry `" + name + "` is not a regular file (links and devices have no place in an OCI layout); " + kFixLayout);
      int64_t size = archive_entry_size(e);
      uint64_t cap = name.rfind("blobs/", 0) == 0 ? kMaxComponentFileBytes : kMaxJsonBlobBytes;
      if (size < 0 || static_cast<uint64_t>(size) > cap || total + static_cast<uint64_t>(size) > kMaxLayoutBytes)
        return Error(ErrorCode::WasmResourceLimit, shown(name) + " is " + std::to_string(size) + " bytes, more than Torvyn reads for it");
      total += static_cast<uint64_t>(size);
      std::vector<uint8_t> bytes(static_cast<size_t>(size));
      size_t off = 0;
      while (off < bytes.size()) {
        la_ssize_t n = archive_read_data(a.get(), bytes.data() + off, bytes.size() - off);
        if (n < 0) return invalid(path_.string(), std::string("cannot read entry `") + name + "`: " + archive_error_string(a.get()));
        if (n == 0) break;
        off += static_cast<size_t>(n);
      }
      if (off != bytes.size()) return invalid(path_.string(), "entry `" + name + "` is truncated; " + kFixLayout);
      if (files_.count(name)) return invalid(path_.string(), "entry `" + name + "` appears twice; " + kFixLayout);
      files_[name] = std::move(bytes);
    }
    return {};
  }
  Result<std::optional<std::vector<uint8_t>>> read(const std::string& rel, uint64_t cap) override {
    auto it = files_.find(rel);
    if (it == files_.end()) return std::optional<std::vector<uint8_t>>{};
    if (it->second.size() > cap)
      return Error(ErrorCode::WasmResourceLimit, shown(rel) + " is " + std::to_string(it->second.size()) + " bytes, more than Torvyn reads for it");
    return std::optional<std::vector<uint8_t>>(it->second);
  }

 private:
  fs::path path_;
  std::map<std::string, std::vector<uint8_t>> files_;
};

class Reader {
 public:
  Reader(Source& src, Layout& out, std::string origin) : src_(src), out_(out), origin_(std::move(origin)) {}

  Status run() {
    auto ol = src_.read("oci-layout", kMaxJsonBlobBytes);
    if (!ol) return ol.take_error();
    if (!*ol)
      return invalid(origin_, "not an OCI image layout: it has no `oci-layout` file (a layout made by `torvyn pack` or `skopeo copy ... oci:DIR` has one)");
    auto olj = parse_json(**ol);
    if (!olj || !olj->is_object() || !olj->contains("imageLayoutVersion") || !(*olj)["imageLayoutVersion"].is_string())
      return invalid(src_.shown("oci-layout"), "not {\"imageLayoutVersion\": \"1.0.0\"}; " + std::string(kFixLayout));
    std::string version = (*olj)["imageLayoutVersion"].get<std::string>();
    if (version.rfind("1.", 0) != 0)
      return invalid(src_.shown("oci-layout"), "image layout version " + version + " is not one Torvyn reads (1.x)");
    auto ix = src_.read("index.json", kMaxJsonBlobBytes);
    if (!ix) return ix.take_error();
    if (!*ix) return invalid(origin_, "an OCI image layout without `index.json`; " + std::string(kFixLayout));
    const std::string ixname = src_.shown("index.json");
    auto ij = parse_json(**ix);
    if (!ij || !ij->is_object()) return invalid(ixname, "not a JSON object; " + std::string(kFixLayout));
    if (auto sv = ij->find("schemaVersion"); sv == ij->end() || !sv->is_number_integer() || sv->get<int64_t>() != 2)
      return invalid(ixname, "`schemaVersion` is not 2");
    auto ms = ij->find("manifests");
    if (ms == ij->end() || !ms->is_array()) return invalid(ixname, "no `manifests` array");
    if (auto a = ij->find("annotations"); a != ij->end()) {
      auto ann = parse_annotations(*a, ixname);
      if (!ann) return ann.take_error();
      out_.index_annotations = std::move(*ann);
    }
    for (const json& m : *ms) {
      auto d = parse_descriptor(m, ixname);
      if (!d) return d.take_error();
      if (auto s = load(*d, "index.json", 0); !s) return s;
      out_.manifests.push_back(std::move(*d));
    }
    return {};
  }

 private:
  Status load(const Descriptor& d, const std::string& referrer, int depth) {
    if (depth > 4) return invalid(origin_, "indexes nest more than 4 deep");
    const std::string hex = digest_hex(d.digest);
    const std::string rel = "blobs/sha256/" + hex;
    if (!out_.blobs.count(d.digest)) {
      const bool json_blob = d.media_type == kImageManifestMediaType || d.media_type == kImageIndexMediaType;
      auto b = src_.read(rel, json_blob ? kMaxJsonBlobBytes : kMaxComponentFileBytes);
      if (!b) return b.take_error();
      if (!*b)
        return Error(ErrorCode::ArtifactBlobMissing, origin_ + ": " + referrer + " names blob " + d.digest + " (" + d.media_type +
                                                         ") but the layout has no " + rel + "; the layout is incomplete: " + kFixLayout);
      const std::vector<uint8_t>& bytes = **b;
      std::string actual = sha256_digest(bytes);
      if (actual != d.digest)
        return Error(ErrorCode::ArtifactDigestMismatch, src_.shown(rel) + ": the content hashes to " + actual + ", not to its name " + d.digest +
                                                            ": the blob is corrupt or was modified; " + kFixLayout);
      total_ += bytes.size();
      if (total_ > kMaxLayoutBytes) return Error(ErrorCode::WasmResourceLimit, origin_ + ": the layout holds more than 1 GiB, more than Torvyn reads");
      out_.blobs[d.digest] = std::move(**b);
    }
    const std::vector<uint8_t>& bytes = out_.blobs[d.digest];
    if (bytes.size() != d.size)
      return Error(ErrorCode::ArtifactDigestMismatch, src_.shown(rel) + ": " + referrer + " says it is " + std::to_string(d.size) + " bytes, but it is " +
                                                          std::to_string(bytes.size()) + "; " + kFixLayout);
    if (d.media_type != kImageManifestMediaType && d.media_type != kImageIndexMediaType) return {};
    const std::string where = src_.shown(rel) + " (" + d.media_type + ")";
    auto j = parse_json(bytes);
    if (!j || !j->is_object()) return invalid(where, "not a JSON object; " + std::string(kFixLayout));
    std::vector<Descriptor> children;
    if (d.media_type == kImageManifestMediaType) {
      auto c = j->find("config");
      if (c == j->end()) return invalid(where, "an image manifest without `config`");
      auto cd = parse_descriptor(*c, where);
      if (!cd) return cd.take_error();
      children.push_back(std::move(*cd));
      auto ls = j->find("layers");
      if (ls == j->end() || !ls->is_array()) return invalid(where, "an image manifest without a `layers` array");
      for (const json& l : *ls) {
        auto ld = parse_descriptor(l, where);
        if (!ld) return ld.take_error();
        children.push_back(std::move(*ld));
      }
    } else {
      auto ms = j->find("manifests");
      if (ms == j->end() || !ms->is_array()) return invalid(where, "an image index without a `manifests` array");
      for (const json& m : *ms) {
        auto md = parse_descriptor(m, where);
        if (!md) return md.take_error();
        children.push_back(std::move(*md));
      }
    }
    for (const Descriptor& c : children)
      if (auto s = load(c, "manifest " + d.digest, depth + 1); !s) return s;
    return {};
  }

  Source& src_;
  Layout& out_;
  std::string origin_;
  uint64_t total_ = 0;
};

std::vector<uint8_t> layout_file() { return canonical_bytes(json{{"imageLayoutVersion", std::string(kOciLayoutVersion)}}); }

// Writes the blobs, then oci-layout, then index.json into an open layout directory.
Status fill_dir(int root, const Layout& layout, const std::string& shown_root) {
  auto b = open_dir_nofollow(root, "blobs", true, shown_root + "/blobs");
  if (!b) return b.take_error();
  FdGuard bg(*b);
  auto s = open_dir_nofollow(bg.get(), "sha256", true, shown_root + "/blobs/sha256");
  if (!s) return s.take_error();
  FdGuard sg(*s);
  for (const auto& [digest, bytes] : layout.blobs) {
    const std::string hex = digest_hex(digest);
    const std::string shown = shown_root + "/blobs/sha256/" + hex;
    // A regular file with this name and the right content stays; anything else is replaced.
    bool exists = false;
    auto cur = read_file_nofollow(sg.get(), hex, kMaxComponentFileBytes, shown, &exists);
    if (cur && exists && sha256_digest(*cur) == digest) continue;
    if (auto w = write_file_atomic_at(sg.get(), hex, bytes, 0644, Replace::Yes, shown); !w) return w;
  }
  std::vector<uint8_t> ol = layout_file();
  if (auto w = write_file_atomic_at(root, "oci-layout", ol, 0644, Replace::Yes, shown_root + "/oci-layout"); !w) return w;
  std::vector<uint8_t> ix = layout.index_json();
  return write_file_atomic_at(root, "index.json", ix, 0644, Replace::Yes, shown_root + "/index.json");
}

bool dir_is_empty(int fd) {
  int dup = ::dup(fd);
  if (dup < 0) return false;
  DIR* d = ::fdopendir(dup);
  if (!d) {
    ::close(dup);
    return false;
  }
  bool empty = true;
  while (dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) {
      empty = false;
      break;
    }
  }
  ::closedir(d);
  return empty;
}

void remove_tree_at(int dirfd, const std::string& name) {
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) {
    DIR* d = ::fdopendir(fd);
    if (d) {
      std::vector<std::string> names;
      while (dirent* e = ::readdir(d))
        if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) names.push_back(e->d_name);
      for (const auto& n : names) {
        if (::unlinkat(::dirfd(d), n.c_str(), 0) != 0) remove_tree_at(::dirfd(d), n);
      }
      ::closedir(d);
    } else {
      ::close(fd);
    }
  }
  ::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR);
}

// The directory a new output goes into, created if missing and opened without following a
// link (the output itself is then made relative to this descriptor). `parent` is set for messages.
static Result<int> open_parent_dir(const fs::path& target, fs::path& parent) {
  parent = target.parent_path();
  if (parent.empty()) parent = ".";
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) return Error(ErrorCode::IoError, "cannot create " + parent.string() + ": " + ec.message());
  return open_dir_nofollow(AT_FDCWD, parent.string(), false, parent.string());
}

Status write_dir(const Layout& layout, const fs::path& dir) {
  struct stat st;
  const std::string shown = dir.string();
  if (::lstat(dir.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode))
      return Error(ErrorCode::IoError, shown + " is a symbolic link; Torvyn writes a layout only into a real directory (give the link's target, or another --output)");
    if (!S_ISDIR(st.st_mode)) return Error(ErrorCode::IoError, shown + " exists and is not a directory (a .tar output must end in .tar)");
    auto fd = open_dir_nofollow(AT_FDCWD, dir.string(), false, shown);
    if (!fd) return fd.take_error();
    FdGuard g(*fd);
    if (::faccessat(g.get(), "oci-layout", F_OK, AT_SYMLINK_NOFOLLOW) != 0 && !dir_is_empty(g.get()))
      return Error(ErrorCode::IoError, shown + " exists and is neither empty nor an OCI image layout; choose another output or remove it");
    return fill_dir(g.get(), layout, shown);
  }
  if (errno != ENOENT) return Error(ErrorCode::IoError, "cannot use " + shown + ": " + std::strerror(errno));
  // A new directory: built beside the target, renamed into place when complete.
  fs::path parent;
  auto pfd = open_parent_dir(dir, parent);
  if (!pfd) return pfd.take_error();
  FdGuard pg(*pfd);
  std::string tmpl = (parent / ("." + dir.filename().string() + ".tmp-XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) return Error(ErrorCode::IoError, "cannot create a temporary directory in " + parent.string() + ": " + std::strerror(errno));
  const std::string tmpname = fs::path(buf.data()).filename().string();
  ::fchmodat(pg.get(), tmpname.c_str(), 0755, 0);
  auto tfd = open_dir_nofollow(pg.get(), tmpname, false, buf.data());
  if (!tfd) return tfd.take_error();
  Status st2;
  {
    FdGuard tg(*tfd);
    st2 = fill_dir(tg.get(), layout, shown);
  }
  if (st2 && ::renameat2(pg.get(), tmpname.c_str(), pg.get(), dir.filename().c_str(), RENAME_NOREPLACE) != 0)
    st2 = Error(ErrorCode::IoError, "cannot move the new layout into place at " + shown + ": " + std::strerror(errno) + " (nothing was changed)");
  if (!st2) remove_tree_at(pg.get(), tmpname);
  return st2;
}

Status write_tar(const Layout& layout, const fs::path& file) {
  struct stat st;
  if (::lstat(file.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Error(ErrorCode::IoError, file.string() + " is a directory, not a .tar file");
  fs::path parent;
  auto pfd = open_parent_dir(file, parent);
  if (!pfd) return pfd.take_error();
  FdGuard pg(*pfd);
  const std::vector<uint8_t> ol = layout_file(), ix = layout.index_json();
  return write_file_atomic_with(pg.get(), file.filename().string(), 0644, Replace::Yes, file.string(), [&](int fd, std::string& why) {
    std::unique_ptr<archive, int (*)(archive*)> a(archive_write_new(), archive_write_free);
    archive_write_set_format_pax_restricted(a.get());
    if (archive_write_open_fd(a.get(), fd) != ARCHIVE_OK) {
      why = archive_error_string(a.get());
      return false;
    }
    const time_t now = std::time(nullptr);
    auto add = [&](const std::string& name, const std::vector<uint8_t>* bytes) {
      std::unique_ptr<archive_entry, void (*)(archive_entry*)> e(archive_entry_new(), archive_entry_free);
      archive_entry_set_pathname(e.get(), name.c_str());
      archive_entry_set_filetype(e.get(), bytes ? AE_IFREG : AE_IFDIR);
      archive_entry_set_perm(e.get(), bytes ? 0644 : 0755);
      archive_entry_set_size(e.get(), bytes ? static_cast<la_int64_t>(bytes->size()) : 0);
      archive_entry_set_mtime(e.get(), now, 0);
      archive_entry_set_uid(e.get(), 0);
      archive_entry_set_gid(e.get(), 0);
      if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK) {
        why = archive_error_string(a.get());
        return false;
      }
      if (bytes && !bytes->empty()) {
        size_t off = 0;
        while (off < bytes->size()) {
          la_ssize_t n = archive_write_data(a.get(), bytes->data() + off, bytes->size() - off);
          if (n <= 0) {
            why = archive_error_string(a.get()) ? archive_error_string(a.get()) : "write failed";
            return false;
          }
          off += static_cast<size_t>(n);
        }
      }
      return true;
    };
    if (!add("oci-layout", &ol) || !add("index.json", &ix) || !add("blobs/", nullptr) || !add("blobs/sha256/", nullptr)) return false;
    for (const auto& [digest, bytes] : layout.blobs)
      if (!add("blobs/sha256/" + digest_hex(digest), &bytes)) return false;
    if (archive_write_close(a.get()) != ARCHIVE_OK) {
      why = archive_error_string(a.get());
      return false;
    }
    return true;
  });
}

}  // namespace

json Descriptor::to_json() const {
  json j{{"mediaType", media_type}, {"digest", digest}, {"size", size}};
  if (!annotations.empty()) j["annotations"] = annotations;
  if (!artifact_type.empty()) j["artifactType"] = artifact_type;
  return j;
}

std::string Descriptor::ref_name() const {
  auto it = annotations.find(std::string(kRefNameAnnotation));
  return it == annotations.end() ? "" : it->second;
}

std::string canonical_json(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::vector<uint8_t> canonical_bytes(const json& j) {
  std::string s = canonical_json(j);
  return std::vector<uint8_t>(s.begin(), s.end());
}

bool is_sha256_digest(std::string_view d) { return d.size() == 71 && d.substr(0, 7) == "sha256:" && is_hex(d.substr(7)); }

std::string digest_hex(std::string_view d) { return std::string(d.substr(d.find(':') + 1)); }

const std::vector<uint8_t>* Layout::blob(const std::string& digest) const {
  auto it = blobs.find(digest);
  return it == blobs.end() ? nullptr : &it->second;
}

Descriptor Layout::add_blob(std::string media_type, std::vector<uint8_t> bytes) {
  Descriptor d;
  d.media_type = std::move(media_type);
  d.digest = sha256_digest(bytes);
  d.size = bytes.size();
  blobs.emplace(d.digest, std::move(bytes));
  return d;
}

void Layout::put_manifest(const Descriptor& d) {
  const std::string ref = d.ref_name();
  for (Descriptor& m : manifests) {
    if ((!ref.empty() && m.ref_name() == ref) || (ref.empty() && m.ref_name().empty() && m.digest == d.digest)) {
      m = d;
      return;
    }
  }
  manifests.push_back(d);
}

void Layout::remove_ref(std::string_view ref_name) {
  manifests.erase(std::remove_if(manifests.begin(), manifests.end(), [&](const Descriptor& m) { return m.ref_name() == ref_name; }),
                  manifests.end());
}

std::vector<uint8_t> Layout::index_json() const {
  json ms = json::array();
  for (const Descriptor& m : manifests) ms.push_back(m.to_json());
  json j{{"schemaVersion", 2}, {"mediaType", std::string(kImageIndexMediaType)}, {"manifests", ms}};
  if (!index_annotations.empty()) j["annotations"] = index_annotations;
  return canonical_bytes(j);
}

void Layout::prune() {
  std::set<std::string> keep;
  std::vector<Descriptor> todo(manifests.begin(), manifests.end());
  while (!todo.empty()) {
    Descriptor d = todo.back();
    todo.pop_back();
    if (!keep.insert(d.digest).second) continue;
    const std::vector<uint8_t>* b = blob(d.digest);
    if (!b || (d.media_type != kImageManifestMediaType && d.media_type != kImageIndexMediaType)) continue;
    json j = json::parse(b->begin(), b->end(), nullptr, false);
    if (!j.is_object()) continue;
    auto push = [&](const json& x) {
      if (x.is_object() && x.contains("digest") && x["digest"].is_string()) {
        Descriptor c;
        c.digest = x["digest"].get<std::string>();
        if (x.contains("mediaType") && x["mediaType"].is_string()) c.media_type = x["mediaType"].get<std::string>();
        todo.push_back(std::move(c));
      }
    };
    if (j.contains("config")) push(j["config"]);
    for (const char* k : {"layers", "manifests"})
      if (j.contains(k) && j[k].is_array())
        for (const json& x : j[k]) push(x);
  }
  for (auto it = blobs.begin(); it != blobs.end();) it = keep.count(it->first) ? std::next(it) : blobs.erase(it);
}

bool is_tar_path(const fs::path& path) { return path.extension() == ".tar"; }

Result<Layout> read_layout(const fs::path& where) {
  Layout layout;
  layout.origin = where.string();
  std::error_code ec;
  if (!fs::exists(where, ec)) return Error(ErrorCode::IoError, "no such file or directory: " + where.string());
  std::unique_ptr<Source> src;
  if (fs::is_directory(where, ec)) {
    auto fd = open_dir_nofollow(AT_FDCWD, where.string(), false, where.string());
    if (!fd) return fd.take_error();
    src = std::make_unique<DirSource>(*fd, where);
  } else {
    auto t = std::make_unique<TarSource>(where);
    if (auto s = t->load(); !s) return s.take_error();
    src = std::move(t);
  }
  Reader r(*src, layout, where.string());
  if (auto s = r.run(); !s) return s.take_error();
  return layout;
}

Status write_layout(const Layout& layout, const fs::path& where) {
  return is_tar_path(where) ? write_tar(layout, where) : write_dir(layout, where);
}

Result<Image> parse_image(const Layout& layout, const Descriptor& d) {
  const std::string where = layout.origin + " manifest " + d.digest;
  if (d.media_type != kImageManifestMediaType)
    return invalid(where, "is a " + d.media_type + ", not an image manifest (" + std::string(kImageManifestMediaType) + ")");
  const std::vector<uint8_t>* b = layout.blob(d.digest);
  if (!b) return Error(ErrorCode::ArtifactBlobMissing, where + ": the layout has no such blob");
  auto j = parse_json(*b);
  if (!j || !j->is_object()) return invalid(where, "not a JSON object");
  Image img;
  img.descriptor = d;
  auto cfg = parse_descriptor(j->value("config", json()), where);
  if (!cfg) return cfg.take_error();
  img.config = std::move(*cfg);
  for (const json& l : j->value("layers", json::array())) {
    auto ld = parse_descriptor(l, where);
    if (!ld) return ld.take_error();
    img.layers.push_back(std::move(*ld));
  }
  if (auto a = j->find("annotations"); a != j->end()) {
    auto ann = parse_annotations(*a, where);
    if (!ann) return ann.take_error();
    img.annotations = std::move(*ann);
  }
  if (auto at = j->find("artifactType"); at != j->end() && at->is_string()) img.artifact_type = at->get<std::string>();
  return img;
}

Result<LocalRef> parse_local_ref(std::string_view text) {
  LocalRef r;
  r.text = std::string(text);
  std::error_code ec;
  if (fs::exists(fs::path(std::string(text)), ec)) {
    r.path = std::string(text);
    return r;
  }
  if (size_t at = text.rfind("@sha256:"); at != std::string_view::npos) {
    r.path = std::string(text.substr(0, at));
    r.digest = std::string(text.substr(at + 1));
    if (!is_sha256_digest(r.digest))
      return Error(ErrorCode::ArtifactInvalid, "`" + r.text + "`: the digest after @ is not sha256:<64 lowercase hex digits>");
    return r;
  }
  for (size_t colon = text.find(':'); colon != std::string_view::npos; colon = text.find(':', colon + 1)) {
    fs::path prefix = std::string(text.substr(0, colon));
    if (!prefix.empty() && fs::exists(prefix, ec)) {
      r.path = prefix;
      r.ref_name = std::string(text.substr(colon + 1));
      return r;
    }
  }
  r.path = std::string(text);
  return r;
}

std::string signature_tag(std::string_view manifest_digest) { return "sha256-" + digest_hex(manifest_digest) + ".sig"; }

bool is_signature_tag(std::string_view ref) {
  return ref.size() == 7 + 64 + 4 && ref.substr(0, 7) == "sha256-" && ref.substr(71) == ".sig" && is_hex(ref.substr(7, 64));
}

std::vector<std::string> image_choices(const Layout& layout) {
  std::vector<std::string> out;
  for (const Descriptor& m : layout.manifests) {
    if (m.media_type != kImageManifestMediaType || is_signature_tag(m.ref_name())) continue;
    out.push_back(m.ref_name().empty() ? "@" + m.digest : m.ref_name());
  }
  return out;
}

Result<Image> select_image(const Layout& layout, const LocalRef& ref) {
  auto choices = [&] {
    std::string s;
    for (const std::string& c : image_choices(layout)) s += (s.empty() ? "" : ", ") + ref.path.string() + (c[0] == '@' ? "" : ":") + c;
    return s.empty() ? std::string("it holds no component image") : "it holds " + s;
  };
  std::vector<const Descriptor*> hits;
  for (const Descriptor& m : layout.manifests) {
    if (!ref.digest.empty()) {
      if (m.digest == ref.digest) {
        hits = {&m};
        break;
      }
    } else if (!ref.ref_name.empty()) {
      if (m.ref_name() == ref.ref_name) {
        hits = {&m};
        break;
      }
      const std::string rn = m.ref_name();
      if (!is_signature_tag(rn) && rn.substr(0, rn.find(':')) == ref.ref_name) hits.push_back(&m);
    } else if (m.media_type == kImageManifestMediaType && !is_signature_tag(m.ref_name())) {
      hits.push_back(&m);
    }
  }
  if (hits.size() == 1) return parse_image(layout, *hits[0]);
  std::string what = !ref.digest.empty() ? "no image with digest " + ref.digest
                     : !ref.ref_name.empty() ? (hits.empty() ? "no image named `" + ref.ref_name + "`" : "`" + ref.ref_name + "` names several images")
                     : hits.empty() ? "no component image" : "several images; name one";
  return Error(ErrorCode::ArtifactNotFound, layout.origin + ": " + what + " (" + choices() + ")");
}

}  // namespace torvyn::packaging
