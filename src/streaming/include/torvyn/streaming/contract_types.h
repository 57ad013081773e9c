// The torvyn:streaming / filtering / aggregation contracts (DESIGN.md §4) as Canonical ABI types,
// for one set of host resource identities: what the host defines its imports with, what it checks
// a component's exports against, and the memory layouts the fast path reads results with.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "torvyn/base/error.h"
#include "torvyn/component/abi_types.h"

namespace torvyn::streaming {

// The one limit on a content type ("text/plain", "application/json; charset=utf-8"), wherever a
// component hands one over: mutable-buffer.set-content-type and an output element's metadata.
// Longer is a Canonical ABI trap, not a silently kept 8 MiB string per element.
inline constexpr uint32_t kMaxContentTypeBytes = 1024;
inline Error content_type_too_long(uint64_t len) {
  return Error(ErrorCode::AbiTrap, "content type of " + std::to_string(len) + " bytes is longer than the limit of " +
                                       std::to_string(kMaxContentTypeBytes) + " bytes");
}

using component::AbiFuncType;
using component::AbiTypePtr;

// A contract function's type: parameter names and types, result types.
AbiFuncType contract_function(std::vector<std::string> names, std::vector<AbiTypePtr> params, std::vector<AbiTypePtr> results);

struct ContractTypes {
  ContractTypes(uint32_t buffer, uint32_t mutable_buffer, uint32_t flow_context);

  uint32_t buffer_res, mutable_buffer_res, flow_context_res;

  // types
  AbiTypePtr u64, str, bytes, buffer_error, element_meta, stream_element, output_element;
  AbiTypePtr process_result, process_error, backpressure_signal;

  // Exports by role. `init`, `complete` and `teardown` are shared by several interfaces.
  AbiFuncType pull, notify_backpressure, process, push, complete, init, teardown, evaluate, route, ingest, flush;

  // Memory layouts (byte offsets) of results the fast path reads.
  struct MetaLayout {
    uint32_t sequence, timestamp, content_type;
  };
  struct OutputLayout {
    uint32_t meta, payload;  // within output-element
    MetaLayout m;            // within meta
    uint32_t size;           // of an output-element (list stride)
  };
  OutputLayout output;
  uint32_t option_payload;       // option<output-element>
  uint32_t process_result_payload;  // variant process-result { emit(output-element), drop }
  uint32_t error_payload;        // process-error's string payload
  uint32_t buffer_error_payload; // buffer-error's string payload

  // The host functions' results: result<_, buffer-error> (write, append) and
  // result<own<mutable-buffer>, buffer-error> (allocate, clone-into-mutable).
  AbiTypePtr alloc_result;
  uint32_t unit_error_payload;                   // of result<_, buffer-error>
  uint32_t alloc_payload;                        // of alloc_result
  uint32_t alloc_result_size, alloc_result_align;
};

}  // namespace torvyn::streaming
