// define_wasi: the per-instance state, and the shared helpers of the interface files.
#include <time.h>
#include <unistd.h>

#include <new>

#include "state.h"

namespace torvyn::security::wasi {

namespace {

std::set<std::string, std::less<>> to_grants(const std::set<std::string>& g) { return {g.begin(), g.end()}; }

GuestOutput::Sink log_sink(WasiOptions* opts) {
  return [opts](int fd, std::string_view line) {
    if (!opts->log) return;
    try {
      opts->log(opts->component_name, fd, line);
    } catch (...) {
      // A failing log sink loses the line; it must not trap the guest or unwind through it.
    }
  };
}

}  // namespace

HostFd::~HostFd() {
  if (fd_ >= 0) ::close(fd_);
  if (open_count_) --*open_count_;
}

WasiState::WasiState(std::shared_ptr<WasiOptions> o)
    : opts(std::move(o)),
      gate(opts->component_name, to_grants(opts->granted), opts->audit),
      output(log_sink(opts.get()), opts->max_line_bytes, opts->max_output_bytes) {
  budget.max = opts->max_resources;
  using namespace component::abi;
  t.u8 = prim(AbiKind::U8);
  t.u32 = prim(AbiKind::U32);
  t.u64 = prim(AbiKind::U64);
  t.boolean = prim(AbiKind::Bool);
  t.string = prim(AbiKind::String);
  t.bytes = list(t.u8);
  t.datetime = record({"seconds", "nanoseconds"}, {t.u64, t.u32});
  t.error_code = enumeration({"access", "would-block", "already", "bad-descriptor", "busy", "deadlock", "quota", "exist",
                              "file-too-large", "illegal-byte-sequence", "in-progress", "interrupted", "invalid", "io",
                              "is-directory", "loop", "too-many-links", "message-size", "name-too-long", "no-device",
                              "no-entry", "no-lock", "insufficient-memory", "insufficient-space", "not-directory",
                              "not-empty", "not-recoverable", "unsupported", "no-tty", "no-such-device", "overflow",
                              "not-permitted", "pipe", "read-only", "invalid-seek", "text-file-busy", "cross-device"});
}

WasiState::~WasiState() {
  // The last partial line of each stream is still the guest's output.
  output.flush();
}

void add_function(HostInstance& inst, const std::string& name, std::vector<AbiTypePtr> params, AbiTypePtr result, Body body) {
  component::AbiFuncType type;
  for (size_t i = 0; i < params.size(); ++i) type.param_names.push_back("p" + std::to_string(i));
  type.params = std::move(params);
  if (result) type.results.push_back(std::move(result));
  std::string iface = inst.name();
  inst.add_function(name, std::move(type),
                    [body = std::move(body), iface, name](component::HostCall&, const std::vector<Value>& a, std::vector<Value>& r) -> Status {
                      try {
                        return body(a, r);
                      } catch (const ResourceLimit& e) {
                        return Error(ErrorCode::WasiLimitExceeded, iface + "." + name + ": " + e.what());
                      } catch (const std::bad_alloc&) {
                        return Error(ErrorCode::WasiLimitExceeded, iface + "." + name + ": out of host memory serving the request");
                      } catch (const std::exception& e) {
                        return Error(ErrorCode::Internal, iface + "." + name + ": " + e.what());
                      } catch (...) {
                        return Error(ErrorCode::Internal, iface + "." + name + ": unknown exception");
                      }
                    });
}

Error misuse(const WasiState& s, const std::string& what) { return Error(ErrorCode::WasiMisuse, s.who() + ": " + what); }
Error limit(const WasiState& s, const std::string& what) { return Error(ErrorCode::WasiLimitExceeded, s.who() + ": " + what); }
Error unknown_handle(const std::string& function, const char* resource) {
  return Error(ErrorCode::ResourceHandleError, function + ": unknown " + resource + " handle");
}

uint64_t monotonic_now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

Value stream_failed(WasiState& s, std::string message, std::optional<FsError> fs) {
  uint64_t rep = s.new_rep();
  s.errors.insert(rep, IoError{std::move(message), fs});
  return Value::variant(AbiKind::Variant, 0, {own_handle(rep)});
}

}  // namespace torvyn::security::wasi

namespace torvyn::security {

std::shared_ptr<WasiContext> define_wasi(component::Linker& linker, std::shared_ptr<WasiOptions> opts) {
  if (!opts) opts = std::make_shared<WasiOptions>();
  auto state = std::make_shared<wasi::WasiState>(std::move(opts));
  // io first: the other interfaces use its resources (error, pollable, streams).
  wasi::define_io(linker, state);
  wasi::define_cli(linker, state);
  wasi::define_clocks(linker, state);
  wasi::define_random(linker, state);
  wasi::define_filesystem(linker, state);
  return state;
}

}  // namespace torvyn::security
