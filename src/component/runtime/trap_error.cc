#include "trap_error.h"

#include <optional>
#include <string>
#include <string_view>

namespace torvyn::component {
namespace {

std::optional<ErrorCode> code_of(std::string_view id) {
#define X(name, code, what) \
  if (id == code) return ErrorCode::name;
#include "torvyn/base/error_codes.def"
#undef X
  return std::nullopt;
}

// A host function that fails hands its Error to the trap as text ("import: error[E0302]: ..." or
// "E0300: ..."). Taken apart again here, the flow reports the host's code once instead of a
// GuestTrap with the code nested in its message.
std::optional<Error> host_error(const std::string& message) {
  size_t at = message.find("error[E");
  if (at != std::string::npos && message.size() >= at + 14 && message.compare(at + 11, 3, "]: ") == 0) {
    if (auto code = code_of(std::string_view(message).substr(at + 6, 5)))
      return Error(*code, "host function failed: " + message.substr(0, at) + message.substr(at + 14));
  }
  if (message.size() >= 7 && message[0] == 'E' && message.compare(5, 2, ": ") == 0) {
    if (auto code = code_of(std::string_view(message).substr(0, 5))) return Error(*code, message.substr(7));
  }
  return std::nullopt;
}

}  // namespace

Error trap_error(const wasm::Trap& t) {
  if (t.kind == wasm::TrapKind::HostError)
    if (auto e = host_error(t.message)) return *e;
  const std::string kind = wasm::to_string(t.kind);
  // Engines describe a limit's trap in full ("fuel exhausted: the invocation used ..."); other
  // traps carry the kind's name or a detail, so the name is said once either way.
  std::string message = t.message.empty() ? kind : t.message.rfind(kind, 0) == 0 ? t.message : kind + ": " + t.message;
  switch (t.kind) {
    case wasm::TrapKind::FuelExhausted: return Error(ErrorCode::FuelExhausted, std::move(message));
    case wasm::TrapKind::Timeout: return Error(ErrorCode::InvocationTimeout, std::move(message));
    default: break;
  }
  if (t.memory_cap_pages != 0) {
    const uint64_t mib = uint64_t{t.memory_cap_pages} * 65536 / (1024 * 1024);
    return Error(ErrorCode::MemoryCapReached,
                 message + ", with the component's memory at the cap of " + std::to_string(mib) + " MiB (memory.grow past it returns -1)");
  }
  return Error(ErrorCode::GuestTrap, std::move(message));
}

}  // namespace torvyn::component
