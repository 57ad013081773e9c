// A minimal in-memory host for torvyn:streaming@0.1.0 `types` and `buffer-allocator`, for testing
// the component runtime against real guest components. (The production host, with pooled buffers
// and copy accounting, lives in the runtime layer above.)
#pragma once

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "torvyn/component/runtime.h"

namespace torvyn::component::testing {

struct TestBuffer {
  std::string bytes;
  std::string content_type;
  uint64_t capacity = 0;
  bool frozen = false;
};

class StreamingTestHost {
 public:
  StreamingTestHost() {
    types = std::make_shared<HostInstance>("torvyn:streaming/types@0.1.0");
    allocator = std::make_shared<HostInstance>("torvyn:streaming/buffer-allocator@0.1.0");
    buffer = types->add_resource("buffer", [this](uint64_t rep) { drop(rep); });
    mutable_buffer = types->add_resource("mutable-buffer", [this](uint64_t rep) { drop(rep); });
    flow_context = types->add_resource("flow-context", [this](uint64_t) { ++contexts_dropped; });

    using namespace abi;
    auto u64 = prim(AbiKind::U64), str = prim(AbiKind::String), bytes = list(prim(AbiKind::U8));
    buffer_error = variant({"capacity-exceeded", "out-of-bounds", "allocation-failed"}, {nullptr, nullptr, str});
    auto b_buf = borrow(buffer), b_mut = borrow(mutable_buffer), b_ctx = borrow(flow_context);

    method("[method]buffer.size", {b_buf}, {u64}, [this](auto& a, auto& r) { r = {Value::u64(AbiKind::U64, get(a[0]).bytes.size())}; });
    method("[method]buffer.content-type", {b_buf}, {str}, [this](auto& a, auto& r) { r = {Value::string(get(a[0]).content_type)}; });
    method("[method]buffer.read-all", {b_buf}, {bytes}, [this](auto& a, auto& r) { r = {bytes_value(get(a[0]).bytes)}; });
    method("[method]buffer.read", {b_buf, u64, u64}, {bytes}, [this](auto& a, auto& r) {
      const std::string& b = get(a[0]).bytes;
      uint64_t off = std::min<uint64_t>(a[1].u, b.size());
      r = {bytes_value(b.substr(off, std::min<uint64_t>(a[2].u, b.size() - off)))};
    });
    auto unit_or_error = result(nullptr, buffer_error);
    method("[method]mutable-buffer.write", {b_mut, u64, bytes}, {unit_or_error}, [this](auto& a, auto& r) {
      TestBuffer& b = get(a[0]);
      if (a[1].u > b.bytes.size()) return r.assign({Value::variant(AbiKind::Result, 1, {Value::variant(AbiKind::Variant, 1)})});
      b.bytes.replace(a[1].u, a[2].str.size(), a[2].str);
      r = {Value::variant(AbiKind::Result, 0)};
    });
    method("[method]mutable-buffer.append", {b_mut, bytes}, {unit_or_error}, [this](auto& a, auto& r) {
      get(a[0]).bytes += a[1].str;
      r = {Value::variant(AbiKind::Result, 0)};
    });
    method("[method]mutable-buffer.size", {b_mut}, {u64}, [this](auto& a, auto& r) { r = {Value::u64(AbiKind::U64, get(a[0]).bytes.size())}; });
    method("[method]mutable-buffer.capacity", {b_mut}, {u64}, [this](auto& a, auto& r) { r = {Value::u64(AbiKind::U64, get(a[0]).capacity)}; });
    method("[method]mutable-buffer.set-content-type", {b_mut, str}, {}, [this](auto& a, auto& r) { get(a[0]).content_type = a[1].str; });
    method("[method]mutable-buffer.freeze", {b_mut}, {own(buffer)}, [this](auto& a, auto& r) {
      TestBuffer copy = get(a[0]);
      copy.frozen = true;
      get(a[0]).frozen = true;
      r = {Value::handle(AbiKind::Own, add(std::move(copy)))};
    });
    method("[method]flow-context.trace-id", {b_ctx}, {str}, [](auto&, auto& r) { r = {Value::string("")}; });
    method("[method]flow-context.span-id", {b_ctx}, {str}, [](auto&, auto& r) { r = {Value::string("")}; });
    method("[method]flow-context.flow-id", {b_ctx}, {str}, [](auto&, auto& r) { r = {Value::string("test-flow")}; });
    method("[method]flow-context.deadline-ns", {b_ctx}, {u64}, [](auto&, auto& r) { r = {Value::u64(AbiKind::U64, 0)}; });

    auto alloc_result = result(own(mutable_buffer), buffer_error);
    AbiFuncType alloc{{"capacity-hint"}, {u64}, {alloc_result}};
    allocator->add_function("allocate", alloc, [this](HostCall&, const std::vector<Value>& a, std::vector<Value>& r) {
      TestBuffer b;
      b.capacity = a[0].u;
      r = {Value::variant(AbiKind::Result, 0, {Value::handle(AbiKind::Own, add(std::move(b)))})};
      return Status{};
    });
    AbiFuncType clone{{"source"}, {b_buf}, {alloc_result}};
    allocator->add_function("clone-into-mutable", clone, [this](HostCall&, const std::vector<Value>& a, std::vector<Value>& r) {
      TestBuffer b = get(a[0]);
      b.frozen = false;
      r = {Value::variant(AbiKind::Result, 0, {Value::handle(AbiKind::Own, add(std::move(b)))})};
      return Status{};
    });
    linker.define(types);
    linker.define(allocator);
  }

