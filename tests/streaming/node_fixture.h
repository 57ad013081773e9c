// The fixture the streaming binding tests share: SDK-built components bound as ComponentNodes on one
// engine (the test parameter), host-owned inputs, and outputs read back from the pool.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <map>

#include "torvyn/streaming/batch_types.h"
#include "torvyn/streaming/component_node.h"
#include "torvyn/streaming/streaming_host.h"
#include "torvyn_test/engines.h"
#include "torvyn_test/files.h"

namespace torvyn::streaming::test_fixture {

using resources::BufferId;

inline std::string sdk(const std::string& name) { return std::string(TORVYN_SDK_COMPONENTS) + "/" + name + ".wasm"; }
inline std::string own(const std::string& name) { return std::string(TORVYN_STREAMING_COMPONENTS) + "/" + name + ".wasm"; }

// What an output element is, read back from the pool (its buffer is released).
struct Out {
  uint64_t sequence = 0, timestamp_ns = 0;
  std::string content_type, buffer_content_type, bytes;
  bool operator==(const Out&) const = default;
};
inline std::ostream& operator<<(std::ostream& o, const Out& x) {
  return o << "{" << x.sequence << ", " << x.timestamp_ns << ", '" << x.content_type << "', '" << x.buffer_content_type << "', "
           << x.bytes.size() << " bytes: " << (x.bytes.size() > 24 ? x.bytes.substr(0, 24) + "..." : x.bytes) << "}";
}
// An element's outcome: ok (with an output or none) or its failure.
struct Result1 {
  std::string status;  // "" ok, else "kind: message"
  std::optional<Out> out;
  bool operator==(const Result1&) const = default;
};
inline std::ostream& operator<<(std::ostream& o, const Result1& r) {
  o << "[" << r.status;
  if (r.out) o << " " << *r.out;
  return o << "]";
}

class Batch : public ::testing::TestWithParam<wasm::EngineKind> {
 public:
  void SetUp() override {
    engine = test::make_test_engine(GetParam(), TORVYN_TEST_CACHE_DIR);
    host.define(linker);
  }
  void TearDown() override {
    for (BufferId id : inputs_) (void)pool.release(id);
  }

  std::shared_ptr<component::LoadedComponent> load(const std::string& path) {
    auto& c = loaded[path];
    if (!c) {
      std::vector<uint8_t> bytes = test::read_bytes(path);
      auto r = component::LoadedComponent::load(engine, std::move(bytes), path);
      EXPECT_TRUE(r.ok()) << r.error().to_string();
      if (r) c = *r;
    }
    return c;
  }

  std::unique_ptr<ComponentNode> node(const std::string& path, const std::string& id, uint64_t budget = 0, StreamingHost* h = nullptr,
                                      component::Linker* l = nullptr, resources::BufferPool* p = nullptr) {
    auto inst = component::Instance::instantiate(*load(path), l ? *l : linker);
    EXPECT_TRUE(inst.ok()) << inst.error().to_string();
    if (!inst) return nullptr;
    owners[id] = (p ? *p : pool).register_owner(id, budget);
    auto n = ComponentNode::bind(std::move(*inst), h ? *h : host, InstanceAccount{owners[id], id}, std::nullopt);
    EXPECT_TRUE(n.ok()) << n.error().to_string();
    return n ? std::move(*n) : nullptr;
  }

  // Host-owned input buffers (released in TearDown).
  std::vector<reactor::InElement> inputs(const std::vector<std::string>& texts, const std::vector<std::string>& types) {
    std::vector<reactor::InElement> out;
    for (size_t i = 0; i < texts.size(); ++i) {
      auto id = *pool.allocate(resources::kHostOwner, texts[i].size());
      EXPECT_TRUE(pool.append(id, texts[i].data(), texts[i].size()).ok());
      EXPECT_TRUE(pool.set_content_type(id, types[i]).ok());
      EXPECT_TRUE(pool.freeze(id).ok());
      inputs_.push_back(id);
      strings_.push_back(types[i]);
      out.push_back({1000 + i, 7 * i, strings_.back(), id, 0, {}});
    }
    return out;
  }

