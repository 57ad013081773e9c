// At-least-once lineage: an acknowledging source (a connector whose messages must be acknowledged
// only once they are safe) marks the elements it makes with an ack_id; the flow then counts the
// elements that derive from each, through fan-out (one reference per receiver), filters and
// routers (a drop ends a reference) and aggregators (an aggregate holds the inputs it was made
// from), and tells the source when the last reference ends (Stage::settled). Slots are reused;
// untracked elements (lineage 0) cost one test per terminal point.
#include "flow_internal.h"

namespace torvyn::reactor {

uint32_t Flow::lineage_begin(uint32_t source, uint64_t ack_id) {
  uint32_t id;
  if (!lineage_free_.empty()) {
    id = lineage_free_.back();
    lineage_free_.pop_back();
  } else {
    id = static_cast<uint32_t>(lineage_.size());
    lineage_.emplace_back();
  }
  LineageSlot& s = lineage_[id];
  s.refs = 1;
  s.source = source;
  s.ack_id = ack_id;
  s.failed = false;
  s.inputs.clear();
  return id;
}

void Flow::end_lineage_now(uint32_t id, bool failed) {
  LineageSlot& s = lineage_[id];
  s.failed = s.failed || failed;
  if (s.refs == 0 || --s.refs > 0) return;
  if (s.inputs.empty()) {
    nodes_[s.source]->stage->settled(s.ack_id, s.failed);
  } else {
    // A group (an aggregate): its inputs end with it. Swapped out first: ending them may reuse
    // slots and move lineage_. Groups nest only as deep as the flow has aggregators in a row.
    std::vector<uint32_t> inputs;
    inputs.swap(lineage_[id].inputs);
    const bool f = lineage_[id].failed;
    for (uint32_t in : inputs) end_lineage_now(in, f);
    inputs.clear();
    lineage_[id].inputs.swap(inputs);  // keep the capacity for the slot's next group
  }
  lineage_free_.push_back(id);
}

uint32_t Flow::lineage_group(std::vector<uint32_t>& inputs, uint32_t refs) {
  if (inputs.empty() || refs == 0) return 0;
  if (inputs.size() == 1) {  // the input's own reference passes to the first output
    uint32_t id = inputs.front();
    inputs.clear();
    lineage_ref(id, refs - 1);
    return id;
  }
  const LineageSlot& last = lineage_[inputs.back()];
  const uint32_t source = last.source;
  const uint64_t ack_id = last.ack_id;
  uint32_t id = lineage_begin(source, ack_id);
  lineage_[id].refs = refs;
  lineage_[id].inputs.swap(inputs);
  inputs.clear();
  return id;
}

void Flow::lineage_origin(uint32_t id, InElement& in) const {
  if (!id) return;
  const LineageSlot& s = lineage_[id];
  in.origin = s.ack_id;
  in.origin_node = nodes_[s.source]->id;
}

}  // namespace torvyn::reactor
