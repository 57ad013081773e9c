// The per-instance state behind the WASI host functions, and helpers shared by the interface
// files (io.cc, cli.cc, clocks.cc, random.cc, filesystem.cc).
//
// Resource representations (`rep`s) are host ids from one counter; the runtime's handle tables
// map a guest's i32 handles to them and check the resource type, and every function here looks
// its rep up again, so a stale or foreign rep is an error, never a crash.
#pragma once

#include <dirent.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "guest_output.h"
#include "torvyn/component/runtime.h"
#include "torvyn/security/capability.h"
#include "torvyn/security/wasi_host.h"

namespace torvyn::security::wasi {

using component::AbiKind;
using component::AbiTypePtr;
using component::HostInstance;
using component::Value;

// Interface names we define. Any import "…@0.2.x" is satisfied by these (Linker::find).
inline constexpr const char* kVersion = "@0.2.0";

// Capability names.
inline constexpr const char* kCapEnvironment = "wasi:cli/environment";
inline constexpr const char* kCapRandom = "wasi:random";
inline constexpr const char* kCapFilesystem = "wasi:filesystem";

// wasi:filesystem/types error-code, in WIT order (the enum's case index).
enum class FsError : uint32_t {
  Access, WouldBlock, Already, BadDescriptor, Busy, Deadlock, Quota, Exist, FileTooLarge, IllegalByteSequence,
  InProgress, Interrupted, Invalid, Io, IsDirectory, Loop, TooManyLinks, MessageSize, NameTooLong, NoDevice,
  NoEntry, NoLock, InsufficientMemory, InsufficientSpace, NotDirectory, NotEmpty, NotRecoverable, Unsupported,
  NoTty, NoSuchDevice, Overflow, NotPermitted, Pipe, ReadOnly, InvalidSeek, TextFileBusy, CrossDevice,
};
FsError fs_error_from_errno(int err);

// A host file descriptor, closed on destruction. Long-lived ones (a descriptor and the streams
// made from it share one) count against the instance's open-file quota through `open_count`.
class HostFd {
 public:
  explicit HostFd(int fd, size_t* open_count = nullptr) : fd_(fd), open_count_(open_count) {
    if (open_count_) ++*open_count_;
  }
  ~HostFd();
  HostFd(const HostFd&) = delete;
  HostFd& operator=(const HostFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
  size_t* open_count_;
};

struct OutputStream {
  enum class Kind { Stdout, Stderr, File } kind = Kind::Stdout;
  std::shared_ptr<HostFd> file;
  uint64_t offset = 0;
  bool append = false;
};

struct InputStream {
  enum class Kind { Stdin, File } kind = Kind::Stdin;
  std::shared_ptr<HostFd> file;
  uint64_t offset = 0;
  bool closed = false;
};

struct Pollable {
  bool timer = false;        // false: always ready (streams here never wait)
  uint64_t deadline_ns = 0;  // monotonic clock
};

struct IoError {
  std::string message;
  std::optional<FsError> fs;
};

struct Descriptor {
  std::shared_ptr<HostFd> fd;
  bool read = false, write = false, mutate = false;  // descriptor-flags the guest holds
  bool directory = false;
};

// A directory being listed: its own open directory stream, read one entry per call.
struct DirectoryStream {
  std::shared_ptr<DIR> dir;  // closes (and releases its quota) when the last user goes
};

// Resource type identities, one per WIT resource.
struct ResourceIds {
  uint32_t error = 0, pollable = 0, input_stream = 0, output_stream = 0;
  uint32_t descriptor = 0, directory_entry_stream = 0, terminal_input = 0, terminal_output = 0;
};

// The value types the interfaces share.
struct Types {
  AbiTypePtr u8, u32, u64, boolean, string, bytes;
  AbiTypePtr stream_error;  // variant { last-operation-failed(own<error>), closed }
  AbiTypePtr datetime;      // record { seconds: u64, nanoseconds: u32 }
  AbiTypePtr error_code;    // wasi:filesystem/types error-code
};

// Thrown by RepTable::insert when an instance holds too many live resources; add_function turns
// it into a WasiLimitExceeded trap of the guest (so host memory cannot be exhausted by a guest that
// creates pollables or streams in a loop without dropping them).
class ResourceLimit : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ResourceBudget {
  size_t live = 0;
  size_t max = 0;
};

template <typename T>
class RepTable {
 public:
  explicit RepTable(ResourceBudget& budget) : budget_(budget) {}
  T* find(uint64_t rep) {
    auto it = items_.find(rep);
    return it == items_.end() ? nullptr : &it->second;
  }
  void insert(uint64_t rep, T v) {
    if (budget_.live >= budget_.max)
      throw ResourceLimit("the component holds " + std::to_string(budget_.live) + " WASI resources (the limit) without dropping them");
    items_.emplace(rep, std::move(v));
    ++budget_.live;
  }
  void erase(uint64_t rep) {
    if (items_.erase(rep)) --budget_.live;
  }
  size_t size() const { return items_.size(); }

