#include "torvyn/packaging/oci_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "torvyn/base/private_dir.h"
#include "torvyn/packaging/atomic_file.h"

namespace torvyn::packaging {

namespace fs = std::filesystem;

namespace {

// "127.0.0.1:5000" -> "127.0.0.1_5000", "[::1]:5000" -> "__1_5000": one path component that
// skopeo's oci:DIR:TAG syntax can name (no ':').
std::string host_dir(const std::string& host) {
  std::string out;
  for (char c : host) {
    if (c == '[' || c == ']') continue;
    out += c == ':' ? '_' : c;
  }
  return out;
}

// Opens (without following a link) every directory from `store` down to `last`, creating the
// missing ones when `create`: a link planted anywhere below the store is refused, not followed.
Status walk_nofollow(const fs::path& store, const fs::path& last, bool create) {
  auto fd = open_dir_nofollow(AT_FDCWD, store.string(), false, store.string());
  if (!fd) return fd.take_error();
  int cur = *fd;
  fs::path shown = store;
  // Lexically: fs::relative would resolve the very links this walk is there to refuse.
  for (const fs::path& part : last.lexically_relative(store)) {
    if (part == ".") continue;
    if (part == "..") {
      ::close(cur);
      return Error(ErrorCode::IoError, last.string() + " is not below the store " + store.string());
    }
    shown /= part;
    auto next = open_dir_nofollow(cur, part.string(), create, shown.string());
    ::close(cur);
    if (!next) return next.take_error();
    cur = *next;
  }
  ::close(cur);
  return {};
}

// An exclusive flock on <store>/.lock for the guard's life.
class StoreLock {
 public:
  Status acquire(const fs::path& store) {
    const fs::path p = store / ".lock";
    fd_ = ::open(p.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd_ < 0) return Error(ErrorCode::IoError, "cannot open the store lock " + p.string() + ": " + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0)
      if (errno != EINTR) return Error(ErrorCode::IoError, "cannot lock " + p.string() + ": " + std::strerror(errno));
    return {};
  }
  ~StoreLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }

 private:
  int fd_ = -1;
};

Status check_store(const fs::path& store) { return ensure_private_dir(store.string(), DirTrust::NotWritableByOthers, "artifact store"); }

}  // namespace

fs::path default_store_dir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "torvyn" / "oci";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "torvyn" / "oci";
  return fs::path("/tmp") / ("torvyn-oci-" + std::to_string(::getuid()));
}

fs::path store_repository_dir(const fs::path& store, const RegistryRef& ref) { return store / host_dir(ref.host) / ref.repository; }

Status merge_into_layout(const Layout& pulled, const fs::path& dir) {
  Layout layout;
  std::error_code ec;
  struct stat st;
  const bool existing = ::lstat(dir.c_str(), &st) == 0 && ((S_ISDIR(st.st_mode) && fs::exists(dir / "oci-layout", ec)) ||
                                                             (S_ISREG(st.st_mode) && is_tar_path(dir)));
  if (existing) {
    auto old = read_layout(dir);
    if (!old) {
      Error e = old.take_error();
      e.message += " (the layout cannot be added to: remove it and pull again)";
      return e;
    }
    layout = std::move(*old);
  }
  for (const auto& [digest, bytes] : pulled.blobs) layout.blobs.emplace(digest, bytes);
  for (const Descriptor& e : pulled.manifests) {
    const std::string name = e.ref_name();
    auto has_digest = [&](const std::string& d) {
      for (const Descriptor& m : layout.manifests)
        if (m.digest == d) return true;
      return false;
    };
    if (name.empty()) {
      if (!has_digest(e.digest)) layout.put_manifest(e);
      continue;
    }
    // The image a moved tag named stays reachable by its digest (unless another entry names it).
    std::optional<Descriptor> keep;
    for (const Descriptor& m : layout.manifests) {
      if (m.ref_name() != name || m.digest == e.digest) continue;
      size_t entries = 0;
      for (const Descriptor& o : layout.manifests) entries += o.digest == m.digest ? 1 : 0;
      if (entries == 1) {
        keep = m;
        keep->annotations.erase(std::string(kRefNameAnnotation));
      }
    }
    // An unnamed entry for this digest is superseded by the named one.
    layout.manifests.erase(std::remove_if(layout.manifests.begin(), layout.manifests.end(),
                                          [&](const Descriptor& m) { return m.ref_name().empty() && m.digest == e.digest; }),
                           layout.manifests.end());
    layout.put_manifest(e);
    if (keep) layout.manifests.push_back(*keep);
  }
  return write_layout(layout, dir);
}

Result<fs::path> store_pulled(const fs::path& store, const RegistryRef& ref, const Layout& pulled) {
  if (auto s = check_store(store); !s) return s.take_error();
  StoreLock lock;
  if (auto s = lock.acquire(store); !s) return s.take_error();
  const fs::path dir = store_repository_dir(store, ref);
  if (auto s = walk_nofollow(store, dir.parent_path(), true); !s) return s.take_error();
  if (auto s = merge_into_layout(pulled, dir); !s) return s.take_error();
  return dir;
}

std::optional<Layout> stored_repository(const fs::path& store, const RegistryRef& ref) {
  const fs::path dir = store_repository_dir(store, ref);
  std::error_code ec;
  if (!fs::exists(dir / "oci-layout", ec) || !walk_nofollow(store, dir, false)) return std::nullopt;
  auto l = read_layout(dir);
  if (!l) return std::nullopt;
  return std::move(*l);
}

Result<StoredImage> find_in_store(const fs::path& store, const RegistryRef& ref) {
  const fs::path dir = store_repository_dir(store, ref);
  const std::string pull = "run `torvyn pull " + ref.str() + "` while the registry is reachable";
  std::error_code ec;
  if (!fs::exists(dir / "oci-layout", ec))
    return Error(ErrorCode::ArtifactNotFound, ref.str() + " is not in the local store (" + dir.string() + "): " + pull);
  if (auto s = check_store(store); !s) return s.take_error();
  if (auto s = walk_nofollow(store, dir, false); !s) return s.take_error();
  auto layout = read_layout(dir);
  if (!layout) return layout.take_error();
  LocalRef lr;
  lr.path = dir;
  lr.digest = ref.digest;
  lr.ref_name = ref.digest.empty() ? ref.tag : "";
  lr.text = ref.str();
  auto image = select_image(*layout, lr);
  if (!image) return Error(ErrorCode::ArtifactNotFound, ref.str() + " is not in the local store (" + dir.string() + "): " + pull);
  return StoredImage{std::move(*layout), std::move(*image), dir};
}

}  // namespace torvyn::packaging
