// wasi:io/error, wasi:io/poll and wasi:io/streams.
//
// Streams here never make a guest wait: stdout/stderr accept everything (bounded by the output
// cap), stdin is closed, and file streams do plain positioned I/O. The only real waiting is for
// monotonic-clock timers, each wait capped by WasiOptions::max_block.
#include <errno.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include "state.h"

namespace torvyn::security::wasi {

namespace {

constexpr uint64_t kWritePermit = 64 * 1024;  // what check-write grants per call
constexpr uint64_t kMaxReadChunk = 1 << 20;  // most bytes one read returns

// Sleeps until `deadline` (monotonic ns), refusing waits longer than the configured maximum: a
// host thread blocked in a guest's sleep cannot be stopped by the invocation watchdog.
Status wait_until(WasiState& s, uint64_t deadline, const char* what) {
  uint64_t now = monotonic_now_ns();
  if (deadline <= now) return {};
  uint64_t max_ns = uint64_t(std::max<int64_t>(0, s.opts->max_block.count())) * 1000000ull;
  if (deadline - now > max_ns)
    return limit(s, std::string(what) + " would wait " + std::to_string((deadline - now) / 1000000) + " ms; the limit is " +
                        std::to_string(s.opts->max_block.count()) + " ms");
  timespec ts{};
  ts.tv_sec = time_t(deadline / 1000000000ull);
  ts.tv_nsec = long(deadline % 1000000000ull);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
  return {};
}

bool ready(const Pollable& p, uint64_t now) { return !p.timer || p.deadline_ns <= now; }

uint64_t new_ready_pollable(WasiState& s) {
  uint64_t rep = s.new_rep();
  s.pollables.insert(rep, Pollable{});
  return rep;
}

}  // namespace

std::optional<Value> read_input(WasiState& s, InputStream& in, uint64_t len, std::string& data) {
  data.clear();
  if (in.kind == InputStream::Kind::Stdin || in.closed) return stream_closed();
  uint64_t n = std::min({len, kMaxReadChunk, s.opts->max_request_bytes});
  if (n == 0) return std::nullopt;
  data.resize(n);
  ssize_t got;
  do {
    got = ::pread(in.file->get(), data.data(), n, off_t(in.offset));
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    int e = errno;
    data.clear();
    return stream_failed(s, std::string("read failed: ") + strerror(e), fs_error_from_errno(e));
  }
  data.resize(size_t(got));
  if (got == 0) {
    in.closed = true;  // end of file
    return stream_closed();
  }
  in.offset += uint64_t(got);
  return std::nullopt;
}

std::optional<Value> write_output(WasiState& s, OutputStream& out, std::string_view bytes) {
  switch (out.kind) {
    case OutputStream::Kind::Stdout: s.output.write(1, bytes); return std::nullopt;
    case OutputStream::Kind::Stderr: s.output.write(2, bytes); return std::nullopt;
    case OutputStream::Kind::File: break;
  }
  int fd = out.file->get();
  if (out.append) {
    struct stat st{};
    if (::fstat(fd, &st) != 0) return stream_failed(s, std::string("stat failed: ") + strerror(errno), fs_error_from_errno(errno));
    out.offset = uint64_t(st.st_size);
  }
  while (!bytes.empty()) {
    ssize_t put = ::pwrite(fd, bytes.data(), bytes.size(), off_t(out.offset));
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) {
      int e = put < 0 ? errno : EIO;
      return stream_failed(s, std::string("write failed: ") + strerror(e), fs_error_from_errno(e));
    }
    out.offset += uint64_t(put);
    bytes.remove_prefix(size_t(put));
  }
  return std::nullopt;
}

