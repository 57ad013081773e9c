#include "torvyn/streaming/contract_types.h"

#include <stdexcept>

namespace torvyn::streaming {

using namespace component;
using namespace component::abi;

AbiFuncType contract_function(std::vector<std::string> names, std::vector<AbiTypePtr> params, std::vector<AbiTypePtr> results) {
  AbiFuncType f;
  f.param_names = std::move(names);
  f.params = std::move(params);
  f.results = std::move(results);
  return f;
}

namespace {
constexpr auto fn = contract_function;
}  // namespace

ContractTypes::ContractTypes(uint32_t buffer, uint32_t mutable_buffer, uint32_t flow_context)
    : buffer_res(buffer), mutable_buffer_res(mutable_buffer), flow_context_res(flow_context) {
  u64 = prim(AbiKind::U64);
  str = prim(AbiKind::String);
  bytes = list(prim(AbiKind::U8));
  buffer_error = variant({"capacity-exceeded", "out-of-bounds", "allocation-failed"}, {nullptr, nullptr, str});
  element_meta = record({"sequence", "timestamp-ns", "content-type"}, {u64, u64, str});
  stream_element = record({"meta", "payload", "context"}, {element_meta, borrow(buffer), borrow(flow_context)});
  output_element = record({"meta", "payload"}, {element_meta, own(buffer)});
  process_result = variant({"emit", "drop"}, {output_element, nullptr});
  process_error = variant({"invalid-input", "unavailable", "internal", "deadline-exceeded", "fatal"}, {str, str, str, nullptr, str});
  backpressure_signal = enumeration({"ready", "pause"});

  pull = fn({}, {}, {result(option(output_element), process_error)});
  notify_backpressure = fn({"signal"}, {backpressure_signal}, {});
  process = fn({"input"}, {stream_element}, {result(process_result, process_error)});
  push = fn({"element"}, {stream_element}, {result(backpressure_signal, process_error)});
  complete = fn({}, {}, {result(nullptr, process_error)});
  init = fn({"config"}, {str}, {result(nullptr, process_error)});
  teardown = fn({}, {}, {});
  evaluate = fn({"element"}, {stream_element}, {result(prim(AbiKind::Bool), process_error)});
  route = fn({"element"}, {stream_element}, {result(list(str), process_error)});
  ingest = fn({"element"}, {stream_element}, {result(option(output_element), process_error)});
  flush = fn({}, {}, {result(list(output_element), process_error)});

  auto oe = field_offsets(*output_element);
  auto meta = field_offsets(*element_meta);
  output = OutputLayout{oe[0], oe[1], {meta[0], meta[1], meta[2]}, output_element->size};
  // Every variant-like type here has fewer than 256 cases: 1-byte discriminants. (A result's
  // payload offset depends on its ok type; the role bindings compute it per function.)
  option_payload = payload_offset(*option(output_element));
  process_result_payload = payload_offset(*process_result);
  error_payload = payload_offset(*process_error);
  buffer_error_payload = payload_offset(*buffer_error);
  alloc_result = result(own(mutable_buffer), buffer_error);
  unit_error_payload = payload_offset(*result(nullptr, buffer_error));
  alloc_payload = payload_offset(*alloc_result);
  alloc_result_size = alloc_result->size;
  alloc_result_align = alloc_result->align;
  if (discriminant_size(case_count(*process_error)) != 1) throw std::logic_error("unexpected discriminant size");
}

}  // namespace torvyn::streaming
