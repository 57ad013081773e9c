// A tracing host for torvyn:streaming@0.1.0 `types` and `buffer-allocator`, for the differential
// test against the JS reference host (sdk/tests/reference-host/host.mjs + trace-driver.mjs).
//
// Unlike src/component/runtime/tests/streaming_test_host.h (a minimal host), this one mirrors
// host.mjs's semantics exactly, because the test compares what crosses the boundary, not just the
// outputs: allocation grants the pool tier (4 KiB, 64 KiB, 1 MiB, else the hint), writes past the
// capacity fail with capacity-exceeded, past the size with out-of-bounds, after freeze with
// allocation-failed("buffer is frozen"), and an optional live-bytes budget makes allocation fail.
// Every guest call is appended to `trace` in the canonical form documented at the top of
// trace-driver.mjs (TraceEncoder below produces the same value encoding).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "torvyn/component/runtime.h"

namespace torvyn::component::testing {

// Canonical JSON of component values: u64 as decimal strings, records as objects with their WIT
// labels, variants as {tag, val?}, handles renumbered "<resource>#<n>" in order of first
// appearance, list<u8> as {len, text} or {len, head, fnv1a64}.
class TraceEncoder {
 public:
  void name_resource(uint32_t id, std::string name) { names_[id] = std::move(name); }

  std::string handle(uint32_t resource, uint64_t rep) {
    auto name = names_.find(resource);
    auto [it, fresh] = ids_.try_emplace(rep, ids_.size() + 1);
    (void)fresh;
    return (name != names_.end() ? name->second : "resource-" + std::to_string(resource)) + "#" + std::to_string(it->second);
  }

  static std::string escape(std::string_view b) {
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (unsigned char c : b) {
      if (c == '\\') {
        s += "\\\\";
      } else if (c >= 0x20 && c <= 0x7e) {
        s += static_cast<char>(c);
      } else {
        s += "\\x";
        s += hex[c >> 4];
        s += hex[c & 15];
      }
    }
    return s;
  }

  static nlohmann::json bytes(std::string_view b) {
    if (b.size() <= 256) return {{"len", b.size()}, {"text", escape(b)}};
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : b) h = (h ^ c) * 0x100000001b3ull;
    char digest[17];
    std::snprintf(digest, sizeof digest, "%016llx", static_cast<unsigned long long>(h));
    return {{"len", b.size()}, {"head", escape(b.substr(0, 32))}, {"fnv1a64", digest}};
  }

  // `t` null = no value (a function without results). `owned` receives the rep of every own
  // handle met, with its resource type (the outputs of an export's result).
  nlohmann::json value(const Value& v, const AbiType* t, std::vector<std::pair<uint32_t, uint64_t>>* owned = nullptr) {
    if (!t) return nullptr;
    switch (t->kind) {
      case AbiKind::Bool: return v.b;
      case AbiKind::S8: case AbiKind::S16: case AbiKind::S32: return v.s;
      case AbiKind::S64: return std::to_string(v.s);
      case AbiKind::U8: case AbiKind::U16: case AbiKind::U32: case AbiKind::Char: return v.u;
      case AbiKind::U64: return std::to_string(v.u);
      case AbiKind::F32: return v.f32;
      case AbiKind::F64: return v.f64;
      case AbiKind::String: return v.str;
      case AbiKind::Own:
        if (owned) owned->emplace_back(t->resource, v.u);
        return handle(t->resource, v.u);
      case AbiKind::Borrow: return handle(t->resource, v.u);
      case AbiKind::List: {
        if ((t->elems[0]->kind == AbiKind::U8 || t->elems[0]->kind == AbiKind::S8) && v.items.empty()) return bytes(v.str);
        nlohmann::json a = nlohmann::json::array();
        for (const Value& x : v.items) a.push_back(value(x, t->elems[0].get(), owned));
        return a;
      }
      case AbiKind::Record: case AbiKind::Tuple: {
        nlohmann::json o = nlohmann::json::object();
        for (size_t i = 0; i < t->elems.size() && i < v.items.size(); ++i) {
          std::string key = i < t->labels.size() ? t->labels[i] : std::to_string(i);
          o[key] = value(v.items[i], t->elems[i].get(), owned);
        }
        return o;
      }
      case AbiKind::Enum: return v.case_index < t->labels.size() ? nlohmann::json(t->labels[v.case_index]) : nlohmann::json(v.case_index);
      case AbiKind::Variant: case AbiKind::Option: case AbiKind::Result: {
        static const char* option_tags[] = {"none", "some"};
        static const char* result_tags[] = {"ok", "err"};
        std::string tag = t->kind == AbiKind::Option ? option_tags[v.case_index & 1]
                          : t->kind == AbiKind::Result ? result_tags[v.case_index & 1]
                          : v.case_index < t->labels.size() ? t->labels[v.case_index] : std::to_string(v.case_index);
        nlohmann::json o = {{"tag", tag}};
        const AbiType* payload = abi::case_payload(*t, v.case_index);
        if (payload && !v.items.empty()) o["val"] = value(v.items[0], payload, owned);
        return o;
      }
      case AbiKind::Flags: {
        nlohmann::json a = nlohmann::json::array();
        for (size_t i = 0; i < v.flag_set.size() && i < t->labels.size(); ++i)
          if (v.flag_set[i]) a.push_back(t->labels[i]);
        return a;
      }
    }
    return nullptr;
  }

