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
// The methods are in filesystem_descriptor.cc (on the descriptor itself) and filesystem_at.cc
// (paths below a directory); path confinement in filesystem_beneath.cc.
#include <errno.h>
#include <fcntl.h>

#include "filesystem_values.h"

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

namespace fs {

void define_method(HostInstance& types, const StatePtr& sp, const FsTypes& ft, const std::string& name,
                   std::vector<AbiTypePtr> params, AbiTypePtr result, Method m) {
  params.insert(params.begin(), ft.self);
  add_function(types, "[method]descriptor." + name, std::move(params), std::move(result), method(sp, "descriptor." + name, std::move(m)));
}

}  // namespace fs

void define_filesystem(component::Linker& linker, const StatePtr& sp) {
  using namespace component::abi;
  WasiState& s = *sp;
  const Types& t = s.t;

  auto types = std::make_shared<HostInstance>(std::string("wasi:filesystem/types") + kVersion);
  s.ids.descriptor = types->add_resource("descriptor", [sp](uint64_t rep) { sp->descriptors.erase(rep); });
  s.ids.directory_entry_stream = types->add_resource("directory-entry-stream", [sp](uint64_t rep) { sp->dir_streams.erase(rep); });

  fs::FsTypes ft;
  ft.self = borrow(s.ids.descriptor);
  ft.ec = t.error_code;
  ft.unit = result(nullptr, ft.ec);
  ft.descriptor_type = enumeration({"unknown", "block-device", "character-device", "directory", "fifo", "symbolic-link", "regular-file", "socket"});
  ft.descriptor_flags = flags({"read", "write", "file-integrity-sync", "data-integrity-sync", "requested-write-sync", "mutate-directory"});
  ft.path_flags = flags({"symlink-follow"});
  ft.open_flags = flags({"create", "directory", "exclusive", "truncate"});
  auto opt_dt = option(t.datetime);
  ft.descriptor_stat = record({"type", "link-count", "size", "data-access-timestamp", "data-modification-timestamp", "status-change-timestamp"},
                              {ft.descriptor_type, t.u64, t.u64, opt_dt, opt_dt, opt_dt});
  ft.new_timestamp = variant({"no-change", "now", "timestamp"}, {nullptr, nullptr, t.datetime});
  ft.directory_entry = record({"type", "name"}, {ft.descriptor_type, t.string});
  ft.advice = enumeration({"normal", "sequential", "random", "will-need", "dont-need", "no-reuse"});
  ft.hash = record({"lower", "upper"}, {t.u64, t.u64});
  fs::define_descriptor_methods(*types, sp, ft);
  fs::define_path_methods(*types, sp, ft);

  add_function(*types, "filesystem-error-code", {borrow(s.ids.error)}, option(ft.ec), [sp](auto& a, auto& r) -> Status {
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
        if (fs::quota_full(*sp)) break;
        int fd = ::open(p.host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) continue;  // a configured directory that is gone is simply not offered
        dirs.push_back(Value::tuple({fs::new_descriptor(*sp, fd, true, false, p.writable), Value::string(p.guest_path)}));
      }
    }
    r = {Value::list(std::move(dirs))};
    return {};
  });
  linker.define(preopens);
}

}  // namespace torvyn::security::wasi
