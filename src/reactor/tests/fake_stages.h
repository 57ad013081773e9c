// Host-implemented stages for testing the flow driver's scheduling, backpressure and error
// handling deterministically (the component path is tested in tests/reactor on real guests).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "torvyn/reactor/stage.h"
#include "torvyn/resources/buffer_pool.h"

namespace torvyn::reactor::testing {

class FakeStage : public Stage {
 public:
  FakeStage(Role role, std::string name, resources::BufferPool& pool) : role_(role), name_(std::move(name)), pool_(pool) {
    owner_ = pool_.register_owner(name_, 0);
  }
  Role role() const override { return role_; }
  const std::string& name() const override { return name_; }
  resources::OwnerId owner() const override { return owner_; }
  CallStatus init(std::string_view config) override {
    log.push_back("init:" + std::string(config));
    return init_status;
  }
  CallStatus teardown() override {
    log.push_back("teardown");
    return {};
  }

  // Makes a frozen, host-owned buffer holding `text`.
  OutElement make(const std::string& text) {
    auto id = *pool_.allocate(owner_, text.size());
    (void)pool_.write(id, 0, text.data(), text.size());
    (void)pool_.freeze(id);
    (void)pool_.transfer(id, resources::kHostOwner);
    OutElement o;
    o.content_type = "text/plain";
    o.payload = id;
    return o;
  }
  std::string text(resources::BufferId id) {
    const resources::Buffer* b = pool_.get(id);
    return b ? std::string(reinterpret_cast<const char*>(b->data), b->size) : "<stale>";
  }

  std::vector<std::string> log;
  CallStatus init_status;

 protected:
  Role role_;
  std::string name_;
  resources::BufferPool& pool_;
  resources::OwnerId owner_;
};

class FakeSource : public FakeStage {
 public:
  FakeSource(resources::BufferPool& pool, uint64_t count, std::string name = "src") : FakeStage(Role::Source, std::move(name), pool), count_(count) {}
  CallStatus pull(std::optional<OutElement>& out) override {
    if (next_ >= count_) return {};
    out = make("e" + std::to_string(next_++));
    return {};
  }
  CallStatus notify_backpressure(bool pause) override {
    log.push_back(pause ? "pause" : "ready");
    return {};
  }
  uint64_t pulled() const { return next_; }

 private:
  uint64_t count_, next_ = 0;
};

class FakeProcessor : public FakeStage {
 public:
  using Fn = std::function<CallStatus(const std::string& in, std::optional<std::string>& out)>;
  FakeProcessor(resources::BufferPool& pool, Fn fn, std::string name = "proc") : FakeStage(Role::Processor, std::move(name), pool), fn_(std::move(fn)) {}
  CallStatus process(const InElement& in, std::optional<OutElement>& out) override {
    std::optional<std::string> o;
    CallStatus st = fn_(text(in.payload), o);
    if (st && o) out = make(*o);
    return st;
  }

 private:
  Fn fn_;
};

class FakeFilter : public FakeStage {
 public:
  FakeFilter(resources::BufferPool& pool, std::function<bool(const std::string&)> keep) : FakeStage(Role::Filter, "filter", pool), keep_(std::move(keep)) {}
  CallStatus evaluate(const InElement& in, bool& keep) override {
    keep = keep_(text(in.payload));
    return {};
  }

 private:
  std::function<bool(const std::string&)> keep_;
};

class FakeRouter : public FakeStage {
 public:
  FakeRouter(resources::BufferPool& pool, std::function<std::vector<std::string>(const std::string&)> fn)
      : FakeStage(Role::Router, "router", pool), fn_(std::move(fn)) {}
  CallStatus route(const InElement& in, std::vector<std::string>& ports) override {
    ports = fn_(text(in.payload));
    return {};
  }

 private:
  std::function<std::vector<std::string>(const std::string&)> fn_;
};

class FakeAggregator : public FakeStage {
 public:
  FakeAggregator(resources::BufferPool& pool, size_t batch) : FakeStage(Role::Aggregator, "agg", pool), batch_(batch) {}
  CallStatus ingest(const InElement& in, std::optional<OutElement>& out) override {
    acc_ += (acc_.empty() ? "" : "+") + text(in.payload);
    if (++n_ == batch_) {
      out = make(acc_);
      acc_.clear();
      n_ = 0;
    }
    return {};
  }
  CallStatus flush(std::vector<OutElement>& out) override {
    if (!acc_.empty()) out.push_back(make(acc_));
    out.push_back(make("end"));
    return {};
  }

 private:
  size_t batch_, n_ = 0;
  std::string acc_;
};

class FakeSink : public FakeStage {
 public:
  explicit FakeSink(resources::BufferPool& pool, std::string name = "sink", uint64_t pause_every = 0)
      : FakeStage(Role::Sink, std::move(name), pool), pause_every_(pause_every) {}
  CallStatus push(const InElement& in, bool& pause) override {
    got.push_back(text(in.payload));
    sequences.push_back(in.sequence);
    pause = pause_every_ && got.size() % pause_every_ == 0;
    return {};
  }
  CallStatus complete() override {
    log.push_back("complete");
    return complete_status;
  }
  std::vector<std::string> got;
  std::vector<uint64_t> sequences;
  CallStatus complete_status;

 private:
  uint64_t pause_every_;
};

}  // namespace torvyn::reactor::testing