 private:
  std::map<uint32_t, std::string> names_;
  std::map<uint64_t, size_t> ids_;  // reps are unique across this host's resource types
};

struct FlowContextFields {
  std::string flow_id = "flow-0", trace_id, span_id;
  uint64_t deadline_ns = 0;
};

struct TracingHostOptions {
  FlowContextFields context;                // the defaults of every element's flow-context
  std::optional<uint64_t> max_live_bytes;   // allocation fails past this many live mutable bytes
};

class TracingStreamingHost {
 public:
  static constexpr const char* kTypes = "torvyn:streaming/types@0.1.0";
  static constexpr const char* kAllocator = "torvyn:streaming/buffer-allocator@0.1.0";

  explicit TracingStreamingHost(TracingHostOptions opts = {}) : opts_(std::move(opts)) {
    types_ = std::make_shared<HostInstance>(kTypes);
    allocator_ = std::make_shared<HostInstance>(kAllocator);
    buffer_type = types_->add_resource("buffer", [this](uint64_t rep) { dropped(buffer_type, "buffer", rep); });
    mutable_type = types_->add_resource("mutable-buffer", [this](uint64_t rep) { dropped(mutable_type, "mutable-buffer", rep); });
    context_type = types_->add_resource("flow-context", [this](uint64_t rep) { dropped(context_type, "flow-context", rep); });
    enc.name_resource(buffer_type, "buffer");
    enc.name_resource(mutable_type, "mutable-buffer");
    enc.name_resource(context_type, "flow-context");

    using namespace abi;
    auto u64 = prim(AbiKind::U64), str = prim(AbiKind::String), bytes = list(prim(AbiKind::U8));
    auto buffer_error = variant({"capacity-exceeded", "out-of-bounds", "allocation-failed"}, {nullptr, nullptr, str});
    auto unit_or_error = result(nullptr, buffer_error);
    auto b_buf = borrow(buffer_type), b_mut = borrow(mutable_type), b_ctx = borrow(context_type);
    auto U64 = [](uint64_t x) { return Value::u64(AbiKind::U64, x); };
    auto ok = [](std::vector<Value> payload = {}) { return Value::variant(AbiKind::Result, 0, std::move(payload)); };
    auto err = [](uint32_t which, std::string message = {}) {
      std::vector<Value> payload;
      if (which == 2) payload.push_back(Value::string(std::move(message)));
      return Value::variant(AbiKind::Result, 1, {Value::variant(AbiKind::Variant, which, std::move(payload))});
    };

    // buffer
    method("[method]buffer.size", {b_buf}, u64, [=, this](const auto& a) -> Result<Value> {
      auto* b = get(a[0], Kind::Buffer);
      if (!b) return bad("buffer");
      return U64(b->bytes.size());
    });
    method("[method]buffer.content-type", {b_buf}, str, [this](const auto& a) -> Result<Value> {
      auto* b = get(a[0], Kind::Buffer);
      if (!b) return bad("buffer");
      return Value::string(b->content_type);
    });
    method("[method]buffer.read", {b_buf, u64, u64}, bytes, [this](const auto& a) -> Result<Value> {
      auto* b = get(a[0], Kind::Buffer);
      if (!b) return bad("buffer");
      uint64_t start = std::min<uint64_t>(a[1].u, b->bytes.size());
      uint64_t n = std::min<uint64_t>(a[2].u, b->bytes.size() - start);  // short read, no error
      return byte_list(b->bytes.substr(start, n));
    });
    method("[method]buffer.read-all", {b_buf}, bytes, [this](const auto& a) -> Result<Value> {
      auto* b = get(a[0], Kind::Buffer);
      if (!b) return bad("buffer");
      return byte_list(b->bytes);
    });
    // mutable-buffer
    auto write = [=, this](Res& m, uint64_t off, const std::string& data) -> Value {
      if (m.frozen) return err(2, "buffer is frozen");
      if (off > m.bytes.size()) return err(1);
      if (off + data.size() > m.capacity) return err(0);
      if (m.bytes.size() < off + data.size()) m.bytes.resize(off + data.size());
      m.bytes.replace(off, data.size(), data);
      return ok();
    };
    method("[method]mutable-buffer.write", {b_mut, u64, bytes}, unit_or_error, [=, this](const auto& a) -> Result<Value> {
      auto* m = get(a[0], Kind::Mutable);
      if (!m) return bad("mutable-buffer");
      return write(*m, a[1].u, a[2].str);
    });
    method("[method]mutable-buffer.append", {b_mut, bytes}, unit_or_error, [=, this](const auto& a) -> Result<Value> {
      auto* m = get(a[0], Kind::Mutable);
      if (!m) return bad("mutable-buffer");
      return write(*m, m->bytes.size(), a[1].str);
    });
    method("[method]mutable-buffer.size", {b_mut}, u64, [=, this](const auto& a) -> Result<Value> {
      auto* m = get(a[0], Kind::Mutable);
      if (!m) return bad("mutable-buffer");
      return U64(m->bytes.size());
    });
    method("[method]mutable-buffer.capacity", {b_mut}, u64, [=, this](const auto& a) -> Result<Value> {
      auto* m = get(a[0], Kind::Mutable);
      if (!m) return bad("mutable-buffer");
      return U64(m->capacity);
    });
    method("[method]mutable-buffer.set-content-type", {b_mut, str}, nullptr, [this](const auto& a) -> Result<Value> {
      auto* m = get(a[0], Kind::Mutable);
      if (!m) return bad("mutable-buffer");
      m->content_type = a[1].str;
      return Value{};
    });
    method("[method]mutable-buffer.freeze", {b_mut}, own(buffer_type), [this](const auto& a) -> Result<Value> {
      auto* m = get(a[0], Kind::Mutable);
      if (!m) return bad("mutable-buffer");
      m->frozen = true;  // later writes fail; the guest still owns and drops the mutable handle
      std::string data = m->bytes, ct = m->content_type;
      return Value::handle(AbiKind::Own, add_buffer(std::move(data), std::move(ct)));
    });
    // flow-context
    auto ctx_string = [this](const char* name, std::string FlowContextFields::*field) {
      method(name, {borrow(context_type)}, abi::prim(AbiKind::String), [this, field](const auto& a) -> Result<Value> {
        auto* c = get(a[0], Kind::Context);
        if (!c) return bad("flow-context");
        return Value::string(c->ctx.*field);
      });
    };
    ctx_string("[method]flow-context.trace-id", &FlowContextFields::trace_id);
    ctx_string("[method]flow-context.span-id", &FlowContextFields::span_id);
    ctx_string("[method]flow-context.flow-id", &FlowContextFields::flow_id);
    method("[method]flow-context.deadline-ns", {b_ctx}, u64, [=, this](const auto& a) -> Result<Value> {
      auto* c = get(a[0], Kind::Context);
      if (!c) return bad("flow-context");
      return U64(c->ctx.deadline_ns);
    });

    // buffer-allocator
    auto alloc_result = result(own(mutable_type), buffer_error);
    auto grant = [=, this](std::string initial, uint64_t capacity, std::string ct) -> Value {
      if (opts_.max_live_bytes && live_mutable_bytes_ + capacity > *opts_.max_live_bytes)
        return err(2, "budget of " + std::to_string(*opts_.max_live_bytes) + " bytes exhausted");
      Res m;
      m.kind = Kind::Mutable;
      m.bytes = std::move(initial);
      m.capacity = capacity;
      m.content_type = std::move(ct);
      live_mutable_bytes_ += capacity;
      return ok({Value::handle(AbiKind::Own, add(std::move(m)))});
    };
    function(allocator_, "allocate", {u64}, alloc_result, [=](const auto& a) -> Result<Value> {
      return grant({}, tier_capacity(a[0].u), {});
    });
    function(allocator_, "clone-into-mutable", {b_buf}, alloc_result, [=, this](const auto& a) -> Result<Value> {
      auto* b = get(a[0], Kind::Buffer);
      if (!b) return bad("buffer");
      return grant(b->bytes, tier_capacity(b->bytes.size()), b->content_type);  // a host-internal copy
    });
    linker.define(types_);
    linker.define(allocator_);
  }

