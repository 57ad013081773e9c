// Names of roles and failure kinds, and the per-element defaults of the batch calls.
#include "torvyn/reactor/stage.h"

#include <ostream>

namespace torvyn::reactor {

std::string_view role_name(Role r) {
  switch (r) {
    case Role::Source: return "source";
    case Role::Processor: return "processor";
    case Role::Filter: return "filter";
    case Role::Router: return "router";
    case Role::Aggregator: return "aggregator";
    case Role::Sink: return "sink";
  }
  return "?";
}

std::string_view fail_kind_name(FailKind k) {
  switch (k) {
    case FailKind::None: return "ok";
    case FailKind::InvalidInput: return "invalid-input";
    case FailKind::Unavailable: return "unavailable";
    case FailKind::Internal: return "internal";
    case FailKind::DeadlineExceeded: return "deadline-exceeded";
    case FailKind::Fatal: return "fatal";
    case FailKind::Trap: return "trap";
  }
  return "?";
}

const std::string& StatusMessage::str() const {
  static const std::string kEmpty;
  return text_ ? *text_ : kEmpty;
}

std::ostream& operator<<(std::ostream& os, const StatusMessage& m) { return os << m.view(); }

std::string CallStatus::describe() const {
  const bool limit = kind == FailKind::Trap &&
                     (code == ErrorCode::FuelExhausted || code == ErrorCode::InvocationTimeout || code == ErrorCode::MemoryCapReached);
  if (limit) return message.str();
  return std::string(fail_kind_name(kind)) + (message.empty() ? "" : ": " + message.str());
}

namespace {
bool stops(const CallStatus& st) { return st.kind == FailKind::Trap || st.kind == FailKind::Fatal; }
}  // namespace

CallStatus Stage::process_batch(std::span<const InElement> in, std::span<BatchOutcome> outcomes, size_t& completed) {
  completed = 0;
  while (completed < in.size()) {
    BatchOutcome& o = outcomes[completed];
    o.out.reset();
    o.status = process(in[completed], o.out);
    ++completed;
    if (stops(o.status)) break;
  }
  return {};
}

CallStatus Stage::push_batch(std::span<const InElement> in, std::span<BatchOutcome> outcomes, size_t& completed, bool& pause) {
  completed = 0;
  pause = false;
  while (completed < in.size()) {
    bool p = false;
    BatchOutcome& o = outcomes[completed];
    o.status = push(in[completed], p);
    ++completed;
    pause = pause || p;
    if (stops(o.status) || p) break;  // a paused sink takes nothing more now
  }
  return {};
}

CallStatus Stage::pull_batch(uint32_t max, std::vector<OutElement>& out, bool& done) {
  done = false;
  for (uint32_t k = 0; k < max; ++k) {
    std::optional<OutElement> e;
    if (CallStatus st = pull(e); !st) return st;
    if (!e) {
      done = true;
      return {};
    }
    out.push_back(std::move(*e));
  }
  return {};
}

}  // namespace torvyn::reactor