 private:
  ResourceBudget& budget_;
  std::unordered_map<uint64_t, T> items_;
};

class WasiState final : public WasiContext {
 public:
  explicit WasiState(std::shared_ptr<WasiOptions> opts);
  ~WasiState() override;

  WasiStats stats() const override { return output.stats(); }
  void flush_output() override { output.flush(); }

  uint64_t new_rep() { return next_rep_++; }
  const std::string& name() const { return opts->component_name; }
  // The key of the [security.grants.<key>] table that grants this instance its capabilities.
  const std::string& grants_name() const { return opts->grants_name.empty() ? opts->component_name : opts->grants_name; }
  // "component 'x': " prefix for trap messages.
  std::string who() const { return "component '" + opts->component_name + "'"; }

  std::shared_ptr<WasiOptions> opts;
  CapabilityGate gate;
  GuestOutput output;
  ResourceIds ids;
  Types t;

  // Declared before the tables: they are released into these when destroyed.
  ResourceBudget budget;
  size_t open_files = 0;  // host fds held by descriptors, streams and directory listings

  RepTable<OutputStream> outputs{budget};
  RepTable<InputStream> inputs{budget};
  RepTable<Pollable> pollables{budget};
  RepTable<IoError> errors{budget};
  RepTable<Descriptor> descriptors{budget};
  RepTable<DirectoryStream> dir_streams{budget};

 private:
  uint64_t next_rep_ = 1;
};

using StatePtr = std::shared_ptr<WasiState>;

// ---- defining host functions ---------------------------------------------------------------

using Body = std::function<Status(const std::vector<Value>& args, std::vector<Value>& results)>;

// Adds `name` with params and an optional result. The body runs inside a try/catch: an exception
// (e.g. std::bad_alloc on a huge request) becomes a trap of the calling guest, never an unwind
// through guest frames.
void add_function(HostInstance& inst, const std::string& name, std::vector<AbiTypePtr> params, AbiTypePtr result, Body body);

// Value helpers.
inline Value ok(Value payload) { return Value::variant(AbiKind::Result, 0, {std::move(payload)}); }
inline Value ok() { return Value::variant(AbiKind::Result, 0); }
inline Value err(Value payload) { return Value::variant(AbiKind::Result, 1, {std::move(payload)}); }
inline Value some(Value v) { return Value::variant(AbiKind::Option, 1, {std::move(v)}); }
inline Value none() { return Value::variant(AbiKind::Option, 0); }
inline Value u64v(uint64_t v) { return Value::u64(AbiKind::U64, v); }
inline Value u32v(uint32_t v) { return Value::u64(AbiKind::U32, v); }
inline Value own_handle(uint64_t rep) { return Value::handle(AbiKind::Own, rep); }
inline Value bytes_value(std::string s) {
  Value v = Value::list({});
  v.str = std::move(s);
  return v;
}
inline Value stream_closed() { return Value::variant(AbiKind::Variant, 1); }
inline Value fs_error(FsError e) { return Value::variant(AbiKind::Enum, static_cast<uint32_t>(e)); }

// Errors that trap the calling guest.
Error misuse(const WasiState& s, const std::string& what);
Error limit(const WasiState& s, const std::string& what);
Error unknown_handle(const std::string& function, const char* resource);

uint64_t monotonic_now_ns();

// Per-interface definitions (each defines its HostInstances into the linker).
void define_io(component::Linker& linker, const StatePtr& s);
void define_cli(component::Linker& linker, const StatePtr& s);
void define_clocks(component::Linker& linker, const StatePtr& s);
void define_random(component::Linker& linker, const StatePtr& s);
void define_filesystem(component::Linker& linker, const StatePtr& s);

// Stream operations shared by io.cc (stdio) and filesystem.cc (file streams). They return the
// stream-error value to give the guest, or nothing on success.
std::optional<Value> read_input(WasiState& s, InputStream& in, uint64_t len, std::string& data);
std::optional<Value> write_output(WasiState& s, OutputStream& out, std::string_view bytes);
// stream-error::last-operation-failed with a new wasi:io/error resource.
Value stream_failed(WasiState& s, std::string message, std::optional<FsError> fs);

}  // namespace torvyn::security::wasi