  uint64_t add(TestBuffer b) {
    uint64_t id = next_id++;
    buffers[id] = std::move(b);
    return id;
  }
  TestBuffer& get(const Value& handle) { return buffers.at(handle.u); }
  void drop(uint64_t rep) {
    buffers.erase(rep);
    ++buffers_dropped;
  }
  static Value bytes_value(const std::string& s) {
    Value v = Value::list({});
    v.str = s;
    return v;
  }

  // The stream-element the host passes to process(): payload and context are lent (borrow).
  Value stream_element(uint64_t seq, uint64_t payload, uint64_t ctx, const std::string& ct) {
    Value meta = Value::record({Value::u64(AbiKind::U64, seq), Value::u64(AbiKind::U64, 0), Value::string(ct)});
    return Value::record({meta, Value::handle(AbiKind::Borrow, payload), Value::handle(AbiKind::Borrow, ctx)});
  }

  AbiTypePtr element_meta() const {
    using namespace abi;
    return record({"sequence", "timestamp-ns", "content-type"}, {prim(AbiKind::U64), prim(AbiKind::U64), prim(AbiKind::String)});
  }

  std::shared_ptr<HostInstance> types, allocator;
  Linker linker;
  uint32_t buffer = 0, mutable_buffer = 0, flow_context = 0;
  AbiTypePtr buffer_error;
  std::map<uint64_t, TestBuffer> buffers;
  uint64_t next_id = 1;
  int buffers_dropped = 0, contexts_dropped = 0;

 private:
  template <typename F>
  void method(const std::string& name, std::vector<AbiTypePtr> params, std::vector<AbiTypePtr> results, F body) {
    AbiFuncType t;
    t.params = std::move(params);
    for (size_t i = 0; i < t.params.size(); ++i) t.param_names.push_back(i == 0 ? "self" : "p" + std::to_string(i));
    t.results = std::move(results);
    static const bool trace = std::getenv("TORVYN_TRACE_HOST") != nullptr;  // read once: benchmarks call these
    types->add_function(name, t, [body, name](HostCall&, const std::vector<Value>& a, std::vector<Value>& r) {
      if (trace) std::fprintf(stderr, "host: %s(%s)\n", name.c_str(), a.empty() ? "" : a[0].to_string().c_str());
      body(a, r);
      return Status{};
    });
  }
};

}  // namespace torvyn::component::testing
