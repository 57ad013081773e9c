// The WASI 0.2 host subset: what components built with wasi-libc and the preview1 adapter import
// (wasi:io, wasi:clocks, wasi:cli, wasi:random, wasi:filesystem), capability-gated and deny-all.
//
// Always available (harmless): stdout/stderr (to the `log` callback, never to the process's own
// stdout), stdin (an empty, closed stream), terminal-* (none), wall and monotonic clocks, poll,
// wasi:io/error, and exit (traps the calling guest with "component called exit(<code>)").
// Gated: "wasi:cli/environment" (else empty), "wasi:random" (else the call traps with
// E0700 CapabilityDenied: a random source cannot fail in WASI 0.2, and silently handing out
// non-random bytes could break a guest's security), "wasi:filesystem" (else no preopened
// directories, so the guest sees no files). Sockets are not provided: a component importing
// wasi:sockets does not link. Every decision is audited on first use.
//
// Note for guest authors: with no terminal, wasi-libc buffers stdout fully (stderr is unbuffered),
// so printf output reaches the log at fflush(stdout), when 1 KiB is buffered, or at exit; the host
// itself logs whole lines only.
//
// Nothing a guest does may hurt the host: handles are checked by the runtime's handle tables and
// again here, sizes are capped, output is bounded, and blocking is limited.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "torvyn/component/runtime.h"
#include "torvyn/security/capability.h"

namespace torvyn::security {

// A host directory shown to the guest by wasi:filesystem/preopens (only with "wasi:filesystem").
// Paths below it are resolved with the kernel's RESOLVE_BENEATH: `..`, absolute paths and symbolic
// links cannot leave it.
struct WasiPreopen {
  std::string host_path;   // an existing directory on the host
  std::string guest_path;  // the name the guest sees, e.g. "/data" or "."
  bool writable = false;   // may the guest create, change, rename and delete below it
};

// Counters of guest output, per define_wasi call (one component instance).
struct WasiStats {
  uint64_t bytes_logged = 0;     // bytes of guest output delivered to `log`
  uint64_t bytes_dropped = 0;    // bytes dropped: over the output cap, or cut from over-long lines
  uint64_t lines_logged = 0;
  uint64_t lines_truncated = 0;  // lines cut at max_line_bytes
};

struct WasiOptions {
  // Guest output, one call per line (without the newline), per stream. Text is made safe for
  // logs: invalid UTF-8 becomes U+FFFD, control characters other than tab are escaped (\x1b).
  std::function<void(std::string_view component, int fd /*1 stdout, 2 stderr*/, std::string_view text)> log;
  // Capability names granted to this component (deny-all otherwise), e.g. "wasi:random",
  // "wasi:cli/environment", "wasi:filesystem". A grant covers its descendants ("wasi:cli").
  std::set<std::string> granted;
  // Called on first use of each capability (granted or denied).
  std::function<void(std::string_view component, std::string_view capability, bool granted)> audit;
  // Who the instance is in logs and errors (the host passes the node id).
  std::string component_name;
  // The [[component]] whose [security.grants.<name>] table a denial tells the operator to extend;
  // component_name when empty. (A node id is not a grants key: node `p` runs component `probe`.)
  std::string grants_name;
  // Exposed only if "wasi:cli/environment" is granted.
  std::map<std::string, std::string> env;
  // Visible only if "wasi:filesystem" is granted.
  std::vector<WasiPreopen> preopens;

  // Limits.
  size_t max_line_bytes = 4096;              // longer lines are cut (the rest counted as dropped)
  uint64_t max_output_bytes = 1 << 20;       // per instance, stdout and stderr together
  std::chrono::milliseconds max_block{1000};  // longest single wait in poll/sleep; longer traps
  uint64_t max_request_bytes = 16 << 20;     // largest random/read request served in one call
  size_t max_resources = 1 << 16;            // live WASI resources (streams, pollables, ...); more traps
  size_t max_open_files = 256;               // host files/directories held open; more fail with `quota`
};

// What define_wasi set up for one component instance: its output counters, and a way to deliver
// a last line the guest left without a newline (also done when the context is destroyed, i.e.
// when the Linker and every Instance using it are gone).
class WasiContext {
 public:
  virtual ~WasiContext() = default;
  virtual WasiStats stats() const = 0;
  virtual void flush_output() = 0;
};

// Defines every WASI interface the preview1 adapter and wasi-libc reactors may import into `linker`
// for one component instance (versions @0.2.0; the linker accepts any compatible 0.2.x import):
// wasi:io/{error,poll,streams}, wasi:cli/{stdin,stdout,stderr,terminal-input,terminal-output,
// terminal-stdin,terminal-stdout,terminal-stderr,environment,exit}, wasi:clocks/{wall-clock,
// monotonic-clock}, wasi:random/{random,insecure,insecure-seed}, wasi:filesystem/{types,preopens}.
// Use one Linker (and one call) per component instance: the state (output buffers, counters,
// resources) is per call. Grants, limits and preopens are read now; `log` and `audit` are called on
// the thread that runs the instance, and `log` possibly once more when the context is destroyed.
// Guest-visible failures: a denied random call, exit(), an over-long wait and exceeding
// max_resources trap the guest (E0700, E0701, E0702; the instance is then poisoned); everything
// else is reported to the guest through WASI's own error values.
std::shared_ptr<WasiContext> define_wasi(component::Linker& linker, std::shared_ptr<WasiOptions> opts);

}  // namespace torvyn::security
