// What the wasi:filesystem methods share: results and error codes, descriptor types, stat and
// metadata-hash records, new-timestamp arguments, and the descriptor-method wrapper that looks up
// `self` and re-checks the grant. (filesystem.cc defines the interface; the methods are in
// filesystem_descriptor.cc and filesystem_at.cc.)
#pragma once

#include <dirent.h>
#include <sys/stat.h>

#include <string>
#include <string_view>
#include <vector>

#include "state.h"

namespace torvyn::security::wasi::fs {

inline constexpr uint64_t kMaxReadBytes = 1 << 20;

// descriptor-type cases.
enum : uint32_t { kUnknown, kBlockDevice, kCharacterDevice, kDirectory, kFifo, kSymbolicLink, kRegularFile, kSocket };

inline Value failure(FsError e) { return err(fs_error(e)); }
inline Value failure_errno(int e) { return failure(fs_error_from_errno(e)); }

inline bool valid_utf8(std::string_view s) { return GuestOutput::valid_utf8(s); }

inline uint32_t type_of_mode(mode_t m) {
  if (S_ISREG(m)) return kRegularFile;
  if (S_ISDIR(m)) return kDirectory;
  if (S_ISLNK(m)) return kSymbolicLink;
  if (S_ISCHR(m)) return kCharacterDevice;
  if (S_ISBLK(m)) return kBlockDevice;
  if (S_ISFIFO(m)) return kFifo;
  if (S_ISSOCK(m)) return kSocket;
  return kUnknown;
}

inline uint32_t type_of_dirent(unsigned char t) {
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

inline Value datetime(const timespec& ts) {
  return Value::record({u64v(uint64_t(ts.tv_sec < 0 ? 0 : ts.tv_sec)), u32v(uint32_t(ts.tv_nsec))});
}

inline Value stat_value(const struct stat& st) {
  return Value::record({Value::variant(AbiKind::Enum, type_of_mode(st.st_mode)), u64v(uint64_t(st.st_nlink)), u64v(uint64_t(st.st_size)),
                        some(datetime(st.st_atim)), some(datetime(st.st_mtim)), some(datetime(st.st_ctim))});
}

inline uint64_t mix(uint64_t x) {  // splitmix64 finaliser
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

inline Value hash_value(const struct stat& st) {
  uint64_t a = mix(uint64_t(st.st_dev) ^ mix(uint64_t(st.st_ino)));
  uint64_t b = mix(uint64_t(st.st_size) ^ mix(uint64_t(st.st_mtim.tv_sec) * 1000000000ull + uint64_t(st.st_mtim.tv_nsec)));
  return Value::record({u64v(mix(a ^ b)), u64v(mix(b + a * 31))});
}

inline bool timestamps(const Value& atime, const Value& mtime, timespec ts[2]) {
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
inline Body method(const StatePtr& sp, std::string name, Method m) {
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
inline bool quota_full(const WasiState& s) { return s.open_files >= s.opts->max_open_files; }

inline Value new_descriptor(WasiState& s, int fd, bool read, bool write, bool mutate) {
  auto file = std::make_shared<HostFd>(fd, &s.open_files);
  struct stat st{};
  bool dir = ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
  uint64_t rep = s.new_rep();
  s.descriptors.insert(rep, Descriptor{std::move(file), read, write, mutate && dir, dir});
  return own_handle(rep);
}

// The WIT types the methods are declared with (built once per instance in filesystem.cc).
struct FsTypes {
  AbiTypePtr self, ec, unit, descriptor_type, descriptor_flags, path_flags, open_flags, descriptor_stat, new_timestamp,
      directory_entry, advice, hash;
};

// Adds `[method]descriptor.<name>` (self first) to `types`.
void define_method(HostInstance& types, const StatePtr& sp, const FsTypes& ft, const std::string& name,
                   std::vector<AbiTypePtr> params, AbiTypePtr result, Method m);

// `def(name, params, result, body)` adds `[method]descriptor.<name>`: what each definer below uses.
struct MethodDefiner {
  HostInstance& types;
  const StatePtr& sp;
  const FsTypes& ft;
  void operator()(const std::string& name, std::vector<AbiTypePtr> params, AbiTypePtr result, Method m) const {
    define_method(types, sp, ft, name, std::move(params), std::move(result), std::move(m));
  }
};

// The descriptor's own I/O, metadata and listing (filesystem_descriptor.cc), and the operations on
// paths below a directory descriptor (filesystem_at.cc).
void define_descriptor_methods(HostInstance& types, const StatePtr& sp, const FsTypes& ft);
void define_path_methods(HostInstance& types, const StatePtr& sp, const FsTypes& ft);

}  // namespace torvyn::security::wasi::fs
