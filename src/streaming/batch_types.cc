#include "torvyn/streaming/batch_types.h"

#include <stdexcept>

namespace torvyn::streaming {

using namespace component;
using namespace component::abi;

namespace {
constexpr auto fn = contract_function;
}  // namespace

BatchTypes::BatchTypes(const ContractTypes& t) {
  AbiTypePtr u32 = prim(AbiKind::U32);
  element_meta = record({"sequence", "timestamp-ns", "content-type"}, {t.u64, t.u64, u32});
  batch = record({"metas", "content-types", "payloads", "ends"}, {list(element_meta), list(t.str), t.bytes, list(u32)});
  element_outcome = variant({"emit", "drop", "error"}, {nullptr, nullptr, t.process_error});
  pull_end = variant({"more", "done", "failed"}, {nullptr, nullptr, t.process_error});
  element_result = result(nullptr, t.process_error);

  AbiTypePtr process_ok = tuple({list(element_outcome), batch});
  AbiTypePtr process_result = result(process_ok, t.process_error);
  AbiTypePtr pull_result = tuple({batch, pull_end});
  AbiTypePtr push_ok = tuple({list(element_result), t.backpressure_signal});
  AbiTypePtr push_result = result(push_ok, t.process_error);
  AbiTypePtr context = borrow(t.flow_context_res);
  process_batch = fn({"input", "context"}, {batch, context}, {process_result});
  pull_batch = fn({"max"}, {u32}, {pull_result});
  push_batch = fn({"input", "context"}, {batch, context}, {push_result});

  auto m = field_offsets(*element_meta);
  meta = Meta{element_meta->size, element_meta->align, m[0], m[1], m[2]};
  auto b = field_offsets(*batch);
  batch_at = Batch{b[0], b[1], b[2], b[3]};

  auto po = field_offsets(*process_ok);
  process = Process{{process_result->size, process_result->align}, payload_offset(*process_result), po[0], po[1]};
  outcome_size = element_outcome->size;
  outcome_payload = payload_offset(*element_outcome);

  auto pr = field_offsets(*pull_result);
  pull = Pull{{pull_result->size, pull_result->align}, pr[0], pr[1], pr[1] + payload_offset(*pull_end)};

  auto ko = field_offsets(*push_ok);
  push = Push{{push_result->size, push_result->align}, payload_offset(*push_result), ko[0], ko[1]};
  element_result_size = element_result->size;
  element_result_payload = payload_offset(*element_result);
  error_payload = t.error_payload;

  // Every variant here has fewer than 256 cases: the lifting code reads 1-byte discriminants.
  for (const AbiTypePtr& v : {element_outcome, pull_end, element_result, process_result, push_result})
    if (discriminant_size(case_count(*v)) != 1) throw std::logic_error("unexpected discriminant size");
}

}  // namespace torvyn::streaming
