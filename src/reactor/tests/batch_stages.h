// Host stages with the batch forms (Stage::max_batch() > 1), for testing how the driver hands
// batches over and settles their outcomes. Each records the batches it was given.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "fake_stages.h"

namespace torvyn::reactor::testing {

// Per element: the status to answer (ok, or an error for that element alone) and, when ok, the
// output text (nullopt = dropped). A batch call can also be told to fail as a whole.
class BatchProcessor : public FakeStage {
 public:
  using Fn = std::function<CallStatus(const std::string& in, std::optional<std::string>& out)>;
  BatchProcessor(resources::BufferPool& pool, uint32_t max_batch, Fn fn, std::string name = "bproc")
      : FakeStage(Role::Processor, std::move(name), pool), max_batch_(max_batch), fn_(std::move(fn)) {}
  uint32_t max_batch() const override { return max_batch_; }
  CallStatus process_batch(std::span<const InElement> in, std::span<BatchOutcome> outcomes, size_t& completed) override {
    batches.push_back(in.size());
    completed = 0;
    if (on_batch) on_batch(in.size());
    if (fail_call && fail_call(batches.size())) return {FailKind::Trap, "batch call trapped"};
    for (size_t i = 0; i < in.size(); ++i) {
      EXPECT_TRUE(outcomes[i].status) << "outcome slots come in clean";
      EXPECT_FALSE(outcomes[i].out) << "outcome slots come in clean";
      std::optional<std::string> o;
      outcomes[i].status = fn_(text(in[i].payload), o);
      if (outcomes[i].status && o) outcomes[i].out = make(*o);
      seen.push_back(in[i].sequence);
      ++completed;
      if (outcomes[i].status.kind == FailKind::Fatal || outcomes[i].status.kind == FailKind::Trap) break;
    }
    return {};
  }
  // The per-element call: what a retry of one element uses.
  CallStatus process(const InElement& in, std::optional<OutElement>& out) override {
    ++single_calls;
    std::optional<std::string> o;
    CallStatus st = fn_(text(in.payload), o);
    if (st && o) out = make(*o);
    return st;
  }

  std::vector<size_t> batches;
  std::vector<uint64_t> seen;   // sequences, in the order the batch calls saw them
  int single_calls = 0;
  std::function<bool(size_t call)> fail_call;  // true: the call-th batch call traps
  std::function<void(size_t size)> on_batch;   // at the start of each batch call

 private:
  uint32_t max_batch_;
  Fn fn_;
};

// Takes elements until it answers `pause` (pause_after returns true for an element's text) and
// stops there, as the contract's per-element default does; `fail` gives an element's error.
class BatchSink : public FakeStage {
 public:
  BatchSink(resources::BufferPool& pool, uint32_t max_batch, std::string name = "bsink")
      : FakeStage(Role::Sink, std::move(name), pool), max_batch_(max_batch) {}
  uint32_t max_batch() const override { return max_batch_; }
  CallStatus push_batch(std::span<const InElement> in, std::span<BatchOutcome> outcomes, size_t& completed, bool& pause) override {
    batches.push_back(in.size());
    completed = 0;
    pause = false;
    for (size_t i = 0; i < in.size(); ++i) {
      std::string t = text(in[i].payload);
      outcomes[i].status = fail ? fail(t) : CallStatus{};
      if (outcomes[i].status) got.push_back(t);
      ++completed;
      if (pause_after && pause_after(t)) {
        pause = true;
        break;
      }
    }
    return {};
  }
  CallStatus push(const InElement& in, bool& pause) override {
    ++single_calls;
    std::string t = text(in.payload);
    CallStatus st = fail ? fail(t) : CallStatus{};
    if (st) got.push_back(t);
    pause = false;
    return st;
  }

  std::vector<size_t> batches;
  std::vector<std::string> got;
  int single_calls = 0;
  std::function<bool(const std::string&)> pause_after;
  std::function<CallStatus(const std::string&)> fail;

 private:
  uint32_t max_batch_;
};

// Answers each pull_batch from a script: a number of elements to make (at most `max`), then
// whether that call ends the stream; an empty script is the end of the stream.
class BatchSource : public FakeStage {
 public:
  struct Answer {
    uint32_t elements;
    bool done = false;
  };
  BatchSource(resources::BufferPool& pool, uint32_t max_batch, std::deque<Answer> script, std::string name = "bsrc")
      : FakeStage(Role::Source, std::move(name), pool), max_batch_(max_batch), script_(std::move(script)) {}
  uint32_t max_batch() const override { return max_batch_; }
  CallStatus pull_batch(uint32_t max, std::vector<OutElement>& out, bool& done) override {
    asked.push_back(max);
    done = script_.empty();
    if (done) return {};
    Answer& a = script_.front();
    uint32_t n = std::min(a.elements, max);
    for (uint32_t i = 0; i < n; ++i) out.push_back(make("e" + std::to_string(next_++)));
    a.elements -= n;
    if (a.elements == 0) {
      done = a.done;
      script_.pop_front();
    }
    return {};
  }
  // Per element (a traced flow, max_batch 1): the same script one element at a time; an answer of
  // no elements is skipped (a per-element pull cannot say "nothing now").
  CallStatus pull(std::optional<OutElement>& out) override {
    while (!script_.empty() && script_.front().elements == 0) {
      if (script_.front().done) script_.clear();
      else script_.pop_front();
    }
    if (script_.empty()) return {};
    Answer& a = script_.front();
    out = make("e" + std::to_string(next_++));
    if (--a.elements == 0) {
      if (a.done) script_.clear();
      else script_.pop_front();
    }
    return {};
  }
  CallStatus notify_backpressure(bool pause) override {
    log.push_back(pause ? "pause" : "ready");
    return {};
  }

  std::vector<uint32_t> asked;  // `max` of each call

 private:
  uint32_t max_batch_;
  std::deque<Answer> script_;
  uint64_t next_ = 0;
};

}  // namespace torvyn::reactor::testing
