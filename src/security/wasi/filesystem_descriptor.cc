// wasi:filesystem descriptor methods on the descriptor itself: streams, advice, sync, flags and
// type, size and times, positional read and write, stat and metadata hash, and directory listings.
// (The methods that name a path below a directory are in filesystem_at.cc.)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "filesystem_values.h"

namespace torvyn::security::wasi::fs {
namespace {

Value read_directory(WasiState& s, Descriptor& d) {
  if (!d.directory) return failure(FsError::NotDirectory);
  if (quota_full(s)) return failure(FsError::Quota);
  // A fresh open of "." gives a listing that starts at the beginning, independent of others.
  int fd = ::openat(d.fd->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return failure_errno(errno);
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    int e = errno;
    ::close(fd);
    return failure_errno(e);
  }
  size_t* open_files = &s.open_files;
  ++*open_files;
  std::shared_ptr<DIR> listing(dir, [open_files](DIR* p) {
    ::closedir(p);
    --*open_files;
  });
  uint64_t rep = s.new_rep();
  s.dir_streams.insert(rep, DirectoryStream{std::move(listing)});
  return ok(own_handle(rep));
}

// The next entry of a listing (without "." and ".."), or none at the end.
Value next_entry(DirectoryStream& ds) {
  for (;;) {
    errno = 0;
    dirent* e = ::readdir(ds.dir.get());
    if (!e) return errno ? failure_errno(errno) : ok(none());
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    // A name that is not UTF-8 cannot be a WIT string.
    if (!valid_utf8(name)) return failure(FsError::IllegalByteSequence);
    uint32_t type = type_of_dirent(e->d_type);
    if (type == kUnknown) {
      struct stat st{};
      if (::fstatat(::dirfd(ds.dir.get()), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) type = type_of_mode(st.st_mode);
    }
    return ok(some(Value::record({Value::variant(AbiKind::Enum, type), Value::string(std::string(name))})));
  }
}

}  // namespace

void define_descriptor_methods(HostInstance& instance, const StatePtr& sp, const FsTypes& ft) {
  using namespace component::abi;
  WasiState& s = *sp;
  const Types& t = s.t;
  const MethodDefiner def{instance, sp, ft};
  def("read-via-stream", {t.u64}, result(own(s.ids.input_stream), ft.ec), [](WasiState& s, Descriptor& d, auto& a) {
    if (d.directory) return failure(FsError::IsDirectory);
    if (!d.read) return failure(FsError::BadDescriptor);
    uint64_t rep = s.new_rep();
    s.inputs.insert(rep, InputStream{InputStream::Kind::File, d.fd, a[1].u, false});
    return ok(own_handle(rep));
  });
  auto writer = [](bool append) {
    return [append](WasiState& s, Descriptor& d, const std::vector<Value>& a) {
      if (d.directory) return failure(FsError::IsDirectory);
      if (!d.write) return failure(FsError::BadDescriptor);
      uint64_t rep = s.new_rep();
      s.outputs.insert(rep, OutputStream{OutputStream::Kind::File, d.fd, append ? 0 : a[1].u, append});
      return ok(own_handle(rep));
    };
  };
  def("write-via-stream", {t.u64}, result(own(s.ids.output_stream), ft.ec), writer(false));
  def("append-via-stream", {}, result(own(s.ids.output_stream), ft.ec), writer(true));
  def("advise", {t.u64, t.u64, ft.advice}, ft.unit, [](WasiState&, Descriptor& d, auto& a) {
    static const int kAdvice[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM, POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
    if (d.directory) return failure(FsError::BadDescriptor);
    int rc = ::posix_fadvise(d.fd->get(), off_t(std::min<uint64_t>(a[1].u, INT64_MAX)), off_t(std::min<uint64_t>(a[2].u, INT64_MAX)),
                             kAdvice[std::min<uint32_t>(a[3].case_index, 5)]);
    return rc == 0 ? ok() : failure_errno(rc);
  });
  def("sync-data", {}, ft.unit, [](WasiState&, Descriptor& d, auto&) { return ::fdatasync(d.fd->get()) == 0 ? ok() : failure_errno(errno); });
  def("sync", {}, ft.unit, [](WasiState&, Descriptor& d, auto&) { return ::fsync(d.fd->get()) == 0 ? ok() : failure_errno(errno); });
  def("get-flags", {}, result(ft.descriptor_flags, ft.ec), [](WasiState&, Descriptor& d, auto&) {
    return ok(Value::flags({d.read, d.write, false, false, false, d.mutate}));
  });
  def("get-type", {}, result(ft.descriptor_type, ft.ec), [](WasiState&, Descriptor& d, auto&) {
    struct stat st{};
    if (::fstat(d.fd->get(), &st) != 0) return failure_errno(errno);
    return ok(Value::variant(AbiKind::Enum, type_of_mode(st.st_mode)));
  });
  def("set-size", {t.u64}, ft.unit, [](WasiState&, Descriptor& d, auto& a) {
    if (d.directory) return failure(FsError::IsDirectory);
    if (!d.write) return failure(FsError::BadDescriptor);
    if (a[1].u > uint64_t(INT64_MAX)) return failure(FsError::FileTooLarge);
    return ::ftruncate(d.fd->get(), off_t(a[1].u)) == 0 ? ok() : failure_errno(errno);
  });
  def("set-times", {ft.new_timestamp, ft.new_timestamp}, ft.unit, [](WasiState&, Descriptor& d, auto& a) {
    if (!d.write && !d.mutate) return failure(FsError::ReadOnly);
    timespec ts[2];
    if (!timestamps(a[1], a[2], ts)) return failure(FsError::Invalid);
    return ::futimens(d.fd->get(), ts) == 0 ? ok() : failure_errno(errno);
  });
  def("read", {t.u64, t.u64}, result(tuple({t.bytes, t.boolean}), ft.ec), [](WasiState& s, Descriptor& d, auto& a) {
    if (d.directory) return failure(FsError::IsDirectory);
    if (!d.read) return failure(FsError::BadDescriptor);
    if (a[2].u > uint64_t(INT64_MAX)) return failure(FsError::Invalid);
    size_t n = size_t(std::min({a[1].u, kMaxReadBytes, s.opts->max_request_bytes}));
    std::string data(n, '\0');
    ssize_t got;
    do {
      got = ::pread(d.fd->get(), data.data(), n, off_t(a[2].u));
    } while (got < 0 && errno == EINTR);
    if (got < 0) return failure_errno(errno);
    data.resize(size_t(got));
    bool eof = size_t(got) < n || (n == 0 && a[1].u != 0);
    return ok(Value::tuple({bytes_value(std::move(data)), Value::boolean(eof)}));
  });
  def("write", {t.bytes, t.u64}, result(t.u64, ft.ec), [](WasiState&, Descriptor& d, auto& a) {
    if (d.directory) return failure(FsError::IsDirectory);
    if (!d.write) return failure(FsError::BadDescriptor);
    if (a[2].u > uint64_t(INT64_MAX)) return failure(FsError::FileTooLarge);
    const std::string& data = a[1].str;
    size_t done = 0;
    while (done < data.size()) {
      ssize_t put = ::pwrite(d.fd->get(), data.data() + done, data.size() - done, off_t(a[2].u + done));
      if (put < 0 && errno == EINTR) continue;
      if (put < 0) return done ? ok(u64v(done)) : failure_errno(errno);
      if (put == 0) break;
      done += size_t(put);
    }
    return ok(u64v(done));
  });
  def("read-directory", {}, result(own(s.ids.directory_entry_stream), ft.ec), [](WasiState& s, Descriptor& d, auto&) { return read_directory(s, d); });
  def("stat", {}, result(ft.descriptor_stat, ft.ec), [](WasiState&, Descriptor& d, auto&) {
    struct stat st{};
    if (::fstat(d.fd->get(), &st) != 0) return failure_errno(errno);
    return ok(stat_value(st));
  });
  add_function(instance, "[method]descriptor.is-same-object", {ft.self, ft.self}, t.boolean, [sp](auto& a, auto& r) -> Status {
    Descriptor* x = sp->descriptors.find(a[0].u);
    Descriptor* y = sp->descriptors.find(a[1].u);
    if (!x || !y) return unknown_handle("descriptor.is-same-object", "descriptor");
    struct stat sx{}, sy{};
    bool same = sp->gate.check(kCapFilesystem) && ::fstat(x->fd->get(), &sx) == 0 && ::fstat(y->fd->get(), &sy) == 0 &&
                sx.st_dev == sy.st_dev && sx.st_ino == sy.st_ino;
    r = {Value::boolean(same)};
    return {};
  });
  def("metadata-hash", {}, result(ft.hash, ft.ec), [](WasiState&, Descriptor& d, auto&) {
    struct stat st{};
    if (::fstat(d.fd->get(), &st) != 0) return failure_errno(errno);
    return ok(hash_value(st));
  });
  add_function(instance, "[method]directory-entry-stream.read-directory-entry", {borrow(s.ids.directory_entry_stream)},
               result(option(ft.directory_entry), ft.ec), [sp](auto& a, auto& r) -> Status {
                 DirectoryStream* ds = sp->dir_streams.find(a[0].u);
                 if (!ds) return unknown_handle("directory-entry-stream.read-directory-entry", "directory-entry-stream");
                 r = {next_entry(*ds)};
                 return {};
               });
}

}  // namespace torvyn::security::wasi::fs