  // The capacity the allocator grants for a hint: the pool tiers, else the hint (host.mjs's tierCapacity).
  static uint64_t tier_capacity(uint64_t hint) {
    if (hint <= 4096) return 4096;
    if (hint <= 64 * 1024) return 64 * 1024;
    if (hint <= 1024 * 1024) return 1024 * 1024;
    return hint;
  }

  // Host-side objects (no trace entry): an input payload and a flow-context to lend to a call.
  uint64_t add_buffer(std::string bytes, std::string content_type) {
    Res b;
    b.kind = Kind::Buffer;
    b.bytes = std::move(bytes);
    b.content_type = std::move(content_type);
    return add(std::move(b));
  }
  uint64_t add_context(FlowContextFields ctx) {
    Res c;
    c.kind = Kind::Context;
    c.ctx = std::move(ctx);
    return add(std::move(c));
  }
  const FlowContextFields& default_context() const { return opts_.context; }

  // An output buffer the guest handed over (nullptr if `rep` is not a live buffer).
  struct BufferView {
    const std::string& bytes;
    const std::string& content_type;
  };
  std::optional<BufferView> buffer(uint64_t rep) const {
    auto it = res_.find(rep);
    if (it == res_.end() || it->second.kind != Kind::Buffer) return std::nullopt;
    return BufferView{it->second.bytes, it->second.content_type};
  }
  // The host is done with a buffer or context it holds (no trace entry; reps are never reused).
  void release(uint64_t rep) {
    auto it = res_.find(rep);
    if (it != res_.end() && it->second.kind != Kind::Mutable) res_.erase(it);
  }
  size_t live_mutable_buffers() const {
    return static_cast<size_t>(std::count_if(res_.begin(), res_.end(), [](const auto& r) { return r.second.kind == Kind::Mutable; }));
  }

