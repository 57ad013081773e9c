// torvyn:batching@0.1.0 (wit/batching, docs/batching.md) as Canonical ABI types: the signatures a
// component's batch exports are checked against when a node binds to them, and the memory layouts
// the batch calls lower their arguments into and read their results from.
#pragma once

#include <cstdint>

#include "torvyn/streaming/contract_types.h"

namespace torvyn::streaming {

// The most elements one batch call carries: the upper bound of `runtime.max_batch`, and of every
// count a component's batch result may hold (a larger one is a trap, not a huge allocation).
inline constexpr uint32_t kMaxBatch = 4096;
// Payload bytes the host lowers into one processor or sink batch call (always at least one
// element): a batch of large payloads is cut so the guest's memory holds about as much as a few
// per-element calls would, not max_batch payloads at once.
inline constexpr uint64_t kMaxBatchPayloadBytes = 1ull << 20;
// The batch forms' interfaces (unversioned; a component may export any 0.1.x).
inline constexpr const char* kBatchProcessorInterface = "torvyn:batching/processor";
inline constexpr const char* kBatchSourceInterface = "torvyn:batching/source";
inline constexpr const char* kBatchSinkInterface = "torvyn:batching/sink";

struct BatchTypes {
  // Shares the process-error, backpressure-signal and flow-context identities of `t`.
  explicit BatchTypes(const ContractTypes& t);

  AbiTypePtr element_meta, batch, element_outcome, pull_end, element_result;
  AbiFuncType process_batch, pull_batch, push_batch;

  // Byte offsets and strides (wasm32). Names follow the WIT.
  struct Meta {
    uint32_t size, align, sequence, timestamp, content_type;
  } meta;
  struct Batch {
    uint32_t metas, content_types, payloads, ends;  // each a (ptr, len) pair
  } batch_at;
  struct ResultArea {
    uint32_t size, align;
  };
  // process-batch: result<tuple<list<element-outcome>, batch>, process-error>
  struct Process {
    ResultArea area;
    uint32_t ok;  // payload of the result (ok tuple or process-error)
    uint32_t outcomes, batch;  // within the ok tuple
  } process;
  uint32_t outcome_size, outcome_payload;  // element-outcome (disc 0 emit, 1 drop, 2 error)
  // pull-batch: tuple<batch, pull-end>
  struct Pull {
    ResultArea area;
    uint32_t batch, end, end_payload;  // end: disc 0 more, 1 done, 2 failed(process-error at end_payload)
  } pull;
  // push-batch: result<tuple<list<result<_, process-error>>, backpressure-signal>, process-error>
  struct Push {
    ResultArea area;
    uint32_t ok;
    uint32_t results, signal;  // within the ok tuple
  } push;
  uint32_t element_result_size, element_result_payload;  // result<_, process-error>
  uint32_t error_payload;  // process-error's string payload
};

}  // namespace torvyn::streaming