  Out take(const reactor::OutElement& o, resources::BufferPool* p = nullptr) {
    resources::BufferPool& bp = p ? *p : pool;
    Out r{o.sequence, o.timestamp_ns, std::string(o.content_type.view()), "", ""};
    const resources::Buffer* b = bp.get(o.payload);
    EXPECT_NE(b, nullptr);
    if (b) {
      r.buffer_content_type = b->content_type;
      r.bytes.assign(reinterpret_cast<const char*>(b->data), b->size);
    }
    (void)bp.release(o.payload);
    return r;
  }
  static std::string describe(const reactor::CallStatus& st) { return st ? "" : st.describe(); }

  // Per element: process() on each input.
  std::vector<Result1> process_each(ComponentNode& n, std::span<const reactor::InElement> in) {
    std::vector<Result1> r;
    for (const auto& e : in) {
      std::optional<reactor::OutElement> out;
      reactor::CallStatus st = n.process(e, out);
      r.push_back({describe(st), out ? std::optional<Out>(take(*out)) : std::nullopt});
    }
    return r;
  }
  // Batched: process_batch() over the inputs, `max` at a time, as far as the node takes them.
  std::vector<Result1> process_batched(ComponentNode& n, std::span<const reactor::InElement> in, size_t max = 64, size_t* calls = nullptr) {
    std::vector<Result1> r;
    size_t at = 0;
    while (at < in.size()) {
      auto chunk = in.subspan(at, std::min(max, in.size() - at));
      std::vector<reactor::BatchOutcome> outcomes(chunk.size());
      size_t completed = 0;
      reactor::CallStatus st = n.process_batch(chunk, outcomes, completed);
      EXPECT_TRUE(st) << st.describe();
      if (!st || completed == 0) break;
      if (calls) ++*calls;
      for (size_t i = 0; i < completed; ++i)
        r.push_back({describe(outcomes[i].status), outcomes[i].out ? std::optional<Out>(take(*outcomes[i].out)) : std::nullopt});
      at += completed;
      if (!outcomes[completed - 1].status && outcomes[completed - 1].status.kind == reactor::FailKind::Fatal) break;
    }
    return r;
  }

  // Per element: push() on each input; each status, and how many asked for a pause.
  std::vector<std::string> push_each(ComponentNode& n, std::span<const reactor::InElement> in, size_t* pauses = nullptr) {
    std::vector<std::string> r;
    for (const auto& e : in) {
      bool pause = false;
      r.push_back(describe(n.push(e, pause)));
      if (pauses) *pauses += pause;
    }
    return r;
  }
  // Batched: push_batch() over the inputs, 64 at a time; a pause never cuts a batch short. Each
  // element's status, and how many batches asked for a pause.
  std::vector<std::string> push_batched(ComponentNode& n, std::span<const reactor::InElement> in, size_t* pauses = nullptr) {
    std::vector<std::string> r;
    size_t at = 0;
    while (at < in.size()) {
      auto chunk = in.subspan(at, std::min<size_t>(64, in.size() - at));
      std::vector<reactor::BatchOutcome> outcomes(chunk.size());
      size_t completed = 0;
      bool pause = false;
      reactor::CallStatus st = n.push_batch(chunk, outcomes, completed, pause);
      EXPECT_TRUE(st) << st.describe();
      EXPECT_EQ(completed, chunk.size());
      if (!st || completed == 0) break;
      for (size_t i = 0; i < completed; ++i) r.push_back(describe(outcomes[i].status));
      if (pauses) *pauses += pause;
      at += completed;
    }
    return r;
  }

  std::shared_ptr<wasm::Engine> engine;
  resources::BufferPool pool{resources::PoolSizes{256, 16, 8, 64u << 20, false}};
  resources::CopyLedger ledger;
  StreamingHost host{pool, ledger};
  component::Linker linker;
  std::map<std::string, std::shared_ptr<component::LoadedComponent>> loaded;
  std::map<std::string, resources::OwnerId> owners;

 private:
  std::vector<BufferId> inputs_;
  std::deque<std::string> strings_;
};

// 150 elements: empty payloads, non-ASCII bytes, one 100 KB payload, three content types.
inline void mixed(std::vector<std::string>& texts, std::vector<std::string>& types) {
  for (int i = 0; i < 150; ++i) {
    texts.push_back(i % 17 == 3 ? "" : i == 40 ? std::string(100000, 'q') : i % 11 == 0 ? "grüße-" + std::to_string(i) : "abc-" + std::to_string(i));
    types.push_back(i % 7 == 0 ? "" : i % 5 == 0 ? "text/x-five" : "text/plain");
  }
}

}  // namespace torvyn::streaming::test_fixture