  Linker linker;
  nlohmann::json trace = nlohmann::json::array();
  std::function<void()> on_entry;  // runs after each host entry is complete (e.g. to stream it out)
  TraceEncoder enc;
  uint32_t buffer_type = 0, mutable_type = 0, context_type = 0;

 private:
  enum class Kind { Buffer, Mutable, Context };
  struct Res {
    Kind kind = Kind::Buffer;
    std::string bytes;  // Buffer / Mutable: the contents (Mutable: its current size)
    std::string content_type;
    uint64_t capacity = 0;
    bool frozen = false;
    FlowContextFields ctx;
  };

  uint64_t add(Res r) {
    uint64_t rep = next_rep_++;
    res_.emplace(rep, std::move(r));
    return rep;
  }
  Res* get(const Value& handle, Kind kind) {
    auto it = res_.find(handle.u);
    return it != res_.end() && it->second.kind == kind ? &it->second : nullptr;
  }
  static Error bad(const char* what) { return Error(ErrorCode::GuestTrap, std::string("unknown or dropped ") + what + " handle"); }
  static Value byte_list(std::string s) {
    Value v = Value::list({});
    v.str = std::move(s);
    return v;
  }

  // A guest dropped an own handle: the resource's destructor.
  void dropped(uint32_t type, const char* name, uint64_t rep) {
    trace.push_back({{"host", std::string(kTypes) + "#[resource-drop]" + name}, {"args", {enc.handle(type, rep)}}, {"result", nullptr}});
    if (on_entry) on_entry();
    auto it = res_.find(rep);
    if (it == res_.end()) return;
    if (it->second.kind == Kind::Mutable) live_mutable_bytes_ -= it->second.capacity;
    if (it->second.kind != Kind::Context) res_.erase(it);  // the host keeps the contexts it lends
  }

  using Body = std::function<Result<Value>(const std::vector<Value>&)>;
  void method(const std::string& name, std::vector<AbiTypePtr> params, AbiTypePtr result, Body body) {
    function(types_, name, std::move(params), std::move(result), std::move(body));
  }
  // Registers a host function that records {host, args, result|trap} around `body`.
  void function(const std::shared_ptr<HostInstance>& inst, const std::string& name, std::vector<AbiTypePtr> params,
                AbiTypePtr result, Body body) {
    AbiFuncType t;
    t.params = std::move(params);
    for (size_t i = 0; i < t.params.size(); ++i) t.param_names.push_back(i == 0 ? "self" : "p" + std::to_string(i));
    if (result) t.results.push_back(result);
    std::string full = inst->name() + "#" + name;
    auto params_copy = t.params;
    inst->add_function(name, t, [this, full, params_copy, result, body](HostCall&, const std::vector<Value>& a, std::vector<Value>& r) -> Status {
      nlohmann::json entry = {{"host", full}, {"args", nlohmann::json::array()}};
      for (size_t i = 0; i < a.size() && i < params_copy.size(); ++i) entry["args"].push_back(enc.value(a[i], params_copy[i].get()));
      size_t at = trace.size();
      trace.push_back(entry);
      auto v = body(a);
      if (!v) {
        trace[at]["trap"] = true;
        if (on_entry) on_entry();
        return v.take_error();
      }
      trace[at]["result"] = enc.value(*v, result.get());
      if (on_entry) on_entry();
      if (result) r = {std::move(*v)};
      return Status{};
    });
  }

  TracingHostOptions opts_;
  std::shared_ptr<HostInstance> types_, allocator_;
  std::map<uint64_t, Res> res_;
  uint64_t next_rep_ = 1;
  uint64_t live_mutable_bytes_ = 0;
};

}  // namespace torvyn::component::testing
