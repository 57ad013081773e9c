// wasi:random/random, insecure and insecure-seed, gated by "wasi:random".
//
// Denied calls trap (E0700 CapabilityDenied) instead of returning something: these functions
// cannot report failure in WASI 0.2, and bytes that only look random (zeros, a counter) would
// silently weaken whatever the guest uses them for (keys, nonces, hash seeds).
#include <errno.h>
#include <sys/random.h>

#include "state.h"

namespace torvyn::security::wasi {

namespace {

Status fill_random(std::string& out, size_t n) {
  out.resize(n);
  size_t done = 0;
  while (done < n) {
    ssize_t got = getrandom(out.data() + done, n - done, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return Error(ErrorCode::EnvironmentError, std::string("getrandom failed: ") + strerror(errno));
    }
    done += size_t(got);
  }
  return {};
}

Status check(WasiState& s, const char* function) {
  if (s.gate.check(kCapRandom)) return {};
  return Error(ErrorCode::CapabilityDenied, s.who() + " called " + function + " but was not granted capability \"" + kCapRandom +
                                                "\" (add it to [security.grants." + s.grants_name() + "] capabilities)");
}

}  // namespace

void define_random(component::Linker& linker, const StatePtr& sp) {
  WasiState& s = *sp;
  const Types& t = s.t;

  auto bytes = [sp](const char* function) {
    return [sp, function](const std::vector<Value>& a, std::vector<Value>& r) -> Status {
      if (auto st = check(*sp, function); !st) return st;
      if (a[0].u > sp->opts->max_request_bytes)
        return limit(*sp, std::string(function) + " asked for " + std::to_string(a[0].u) + " bytes; the limit is " +
                              std::to_string(sp->opts->max_request_bytes));
      std::string out;
      if (auto st = fill_random(out, size_t(a[0].u)); !st) return st;
      r = {bytes_value(std::move(out))};
      return {};
    };
  };
  auto u64 = [sp](const char* function) {
    return [sp, function](const std::vector<Value>&, std::vector<Value>& r) -> Status {
      if (auto st = check(*sp, function); !st) return st;
      std::string out;
      if (auto st = fill_random(out, 8); !st) return st;
      uint64_t v = 0;
      std::memcpy(&v, out.data(), 8);
      r = {u64v(v)};
      return {};
    };
  };

  auto random = std::make_shared<HostInstance>(std::string("wasi:random/random") + kVersion);
  add_function(*random, "get-random-bytes", {t.u64}, t.bytes, bytes("wasi:random/random.get-random-bytes"));
  add_function(*random, "get-random-u64", {}, t.u64, u64("wasi:random/random.get-random-u64"));
  linker.define(random);

  auto insecure = std::make_shared<HostInstance>(std::string("wasi:random/insecure") + kVersion);
  add_function(*insecure, "get-insecure-random-bytes", {t.u64}, t.bytes, bytes("wasi:random/insecure.get-insecure-random-bytes"));
  add_function(*insecure, "get-insecure-random-u64", {}, t.u64, u64("wasi:random/insecure.get-insecure-random-u64"));
  linker.define(insecure);

  auto seed = std::make_shared<HostInstance>(std::string("wasi:random/insecure-seed") + kVersion);
  add_function(*seed, "insecure-seed", {}, component::abi::tuple({t.u64, t.u64}), [sp](auto&, auto& r) -> Status {
    if (auto st = check(*sp, "wasi:random/insecure-seed.insecure-seed"); !st) return st;
    std::string out;
    if (auto st = fill_random(out, 16); !st) return st;
    uint64_t a = 0, b = 0;
    std::memcpy(&a, out.data(), 8);
    std::memcpy(&b, out.data() + 8, 8);
    r = {Value::tuple({u64v(a), u64v(b)})};
    return {};
  });
  linker.define(seed);
}

}  // namespace torvyn::security::wasi
