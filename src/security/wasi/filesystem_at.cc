// wasi:filesystem descriptor methods that name a path below a directory descriptor (the `-at`
// methods): every path is resolved beneath the directory (filesystem_beneath.h).
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filesystem_beneath.h"
#include "filesystem_values.h"

namespace torvyn::security::wasi::fs {
namespace {

Value open_at(WasiState& s, Descriptor& d, const std::vector<Value>& a) {
  bool follow = a[1].flag_set.size() > 0 && a[1].flag_set[0];
  const std::string& path = a[2].str;
  const auto& of = a[3].flag_set;  // create, directory, exclusive, truncate
  const auto& df = a[4].flag_set;  // read, write, file-integrity-sync, data-integrity-sync, requested-write-sync, mutate-directory
  auto flag = [](const std::vector<bool>& f, size_t i) { return i < f.size() && f[i]; };
  if (!d.directory) return failure(FsError::NotDirectory);
  if (auto e = check_path(path)) return failure(*e);
  bool read = flag(df, 0), write = flag(df, 1), mutate = flag(df, 5);
  bool create = flag(of, 0), directory = flag(of, 1), exclusive = flag(of, 2), truncate = flag(of, 3);
  if ((write || mutate || create || truncate) && !d.mutate) return failure(FsError::ReadOnly);
  if (quota_full(s)) return failure(FsError::Quota);
  int flags = (write ? (read ? O_RDWR : O_WRONLY) : O_RDONLY) | O_NOCTTY | O_NONBLOCK;
  if (directory) flags |= O_DIRECTORY;
  if (create) flags |= O_CREAT;
  if (exclusive) flags |= O_EXCL;
  if (truncate) flags |= O_TRUNC;
  if (flag(df, 2)) flags |= O_SYNC;
  if (flag(df, 3)) flags |= O_DSYNC;
  int fd = open_beneath(d.fd->get(), path, flags, follow, 0666);
  if (fd < 0) return failure_errno(-fd);
  return ok(new_descriptor(s, fd, read, write, d.mutate));
}

}  // namespace

void define_path_methods(HostInstance& instance, const StatePtr& sp, const FsTypes& ft) {
  using namespace component::abi;
  WasiState& s = *sp;
  const Types& t = s.t;
  const MethodDefiner def{instance, sp, ft};
  auto stat_at = [](bool hash_only) {
    return [hash_only](WasiState&, Descriptor& d, const std::vector<Value>& a) {
      if (!d.directory) return failure(FsError::NotDirectory);
      bool follow = !a[1].flag_set.empty() && a[1].flag_set[0];
      if (auto e = check_path(a[2].str)) return failure(*e);
      int fd = open_beneath(d.fd->get(), a[2].str, O_PATH, follow);
      if (fd < 0) return failure_errno(-fd);
      HostFd guard(fd);
      struct stat st{};
      if (::fstat(fd, &st) != 0) return failure_errno(errno);
      return ok(hash_only ? hash_value(st) : stat_value(st));
    };
  };
  def("create-directory-at", {t.string}, ft.unit, [](WasiState&, Descriptor& d, auto& a) {
    if (!d.mutate) return failure(d.directory ? FsError::ReadOnly : FsError::NotDirectory);
    auto p = open_parent(d.fd->get(), a[1].str);
    if (auto* e = std::get_if<FsError>(&p)) return failure(*e);
    auto& parent = std::get<Parent>(p);
    return ::mkdirat(parent.fd->get(), parent.leaf.c_str(), 0777) == 0 ? ok() : failure_errno(errno);
  });
  def("stat-at", {ft.path_flags, t.string}, result(ft.descriptor_stat, ft.ec), stat_at(false));
  def("set-times-at", {ft.path_flags, t.string, ft.new_timestamp, ft.new_timestamp}, ft.unit, [](WasiState&, Descriptor& d, auto& a) {
    if (!d.mutate) return failure(d.directory ? FsError::ReadOnly : FsError::NotDirectory);
    timespec ts[2];
    if (!timestamps(a[3], a[4], ts)) return failure(FsError::Invalid);
    bool follow = !a[1].flag_set.empty() && a[1].flag_set[0];
    if (follow) {
      // Open the target (following links, beneath the base) and set the times on the open file.
      if (auto e = check_path(a[2].str)) return failure(*e);
      int fd = open_beneath(d.fd->get(), a[2].str, O_RDONLY | O_NONBLOCK | O_NOCTTY, true);
      if (fd < 0) return failure_errno(-fd);
      HostFd guard(fd);
      return ::futimens(fd, ts) == 0 ? ok() : failure_errno(errno);
    }
    auto p = open_parent(d.fd->get(), a[2].str);
    if (auto* e = std::get_if<FsError>(&p)) return failure(*e);
    auto& parent = std::get<Parent>(p);
    return ::utimensat(parent.fd->get(), parent.leaf.c_str(), ts, AT_SYMLINK_NOFOLLOW) == 0 ? ok() : failure_errno(errno);
  });
  def("link-at", {ft.path_flags, t.string, ft.self, t.string}, ft.unit, [](WasiState& s, Descriptor& d, auto& a) {
    Descriptor* to = s.descriptors.find(a[3].u);
    if (!to) return failure(FsError::BadDescriptor);
    if (!d.mutate || !to->mutate) return failure(FsError::ReadOnly);
    // Following a final symlink could hard-link a file outside the preopen; not offered.
    if (!a[1].flag_set.empty() && a[1].flag_set[0]) return failure(FsError::NotPermitted);
    auto from = open_parent(d.fd->get(), a[2].str);
    if (auto* e = std::get_if<FsError>(&from)) return failure(*e);
    auto dest = open_parent(to->fd->get(), a[4].str);
    if (auto* e = std::get_if<FsError>(&dest)) return failure(*e);
    auto& f = std::get<Parent>(from);
    auto& t2 = std::get<Parent>(dest);
    return ::linkat(f.fd->get(), f.leaf.c_str(), t2.fd->get(), t2.leaf.c_str(), 0) == 0 ? ok() : failure_errno(errno);
  });
  def("open-at", {ft.path_flags, t.string, ft.open_flags, ft.descriptor_flags}, result(own(s.ids.descriptor), ft.ec), open_at);
  def("readlink-at", {t.string}, result(t.string, ft.ec), [](WasiState&, Descriptor& d, auto& a) {
    if (!d.directory) return failure(FsError::NotDirectory);
    auto p = open_parent(d.fd->get(), a[1].str);
    if (auto* e = std::get_if<FsError>(&p)) return failure(*e);
    auto& parent = std::get<Parent>(p);
    std::string target(kMaxPathBytes + 1, '\0');
    ssize_t n = ::readlinkat(parent.fd->get(), parent.leaf.c_str(), target.data(), target.size());
    if (n < 0) return failure_errno(errno);
    if (size_t(n) > kMaxPathBytes) return failure(FsError::NameTooLong);
    target.resize(size_t(n));
    if (!target.empty() && target[0] == '/') return failure(FsError::NotPermitted);
    if (!valid_utf8(target)) return failure(FsError::IllegalByteSequence);
    return ok(Value::string(std::move(target)));
  });
  def("remove-directory-at", {t.string}, ft.unit, [](WasiState&, Descriptor& d, auto& a) {
    if (!d.mutate) return failure(d.directory ? FsError::ReadOnly : FsError::NotDirectory);
    auto p = open_parent(d.fd->get(), a[1].str);
    if (auto* e = std::get_if<FsError>(&p)) return failure(*e);
    auto& parent = std::get<Parent>(p);
    return ::unlinkat(parent.fd->get(), parent.leaf.c_str(), AT_REMOVEDIR) == 0 ? ok() : failure_errno(errno);
  });
  def("rename-at", {t.string, ft.self, t.string}, ft.unit, [](WasiState& s, Descriptor& d, auto& a) {
    Descriptor* to = s.descriptors.find(a[2].u);
    if (!to) return failure(FsError::BadDescriptor);
    if (!d.mutate || !to->mutate) return failure(FsError::ReadOnly);
    auto from = open_parent(d.fd->get(), a[1].str);
    if (auto* e = std::get_if<FsError>(&from)) return failure(*e);
    auto dest = open_parent(to->fd->get(), a[3].str);
    if (auto* e = std::get_if<FsError>(&dest)) return failure(*e);
    auto& f = std::get<Parent>(from);
    auto& t2 = std::get<Parent>(dest);
    return ::renameat(f.fd->get(), f.leaf.c_str(), t2.fd->get(), t2.leaf.c_str()) == 0 ? ok() : failure_errno(errno);
  });
  def("symlink-at", {t.string, t.string}, ft.unit, [](WasiState&, Descriptor& d, auto& a) {
    if (!d.mutate) return failure(d.directory ? FsError::ReadOnly : FsError::NotDirectory);
    const std::string& target = a[1].str;
    if (!target.empty() && target[0] == '/') return failure(FsError::NotPermitted);
    if (target.find('\0') != std::string::npos || target.size() > kMaxPathBytes) return failure(FsError::Invalid);
    auto p = open_parent(d.fd->get(), a[2].str);
    if (auto* e = std::get_if<FsError>(&p)) return failure(*e);
    auto& parent = std::get<Parent>(p);
    return ::symlinkat(target.c_str(), parent.fd->get(), parent.leaf.c_str()) == 0 ? ok() : failure_errno(errno);
  });
  def("unlink-file-at", {t.string}, ft.unit, [](WasiState&, Descriptor& d, auto& a) {
    if (!d.mutate) return failure(d.directory ? FsError::ReadOnly : FsError::NotDirectory);
    auto p = open_parent(d.fd->get(), a[1].str);
    if (auto* e = std::get_if<FsError>(&p)) return failure(*e);
    auto& parent = std::get<Parent>(p);
    return ::unlinkat(parent.fd->get(), parent.leaf.c_str(), 0) == 0 ? ok() : failure_errno(errno);
  });
  def("metadata-hash-at", {ft.path_flags, t.string}, result(ft.hash, ft.ec), stat_at(true));
}

}  // namespace torvyn::security::wasi::fs
