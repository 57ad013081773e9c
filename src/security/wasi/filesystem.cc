// wasi:filesystem/types and wasi:filesystem/preopens, gated by "wasi:filesystem".
//
// Without the grant the guest gets no preopened directories, so no descriptor can exist and
// wasi-libc sees no files (open() fails with ENOENT/ENOTCAPABLE). With it, the directories of
// WasiOptions::preopens are opened, and every path below them is resolved by the kernel with
// openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS): "..", absolute paths and symbolic links
// cannot leave the preopened directory (such attempts fail with error-code not-permitted).
// Operations that name a leaf (mkdir, unlink, rename, symlink, ...) act on that name inside its
// parent directory, itself opened beneath the base, so they never follow a final symlink out.
// Mutation needs a writable preopen (descriptor-flags mutate-directory, inherited by what is
// opened below it); otherwise it fails with read-only.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "state.h"

namespace torvyn::security::wasi {

FsError fs_error_from_errno(int e) {
  switch (e) {
    case EACCES: return FsError::Access;
    case EAGAIN: return FsError::WouldBlock;
    case EALREADY: return FsError::Already;
    case EBADF: return FsError::BadDescriptor;
    case EBUSY: return FsError::Busy;
    case EDEADLK: return FsError::Deadlock;
    case EDQUOT: return FsError::Quota;
    case EEXIST: return FsError::Exist;
    case EFBIG: return FsError::FileTooLarge;
    case EILSEQ: return FsError::IllegalByteSequence;
    case EINPROGRESS: return FsError::InProgress;
    case EINTR: return FsError::Interrupted;
    case EINVAL: return FsError::Invalid;
    case EIO: return FsError::Io;
    case EISDIR: return FsError::IsDirectory;
    case ELOOP: return FsError::Loop;
    case EMLINK: return FsError::TooManyLinks;
    case EMSGSIZE: return FsError::MessageSize;
    case ENAMETOOLONG: return FsError::NameTooLong;
    case ENODEV: return FsError::NoDevice;
    case ENOENT: return FsError::NoEntry;
    case ENOLCK: return FsError::NoLock;
    case ENOMEM: return FsError::InsufficientMemory;
    case ENOSPC: return FsError::InsufficientSpace;
    case ENOTDIR: return FsError::NotDirectory;
    case ENOTEMPTY: return FsError::NotEmpty;
    case ENOTRECOVERABLE: return FsError::NotRecoverable;
    case ENOTSUP: return FsError::Unsupported;
    case ENOSYS: return FsError::Unsupported;
    case ENOTTY: return FsError::NoTty;
    case ENXIO: return FsError::NoSuchDevice;
    case EOVERFLOW: return FsError::Overflow;
    case EPERM: return FsError::NotPermitted;
    case EPIPE: return FsError::Pipe;
    case EROFS: return FsError::ReadOnly;
    case ESPIPE: return FsError::InvalidSeek;
    case ETXTBSY: return FsError::TextFileBusy;
    case EXDEV: return FsError::CrossDevice;
    default: return FsError::Io;
  }
}

namespace {

constexpr size_t kMaxPathBytes = 4096;
constexpr uint64_t kMaxReadBytes = 1 << 20;

// descriptor-type cases.
enum : uint32_t { kUnknown, kBlockDevice, kCharacterDevice, kDirectory, kFifo, kSymbolicLink, kRegularFile, kSocket };

Value failure(FsError e) { return err(fs_error(e)); }
Value failure_errno(int e) { return failure(fs_error_from_errno(e)); }

bool valid_utf8(std::string_view s) { return GuestOutput::valid_utf8(s); }

uint32_t type_of_mode(mode_t m) {
  if (S_ISREG(m)) return kRegularFile;
  if (S_ISDIR(m)) return kDirectory;
  if (S_ISLNK(m)) return kSymbolicLink;
  if (S_ISCHR(m)) return kCharacterDevice;
  if (S_ISBLK(m)) return kBlockDevice;
  if (S_ISFIFO(m)) return kFifo;
  if (S_ISSOCK(m)) return kSocket;
  return kUnknown;
}

uint32_t type_of_dirent(unsigned char t) {
  switch (t) {
    case DT_REG: return kRegularFile;
    case DT_DIR: return kDirectory;
    case DT_LNK: return kSymbolicLink;
    case DT_CHR: return kCharacterDevice;
    case DT_BLK: return kBlockDevice;
    case DT_FIFO: return kFifo;
    case DT_SOCK: return kSocket;
    default: return kUnknown;
  }
}

Value datetime(const timespec& ts) {
  return Value::record({u64v(uint64_t(ts.tv_sec < 0 ? 0 : ts.tv_sec)), u32v(uint32_t(ts.tv_nsec))});
}

Value stat_value(const struct stat& st) {
  return Value::record({Value::variant(AbiKind::Enum, type_of_mode(st.st_mode)), u64v(uint64_t(st.st_nlink)), u64v(uint64_t(st.st_size)),
                        some(datetime(st.st_atim)), some(datetime(st.st_mtim)), some(datetime(st.st_ctim))});
}

uint64_t mix(uint64_t x) {  // splitmix64 finaliser
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

Value hash_value(const struct stat& st) {
  uint64_t a = mix(uint64_t(st.st_dev) ^ mix(uint64_t(st.st_ino)));
  uint64_t b = mix(uint64_t(st.st_size) ^ mix(uint64_t(st.st_mtim.tv_sec) * 1000000000ull + uint64_t(st.st_mtim.tv_nsec)));
  return Value::record({u64v(mix(a ^ b)), u64v(mix(b + a * 31))});
}

// A guest path must be relative, without NUL, and of sane length.
std::optional<FsError> check_path(const std::string& p) {
  if (p.empty()) return FsError::NoEntry;
  if (p[0] == '/') return FsError::NotPermitted;
  if (p.find('\0') != std::string::npos) return FsError::Invalid;
  if (p.size() > kMaxPathBytes) return FsError::NameTooLong;
  return std::nullopt;
}

// Opens `path` beneath `base`; returns the fd or -errno. Escapes report EPERM (not-permitted).
int open_beneath(int base, const std::string& path, int flags, bool follow, mode_t mode = 0) {
  open_how how{};
  how.flags = uint64_t(flags | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  // EAGAIN: the kernel saw a concurrent rename or mount during a RESOLVE_BENEATH lookup and asks
  // for a retry; a few are enough (a persistent EAGAIN, e.g. a locked file, is returned).
  long fd = -1;
  for (int attempt = 0; attempt < 8; ++attempt) {
    fd = syscall(SYS_openat2, base, path.c_str(), &how, sizeof how);
    if (fd >= 0 || (errno != EINTR && errno != EAGAIN)) break;
  }
  if (fd >= 0) return int(fd);
  return errno == EXDEV ? -EPERM : -errno;
}

// The parent directory of `path` (opened beneath `base`) and the last component's name.
struct Parent {
  std::unique_ptr<HostFd> fd;
  std::string leaf;
};
std::variant<Parent, FsError> open_parent(int base, std::string path) {
  if (auto e = check_path(path)) return *e;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  std::string leaf = slash == std::string::npos ? path : path.substr(slash + 1);
  if (leaf == "." || leaf == ".." || leaf.empty()) return FsError::Invalid;
  int fd = open_beneath(base, dir, O_PATH | O_DIRECTORY, true);
  if (fd < 0) return fs_error_from_errno(-fd);
  return Parent{std::make_unique<HostFd>(fd), std::move(leaf)};
}

bool timestamps(const Value& atime, const Value& mtime, timespec ts[2]) {
  for (int i = 0; i < 2; ++i) {
    const Value& v = i == 0 ? atime : mtime;
    if (v.case_index == 0) ts[i] = {0, UTIME_OMIT};
    else if (v.case_index == 1) ts[i] = {0, UTIME_NOW};
    else {
      const Value& dt = v.items[0];
      if (dt.items[1].u >= 1000000000ull || dt.items[0].u > uint64_t(INT64_MAX)) return false;
      ts[i] = {time_t(dt.items[0].u), long(dt.items[1].u)};
    }
  }
  return true;
}

using Method = std::function<Value(WasiState& s, Descriptor& d, const std::vector<Value>& a)>;

// A descriptor method returning result<_, error-code>: looks up `self` and re-checks the grant
// (descriptors only exist with it, so a denial here is defensive).
Body method(const StatePtr& sp, std::string name, Method m) {
  return [sp, name = std::move(name), m = std::move(m)](const std::vector<Value>& a, std::vector<Value>& r) -> Status {
    Descriptor* d = sp->descriptors.find(a[0].u);
    if (!d) return unknown_handle(name, "descriptor");
    if (!sp->gate.check(kCapFilesystem)) {
      r = {failure(FsError::Access)};
      return {};
    }
    r = {m(*sp, *d, a)};
    return {};
  };
}

// The instance's open-file quota (WasiOptions::max_open_files): a guest that opens without
// closing gets error-code quota instead of exhausting the host process's descriptors.
bool quota_full(const WasiState& s) { return s.open_files >= s.opts->max_open_files; }

Value new_descriptor(WasiState& s, int fd, bool read, bool write, bool mutate) {
  auto file = std::make_shared<HostFd>(fd, &s.open_files);
  struct stat st{};
  bool dir = ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
  uint64_t rep = s.new_rep();
  s.descriptors.insert(rep, Descriptor{std::move(file), read, write, mutate && dir, dir});
  return own_handle(rep);
}

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

void define_filesystem(component::Linker& linker, const StatePtr& sp) {
  using namespace component::abi;
  WasiState& s = *sp;
  const Types& t = s.t;

  auto types = std::make_shared<HostInstance>(std::string("wasi:filesystem/types") + kVersion);
  s.ids.descriptor = types->add_resource("descriptor", [sp](uint64_t rep) { sp->descriptors.erase(rep); });
  s.ids.directory_entry_stream = types->add_resource("directory-entry-stream", [sp](uint64_t rep) { sp->dir_streams.erase(rep); });

  auto self = borrow(s.ids.descriptor);
  auto ec = t.error_code;
  auto unit = result(nullptr, ec);
  auto descriptor_type = enumeration({"unknown", "block-device", "character-device", "directory", "fifo", "symbolic-link", "regular-file", "socket"});
  auto descriptor_flags = flags({"read", "write", "file-integrity-sync", "data-integrity-sync", "requested-write-sync", "mutate-directory"});
  auto path_flags = flags({"symlink-follow"});
  auto open_flags = flags({"create", "directory", "exclusive", "truncate"});
  auto opt_dt = option(t.datetime);
  auto descriptor_stat = record({"type", "link-count", "size", "data-access-timestamp", "data-modification-timestamp", "status-change-timestamp"},
                                {descriptor_type, t.u64, t.u64, opt_dt, opt_dt, opt_dt});
  auto new_timestamp = variant({"no-change", "now", "timestamp"}, {nullptr, nullptr, t.datetime});
  auto directory_entry = record({"type", "name"}, {descriptor_type, t.string});
  auto advice = enumeration({"normal", "sequential", "random", "will-need", "dont-need", "no-reuse"});
  auto hash = record({"lower", "upper"}, {t.u64, t.u64});

  auto def = [&](const std::string& name, std::vector<AbiTypePtr> params, AbiTypePtr res, Method m) {
    params.insert(params.begin(), self);
    add_function(*types, "[method]descriptor." + name, std::move(params), std::move(res), method(sp, "descriptor." + name, std::move(m)));
  };

  def("read-via-stream", {t.u64}, result(own(s.ids.input_stream), ec), [](WasiState& s, Descriptor& d, auto& a) {
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
  def("write-via-stream", {t.u64}, result(own(s.ids.output_stream), ec), writer(false));
  def("append-via-stream", {}, result(own(s.ids.output_stream), ec), writer(true));
  def("advise", {t.u64, t.u64, advice}, unit, [](WasiState&, Descriptor& d, auto& a) {
    static const int kAdvice[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM, POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
    if (d.directory) return failure(FsError::BadDescriptor);
    int rc = ::posix_fadvise(d.fd->get(), off_t(std::min<uint64_t>(a[1].u, INT64_MAX)), off_t(std::min<uint64_t>(a[2].u, INT64_MAX)),
                             kAdvice[std::min<uint32_t>(a[3].case_index, 5)]);
    return rc == 0 ? ok() : failure_errno(rc);
  });
  def("sync-data", {}, unit, [](WasiState&, Descriptor& d, auto&) { return ::fdatasync(d.fd->get()) == 0 ? ok() : failure_errno(errno); });
  def("sync", {}, unit, [](WasiState&, Descriptor& d, auto&) { return ::fsync(d.fd->get()) == 0 ? ok() : failure_errno(errno); });
  def("get-flags", {}, result(descriptor_flags, ec), [](WasiState&, Descriptor& d, auto&) {
    return ok(Value::flags({d.read, d.write, false, false, false, d.mutate}));
  });
  def("get-type", {}, result(descriptor_type, ec), [](WasiState&, Descriptor& d, auto&) {
    struct stat st{};
    if (::fstat(d.fd->get(), &st) != 0) return failure_errno(errno);
    return ok(Value::variant(AbiKind::Enum, type_of_mode(st.st_mode)));
  });
  def("set-size", {t.u64}, unit, [](WasiState&, Descriptor& d, auto& a) {
    if (d.directory) return failure(FsError::IsDirectory);
    if (!d.write) return failure(FsError::BadDescriptor);
    if (a[1].u > uint64_t(INT64_MAX)) return failure(FsError::FileTooLarge);
    return ::ftruncate(d.fd->get(), off_t(a[1].u)) == 0 ? ok() : failure_errno(errno);
  });
  def("set-times", {new_timestamp, new_timestamp}, unit, [](WasiState&, Descriptor& d, auto& a) {
    if (!d.write && !d.mutate) return failure(FsError::ReadOnly);
    timespec ts[2];
    if (!timestamps(a[1], a[2], ts)) return failure(FsError::Invalid);
    return ::futimens(d.fd->get(), ts) == 0 ? ok() : failure_errno(errno);
  });
  def("read", {t.u64, t.u64}, result(tuple({t.bytes, t.boolean}), ec), [](WasiState& s, Descriptor& d, auto& a) {
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
  def("write", {t.bytes, t.u64}, result(t.u64, ec), [](WasiState&, Descriptor& d, auto& a) {
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
  def("read-directory", {}, result(own(s.ids.directory_entry_stream), ec), [](WasiState& s, Descriptor& d, auto&) { return read_directory(s, d); });
  def("create-directory-at", {t.string}, unit, [](WasiState&, Descriptor& d, auto& a) {
    if (!d.mutate) return failure(d.directory ? FsError::ReadOnly : FsError::NotDirectory);
    auto p = open_parent(d.fd->get(), a[1].str);
    if (auto* e = std::get_if<FsError>(&p)) return failure(*e);
    auto& parent = std::get<Parent>(p);
    return ::mkdirat(parent.fd->get(), parent.leaf.c_str(), 0777) == 0 ? ok() : failure_errno(errno);
  });
  def("stat", {}, result(descriptor_stat, ec), [](WasiState&, Descriptor& d, auto&) {
    struct stat st{};
    if (::fstat(d.fd->get(), &st) != 0) return failure_errno(errno);
    return ok(stat_value(st));
  });
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
  def("stat-at", {path_flags, t.string}, result(descriptor_stat, ec), stat_at(false));
  def("set-times-at", {path_flags, t.string, new_timestamp, new_timestamp}, unit, [](WasiState&, Descriptor& d, auto& a) {
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
  def("link-at", {path_flags, t.string, self, t.string}, unit, [](WasiState& s, Descriptor& d, auto& a) {
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
  def("open-at", {path_flags, t.string, open_flags, descriptor_flags}, result(own(s.ids.descriptor), ec), open_at);
  def("readlink-at", {t.string}, result(t.string, ec), [](WasiState&, Descriptor& d, auto& a) {
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
  def("remove-directory-at", {t.string}, unit, [](WasiState&, Descriptor& d, auto& a) {
    if (!d.mutate) return failure(d.directory ? FsError::ReadOnly : FsError::NotDirectory);
    auto p = open_parent(d.fd->get(), a[1].str);
    if (auto* e = std::get_if<FsError>(&p)) return failure(*e);
    auto& parent = std::get<Parent>(p);
    return ::unlinkat(parent.fd->get(), parent.leaf.c_str(), AT_REMOVEDIR) == 0 ? ok() : failure_errno(errno);
  });
  def("rename-at", {t.string, self, t.string}, unit, [](WasiState& s, Descriptor& d, auto& a) {
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
  def("symlink-at", {t.string, t.string}, unit, [](WasiState&, Descriptor& d, auto& a) {
    if (!d.mutate) return failure(d.directory ? FsError::ReadOnly : FsError::NotDirectory);
    const std::string& target = a[1].str;
    if (!target.empty() && target[0] == '/') return failure(FsError::NotPermitted);
    if (target.find('\0') != std::string::npos || target.size() > kMaxPathBytes) return failure(FsError::Invalid);
    auto p = open_parent(d.fd->get(), a[2].str);
    if (auto* e = std::get_if<FsError>(&p)) return failure(*e);
    auto& parent = std::get<Parent>(p);
    return ::symlinkat(target.c_str(), parent.fd->get(), parent.leaf.c_str()) == 0 ? ok() : failure_errno(errno);
  });
  def("unlink-file-at", {t.string}, unit, [](WasiState&, Descriptor& d, auto& a) {
    if (!d.mutate) return failure(d.directory ? FsError::ReadOnly : FsError::NotDirectory);
    auto p = open_parent(d.fd->get(), a[1].str);
    if (auto* e = std::get_if<FsError>(&p)) return failure(*e);
    auto& parent = std::get<Parent>(p);
    return ::unlinkat(parent.fd->get(), parent.leaf.c_str(), 0) == 0 ? ok() : failure_errno(errno);
  });
  add_function(*types, "[method]descriptor.is-same-object", {self, self}, t.boolean, [sp](auto& a, auto& r) -> Status {
    Descriptor* x = sp->descriptors.find(a[0].u);
    Descriptor* y = sp->descriptors.find(a[1].u);
    if (!x || !y) return unknown_handle("descriptor.is-same-object", "descriptor");
    struct stat sx{}, sy{};
    bool same = sp->gate.check(kCapFilesystem) && ::fstat(x->fd->get(), &sx) == 0 && ::fstat(y->fd->get(), &sy) == 0 &&
                sx.st_dev == sy.st_dev && sx.st_ino == sy.st_ino;
    r = {Value::boolean(same)};
    return {};
  });
  def("metadata-hash", {}, result(hash, ec), [](WasiState&, Descriptor& d, auto&) {
    struct stat st{};
    if (::fstat(d.fd->get(), &st) != 0) return failure_errno(errno);
    return ok(hash_value(st));
  });
  def("metadata-hash-at", {path_flags, t.string}, result(hash, ec), stat_at(true));

  add_function(*types, "[method]directory-entry-stream.read-directory-entry", {borrow(s.ids.directory_entry_stream)},
               result(option(directory_entry), ec), [sp](auto& a, auto& r) -> Status {
                 DirectoryStream* ds = sp->dir_streams.find(a[0].u);
                 if (!ds) return unknown_handle("directory-entry-stream.read-directory-entry", "directory-entry-stream");
                 r = {next_entry(*ds)};
                 return {};
               });
  add_function(*types, "filesystem-error-code", {borrow(s.ids.error)}, option(ec), [sp](auto& a, auto& r) -> Status {
    IoError* e = sp->errors.find(a[0].u);
    if (!e) return unknown_handle("filesystem-error-code", "error");
    r = {e->fs ? some(fs_error(*e->fs)) : none()};
    return {};
  });
  linker.define(types);

  auto preopens = std::make_shared<HostInstance>(std::string("wasi:filesystem/preopens") + kVersion);
  add_function(*preopens, "get-directories", {}, list(tuple({own(s.ids.descriptor), t.string})), [sp](auto&, auto& r) -> Status {
    std::vector<Value> dirs;
    if (sp->gate.check(kCapFilesystem)) {
      for (const WasiPreopen& p : sp->opts->preopens) {
        if (quota_full(*sp)) break;
        int fd = ::open(p.host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) continue;  // a configured directory that is gone is simply not offered
        dirs.push_back(Value::tuple({new_descriptor(*sp, fd, true, false, p.writable), Value::string(p.guest_path)}));
      }
    }
    r = {Value::list(std::move(dirs))};
    return {};
  });
  linker.define(preopens);
}

}  // namespace torvyn::security::wasi