void define_io(component::Linker& linker, const StatePtr& sp) {
  using namespace component::abi;
  WasiState& s = *sp;
  const Types& t = s.t;

  // ---- wasi:io/error ----
  auto error = std::make_shared<HostInstance>(std::string("wasi:io/error") + kVersion);
  s.ids.error = error->add_resource("error", [sp](uint64_t rep) { sp->errors.erase(rep); });
  add_function(*error, "[method]error.to-debug-string", {borrow(s.ids.error)}, t.string, [sp](auto& a, auto& r) -> Status {
    IoError* e = sp->errors.find(a[0].u);
    if (!e) return unknown_handle("error.to-debug-string", "error");
    r = {Value::string(e->message)};
    return {};
  });
  linker.define(error);

  // ---- wasi:io/poll ----
  auto poll = std::make_shared<HostInstance>(std::string("wasi:io/poll") + kVersion);
  s.ids.pollable = poll->add_resource("pollable", [sp](uint64_t rep) { sp->pollables.erase(rep); });
  auto b_pollable = borrow(s.ids.pollable);
  add_function(*poll, "[method]pollable.ready", {b_pollable}, t.boolean, [sp](auto& a, auto& r) -> Status {
    Pollable* p = sp->pollables.find(a[0].u);
    if (!p) return unknown_handle("pollable.ready", "pollable");
    r = {Value::boolean(ready(*p, monotonic_now_ns()))};
    return {};
  });
  add_function(*poll, "[method]pollable.block", {b_pollable}, nullptr, [sp](auto& a, auto&) -> Status {
    Pollable* p = sp->pollables.find(a[0].u);
    if (!p) return unknown_handle("pollable.block", "pollable");
    return p->timer ? wait_until(*sp, p->deadline_ns, "pollable.block") : Status{};
  });
  add_function(*poll, "poll", {list(b_pollable)}, list(t.u32), [sp](auto& a, auto& r) -> Status {
    const auto& in = a[0].items;
    if (in.empty()) return misuse(*sp, "wasi:io/poll.poll was called with an empty list (the interface says this traps)");
    std::vector<const Pollable*> ps;
    ps.reserve(in.size());
    for (const Value& h : in) {
      const Pollable* p = sp->pollables.find(h.u);
      if (!p) return unknown_handle("poll", "pollable");
      ps.push_back(p);
    }
    auto collect = [&](uint64_t now) {
      std::vector<Value> out;
      for (size_t i = 0; i < ps.size(); ++i)
        if (ready(*ps[i], now)) out.push_back(u32v(uint32_t(i)));
      return out;
    };
    std::vector<Value> out = collect(monotonic_now_ns());
    if (out.empty()) {
      uint64_t earliest = UINT64_MAX;
      for (const Pollable* p : ps) earliest = std::min(earliest, p->deadline_ns);
      if (auto st = wait_until(*sp, earliest, "wasi:io/poll.poll"); !st) return st;
      out = collect(std::max(monotonic_now_ns(), earliest));
    }
    r = {Value::list(std::move(out))};
    return {};
  });
  linker.define(poll);

  // ---- wasi:io/streams ----
  auto streams = std::make_shared<HostInstance>(std::string("wasi:io/streams") + kVersion);
  s.ids.input_stream = streams->add_resource("input-stream", [sp](uint64_t rep) { sp->inputs.erase(rep); });
  s.ids.output_stream = streams->add_resource("output-stream", [sp](uint64_t rep) { sp->outputs.erase(rep); });
  s.t.stream_error = variant({"last-operation-failed", "closed"}, {own(s.ids.error), nullptr});
  auto b_in = borrow(s.ids.input_stream), b_out = borrow(s.ids.output_stream);
  auto bytes_or_error = result(t.bytes, s.t.stream_error);
  auto u64_or_error = result(t.u64, s.t.stream_error);
  auto unit_or_error = result(nullptr, s.t.stream_error);

  auto read = [sp](const char* fn) {
    return [sp, fn](const std::vector<Value>& a, std::vector<Value>& r) -> Status {
      InputStream* in = sp->inputs.find(a[0].u);
      if (!in) return unknown_handle(fn, "input-stream");
      std::string data;
      if (auto e = read_input(*sp, *in, a[1].u, data)) r = {err(std::move(*e))};
      else r = {ok(bytes_value(std::move(data)))};
      return {};
    };
  };
  auto skip = [sp](const char* fn) {
    return [sp, fn](const std::vector<Value>& a, std::vector<Value>& r) -> Status {
      InputStream* in = sp->inputs.find(a[0].u);
      if (!in) return unknown_handle(fn, "input-stream");
      std::string data;
      if (auto e = read_input(*sp, *in, a[1].u, data)) r = {err(std::move(*e))};
      else r = {ok(u64v(data.size()))};
      return {};
    };
  };
  add_function(*streams, "[method]input-stream.read", {b_in, t.u64}, bytes_or_error, read("input-stream.read"));
  add_function(*streams, "[method]input-stream.blocking-read", {b_in, t.u64}, bytes_or_error, read("input-stream.blocking-read"));
  add_function(*streams, "[method]input-stream.skip", {b_in, t.u64}, u64_or_error, skip("input-stream.skip"));
  add_function(*streams, "[method]input-stream.blocking-skip", {b_in, t.u64}, u64_or_error, skip("input-stream.blocking-skip"));
  add_function(*streams, "[method]input-stream.subscribe", {b_in}, own(s.ids.pollable), [sp](auto& a, auto& r) -> Status {
    if (!sp->inputs.find(a[0].u)) return unknown_handle("input-stream.subscribe", "input-stream");
    r = {own_handle(new_ready_pollable(*sp))};
    return {};
  });

  add_function(*streams, "[method]output-stream.check-write", {b_out}, u64_or_error, [sp](auto& a, auto& r) -> Status {
    if (!sp->outputs.find(a[0].u)) return unknown_handle("output-stream.check-write", "output-stream");
    r = {ok(u64v(kWritePermit))};
    return {};
  });
  auto write = [sp](const char* fn) {
    return [sp, fn](const std::vector<Value>& a, std::vector<Value>& r) -> Status {
      OutputStream* out = sp->outputs.find(a[0].u);
      if (!out) return unknown_handle(fn, "output-stream");
      if (auto e = write_output(*sp, *out, a[1].str)) r = {err(std::move(*e))};
      else r = {ok()};
      return {};
    };
  };
  add_function(*streams, "[method]output-stream.write", {b_out, t.bytes}, unit_or_error, write("output-stream.write"));
  add_function(*streams, "[method]output-stream.blocking-write-and-flush", {b_out, t.bytes}, unit_or_error,
               write("output-stream.blocking-write-and-flush"));
  auto flush = [sp](const char* fn) {
    // Output reaches the log line by line; a flush does not end a line (fd_write flushes after
    // every call, which would otherwise split printf output).
    return [sp, fn](const std::vector<Value>& a, std::vector<Value>& r) -> Status {
      if (!sp->outputs.find(a[0].u)) return unknown_handle(fn, "output-stream");
      r = {ok()};
      return {};
    };
  };
  add_function(*streams, "[method]output-stream.flush", {b_out}, unit_or_error, flush("output-stream.flush"));
  add_function(*streams, "[method]output-stream.blocking-flush", {b_out}, unit_or_error, flush("output-stream.blocking-flush"));
  add_function(*streams, "[method]output-stream.subscribe", {b_out}, own(s.ids.pollable), [sp](auto& a, auto& r) -> Status {
    if (!sp->outputs.find(a[0].u)) return unknown_handle("output-stream.subscribe", "output-stream");
    r = {own_handle(new_ready_pollable(*sp))};
    return {};
  });
  auto zeroes = [sp](const char* fn) {
    return [sp, fn](const std::vector<Value>& a, std::vector<Value>& r) -> Status {
      OutputStream* out = sp->outputs.find(a[0].u);
      if (!out) return unknown_handle(fn, "output-stream");
      if (a[1].u > sp->opts->max_request_bytes)
        return limit(*sp, std::string(fn) + " of " + std::to_string(a[1].u) + " bytes exceeds the request limit");
      if (auto e = write_output(*sp, *out, std::string(size_t(a[1].u), '\0'))) r = {err(std::move(*e))};
      else r = {ok()};
      return {};
    };
  };
  add_function(*streams, "[method]output-stream.write-zeroes", {b_out, t.u64}, unit_or_error, zeroes("output-stream.write-zeroes"));
  add_function(*streams, "[method]output-stream.blocking-write-zeroes-and-flush", {b_out, t.u64}, unit_or_error,
               zeroes("output-stream.blocking-write-zeroes-and-flush"));
  auto splice = [sp](const char* fn) {
    return [sp, fn](const std::vector<Value>& a, std::vector<Value>& r) -> Status {
      OutputStream* out = sp->outputs.find(a[0].u);
      if (!out) return unknown_handle(fn, "output-stream");
      InputStream* in = sp->inputs.find(a[1].u);
      if (!in) return unknown_handle(fn, "input-stream");
      std::string data;
      if (auto e = read_input(*sp, *in, std::min(a[2].u, kWritePermit), data)) {
        r = {err(std::move(*e))};
        return {};
      }
      if (auto e = write_output(*sp, *out, data)) r = {err(std::move(*e))};
      else r = {ok(u64v(data.size()))};
      return {};
    };
  };
  add_function(*streams, "[method]output-stream.splice", {b_out, b_in, t.u64}, u64_or_error, splice("output-stream.splice"));
  add_function(*streams, "[method]output-stream.blocking-splice", {b_out, b_in, t.u64}, u64_or_error, splice("output-stream.blocking-splice"));
  linker.define(streams);
}

}  // namespace torvyn::security::wasi
