// wasi:clocks/wall-clock and wasi:clocks/monotonic-clock: always available (reading a clock is
// harmless; timers only ever make the guest itself wait, within WasiOptions::max_block).
#include <time.h>

#include "state.h"

namespace torvyn::security::wasi {

namespace {

Value datetime(const timespec& ts) {
  return Value::record({u64v(uint64_t(ts.tv_sec < 0 ? 0 : ts.tv_sec)), u32v(uint32_t(ts.tv_nsec))});
}

uint64_t resolution_ns(clockid_t clock) {
  timespec ts{};
  if (clock_getres(clock, &ts) != 0) return 1;
  uint64_t ns = uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
  return ns ? ns : 1;
}

uint64_t saturating_add(uint64_t a, uint64_t b) { return b > UINT64_MAX - a ? UINT64_MAX : a + b; }

}  // namespace

void define_clocks(component::Linker& linker, const StatePtr& sp) {
  WasiState& s = *sp;
  const Types& t = s.t;

  auto wall = std::make_shared<HostInstance>(std::string("wasi:clocks/wall-clock") + kVersion);
  add_function(*wall, "now", {}, t.datetime, [](auto&, auto& r) -> Status {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    r = {datetime(ts)};
    return {};
  });
  add_function(*wall, "resolution", {}, t.datetime, [](auto&, auto& r) -> Status {
    timespec ts{};
    if (clock_getres(CLOCK_REALTIME, &ts) != 0 || (ts.tv_sec == 0 && ts.tv_nsec == 0)) ts = {0, 1};
    r = {datetime(ts)};
    return {};
  });
  linker.define(wall);

  auto mono = std::make_shared<HostInstance>(std::string("wasi:clocks/monotonic-clock") + kVersion);
  add_function(*mono, "now", {}, t.u64, [](auto&, auto& r) -> Status {
    r = {u64v(monotonic_now_ns())};
    return {};
  });
  add_function(*mono, "resolution", {}, t.u64, [](auto&, auto& r) -> Status {
    r = {u64v(resolution_ns(CLOCK_MONOTONIC))};
    return {};
  });
  auto timer = [sp](bool relative) {
    return [sp, relative](const std::vector<Value>& a, std::vector<Value>& r) -> Status {
      uint64_t rep = sp->new_rep();
      sp->pollables.insert(rep, Pollable{true, relative ? saturating_add(monotonic_now_ns(), a[0].u) : a[0].u});
      r = {own_handle(rep)};
      return {};
    };
  };
  add_function(*mono, "subscribe-instant", {t.u64}, component::abi::own(s.ids.pollable), timer(false));
  add_function(*mono, "subscribe-duration", {t.u64}, component::abi::own(s.ids.pollable), timer(true));
  linker.define(mono);
}

}  // namespace torvyn::security::wasi
