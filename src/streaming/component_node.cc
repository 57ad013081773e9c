#include "torvyn/streaming/component_node.h"

#include <cstring>

#include "torvyn/component/canonical.h"

namespace torvyn::streaming {

using component::GuestAbi;
using resources::BufferId;
using wasm::Slot;

namespace {

struct RoleExport {
  Role role;
  const char* interface;  // without version
};
constexpr RoleExport kRoles[] = {
    {Role::Source, "torvyn:streaming/source"},     {Role::Processor, "torvyn:streaming/processor"},
    {Role::Sink, "torvyn:streaming/sink"},         {Role::Filter, "torvyn:filtering/filter"},
    {Role::Router, "torvyn:filtering/router"},     {Role::Aggregator, "torvyn:aggregation/aggregator"},
};
constexpr const char* kLifecycle = "torvyn:streaming/lifecycle";

std::string_view unversioned(std::string_view s) { return s.substr(0, s.find('@')); }

// The exported interface name matching `base` with a 0.1-compatible version ("" if none).
std::string find_interface(const component::Instance& inst, std::string_view base) {
  for (const std::string& e : inst.export_names()) {
    std::string_view iface = std::string_view(e).substr(0, e.find('#'));
    if (unversioned(iface) != base) continue;
    std::string_view version = iface.size() > base.size() ? iface.substr(base.size() + 1) : "";
    if (version.empty() || version.rfind("0.1.", 0) == 0) return std::string(iface);
  }
  return "";
}

// A validated window on a result area in linear memory; reads inside it need no further checks.
struct Area {
  const uint8_t* p;
  template <typename T>
  T get(uint32_t off) const {
    T v;
    std::memcpy(&v, p + off, sizeof(T));
    return v;
  }
};

// A string (ptr, len) stored at `at` in the area, UTF-8 checked and copied into `out`.
// A string in the result area, checked (bounds, UTF-8); the view is valid until the guest runs again.
Result<std::string_view> lift_string_view(GuestAbi& abi, const Area& a, uint32_t at) {
  uint32_t ptr = a.get<uint32_t>(at), len = a.get<uint32_t>(at + 4);
  const uint8_t* bytes = abi.try_span(ptr, len);
  if (!bytes) return abi.span(ptr, len).take_error();
  if (!component::valid_utf8(bytes, len)) return Error(ErrorCode::AbiTrap, "a string returned by the component is not valid UTF-8");
  return std::string_view(reinterpret_cast<const char*>(bytes), len);
}

Status lift_string(GuestAbi& abi, const Area& a, uint32_t at, std::string& out) {
  auto s = lift_string_view(abi, a, at);
  if (!s) return s.take_error();
  // Construct-and-move: assign() on an empty string takes libstdc++'s slower _M_replace path.
  out = std::string(*s);
  return {};
}

}  // namespace

std::optional<Role> role_from_interface(std::string_view interface) {
  std::string_view base = unversioned(interface);
  for (const auto& r : kRoles)
    if (base == r.interface) return r.role;
  return std::nullopt;
}

ComponentNode::ComponentNode(std::unique_ptr<component::Instance> instance, StreamingHost& host, InstanceAccount account)
    : instance_(std::move(instance)), host_(host), t_(host.types()), account_(std::move(account)), engine_(instance_->engine_kind()) {
  account_.copies = host.ledger().account(account_.owner);
  instance_->set_host_data(&account_);
}

Result<ComponentNode::Bound> ComponentNode::bind_export(std::string_view iface, std::string_view fn, const component::AbiFuncType& want,
                                                        bool required) {
  Bound b;
  std::string name = find_interface(*instance_, iface);
  if (name.empty()) {
    if (required) return Error(ErrorCode::ComponentUnlinkable, "component `" + account_.name + "` does not export " + std::string(iface));
    return b;
  }
  b.f = instance_->find_function(name, fn);
  if (!b.f) {
    if (!required) return b;
    return Error(ErrorCode::ComponentUnlinkable, "component `" + account_.name + "` exports " + name + " without function `" + std::string(fn) + "`");
  }
  if (!component::same_signature(*b.f.type, want))
    return Error(ErrorCode::ComponentUnlinkable, "component `" + account_.name + "`: " + name + "#" + std::string(fn) + " has type " +
                                                     b.f.type->to_string() + " but the contract says " + want.to_string());
  if (!want.results.empty()) {
    const component::AbiType& r = *want.results[0];
    b.result_size = r.size;
    b.result_align = r.align;
    if (r.kind == component::AbiKind::Result) b.result_payload = component::abi::payload_offset(r);
  }
  return b;
}

Result<std::unique_ptr<ComponentNode>> ComponentNode::bind(std::unique_ptr<component::Instance> instance, StreamingHost& host,
                                                           InstanceAccount account, std::optional<Role> want) {
  std::unique_ptr<ComponentNode> n(new ComponentNode(std::move(instance), host, std::move(account)));
  std::vector<Role> found;
  for (const auto& r : kRoles)
    if (!find_interface(*n->instance_, r.interface).empty()) found.push_back(r.role);
  if (found.empty())
    return Error(ErrorCode::ComponentUnlinkable, "component `" + n->account_.name +
                                                     "` exports no Torvyn role interface (source, processor, sink, filter, router or aggregator)");
  if (want) {
    if (std::find(found.begin(), found.end(), *want) == found.end())
      return Error(ErrorCode::ComponentUnlinkable,
                   "component `" + n->account_.name + "` does not export the " + std::string(role_name(*want)) + " interface the flow names");
    n->role_ = *want;
  } else {
    if (found.size() > 1)
      return Error(ErrorCode::ComponentUnlinkable, "component `" + n->account_.name +
                                                       "` exports several role interfaces; set the node's `interface` to pick one");
    n->role_ = found[0];
  }
  if (Status s = n->bind_exports(); !s) return s.take_error();
  return n;
}

Status ComponentNode::bind_exports() {
  const ContractTypes& t = t_;
  auto bind = [&](Bound& slot, std::string_view iface, std::string_view fn, const component::AbiFuncType& type, bool required) -> Status {
    auto b = bind_export(iface, fn, type, required);
    if (!b) return b.take_error();
    slot = *b;
    return {};
  };
  Status s;
  switch (role_) {
    case Role::Source:
      if (!(s = bind(pull_, "torvyn:streaming/source", "pull", t.pull, true))) return s;
      if (!(s = bind(notify_, "torvyn:streaming/source", "notify-backpressure", t.notify_backpressure, true))) return s;
      break;
    case Role::Processor:
      if (!(s = bind(process_, "torvyn:streaming/processor", "process", t.process, true))) return s;
      break;
    case Role::Sink:
      if (!(s = bind(push_, "torvyn:streaming/sink", "push", t.push, true))) return s;
      if (!(s = bind(complete_, "torvyn:streaming/sink", "complete", t.complete, true))) return s;
      break;
    case Role::Filter:
      if (!(s = bind(evaluate_, "torvyn:filtering/filter", "evaluate", t.evaluate, true))) return s;
      break;
    case Role::Router:
      if (!(s = bind(route_, "torvyn:filtering/router", "route", t.route, true))) return s;
      break;
    case Role::Aggregator:
      if (!(s = bind(ingest_, "torvyn:aggregation/aggregator", "ingest", t.ingest, true))) return s;
      if (!(s = bind(flush_, "torvyn:aggregation/aggregator", "flush", t.flush, true))) return s;
      break;
  }
  if (!(s = bind_batch())) return s;
  if (!(s = bind(init_, kLifecycle, "init", t.init, false))) return s;
  if (!(s = bind(teardown_, kLifecycle, "teardown", t.teardown, false))) return s;
  return {};
}

void ComponentNode::tier_step() {
  if (!tier_up_->ready.load(std::memory_order_acquire)) {
    ++tier_move_.calls_before;
    return;
  }
  std::shared_ptr<const TierUp> up = std::move(tier_up_);  // one try, whatever its outcome
  tier_move_.done = true;
  if (!up->target) {
    tier_move_.error = up->failure;
    return;
  }
  const auto started = std::chrono::steady_clock::now();
  struct Timed {  // how long the node was held, whatever the outcome
    TierMove& m;
    std::chrono::steady_clock::time_point t;
    ~Timed() { m.move_ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t).count()); }
  } timed{tier_move_, started};
  if (Status s = instance_->move_to(*up->target); !s) {
    tier_move_.error = s.error().message;
    return;
  }
  // The instance's exports are new objects now. Binding them cannot fail for the component that
  // bound before; if it did, every call fails from then on rather than reach a freed function.
  if (Status s = bind_exports(); !s) {
    tier_move_.error = s.error().message;
    unbind_all();
    return;
  }
  tier_move_.moved = true;
  engine_.store(instance_->engine_kind(), std::memory_order_relaxed);
}

// ---- result areas ----

namespace {

// The err case of result<T, process-error> whose area is `a` (discriminant 1), into `st`.
Status lift_process_error(GuestAbi& abi, const Area& a, uint32_t payload, uint32_t error_payload, CallStatus& st) {
  uint8_t kase = a.get<uint8_t>(payload);
  static constexpr FailKind kinds[] = {FailKind::InvalidInput, FailKind::Unavailable, FailKind::Internal, FailKind::DeadlineExceeded,
                                       FailKind::Fatal};
  if (kase > 4) return Error(ErrorCode::AbiTrap, "process-error discriminant " + std::to_string(kase) + " is out of range");
  st.kind = kinds[kase];
  if (kase != 3) return lift_string(abi, a, payload + error_payload, st.message.edit());
  return {};
}

}  // namespace

// An output-element at `at` in the area: the runtime takes the payload (own<buffer>) from the guest.
static Status lift_output(GuestAbi& abi, const ContractTypes& t, StreamingHost& host, const Area& a, uint32_t at, OutElement& out) {
  const auto& L = t.output;
  out.sequence = a.get<uint64_t>(at + L.meta + L.m.sequence);
  out.timestamp_ns = a.get<uint64_t>(at + L.meta + L.m.timestamp);
  auto ct = lift_string_view(abi, a, at + L.meta + L.m.content_type);
  if (!ct) return ct.take_error();
  if (ct->size() > kMaxContentTypeBytes) return content_type_too_long(ct->size());
  out.content_type = *ct;
  auto rep = abi.lift_own(a.get<uint32_t>(at + L.payload), t.buffer_res);
  if (!rep) return rep.take_error();
  out.payload = BufferId{*rep};
  // The host holds it in transit from here until the next stage is done with it.
  Status s = host.pool().take_in_transit(out.payload);
  if (!s && s.error().code == ErrorCode::BufferStale)
    return Error(ErrorCode::ResourceHandleError, "the component returned a buffer that no longer exists");
  return s;
}

// option<output-element> at `payload` (pull, ingest): none, or the element the host now owns.
static Status read_optional_output(GuestAbi& abi, const ContractTypes& t, StreamingHost& host, const Area& a, uint32_t payload,
                                   std::optional<OutElement>& out) {
  uint8_t some = a.get<uint8_t>(payload);
  if (some == 0) return {};
  if (some != 1) return Error(ErrorCode::AbiTrap, "option discriminant out of range");
  out.emplace();
  return lift_output(abi, t, host, a, payload + t.option_payload, *out);
}

// Every role call returns result<T, process-error> through a return area: lower the arguments,
// call, lift the error case into the CallStatus, and hand the ok payload to `read`.
template <typename Lower, typename Read>
CallStatus ComponentNode::call_result(const Bound& b, Lower&& lower, Read&& read) {
  CallStatus st;
  Status s = instance_->call_fast(b.f, lower, [&](GuestAbi& abi, const Slot* results) -> Status {
    // The guest's pointer to the result area: checked once, then read without further checks.
    uint32_t ptr = static_cast<uint32_t>(results[0]);
    const uint8_t* p = abi.try_span(ptr, b.result_size, b.result_align);
    if (!p) return abi.span(ptr, b.result_size, b.result_align).take_error();
    Area a{p};
    uint8_t disc = a.get<uint8_t>(0);
    if (disc == 0) return read(abi, a, b.result_payload);
    if (disc != 1) return Error(ErrorCode::AbiTrap, "result discriminant " + std::to_string(disc) + " is out of range");
    return lift_process_error(abi, a, b.result_payload, t_.error_payload, st);
  });
  if (!s) return CallStatus::trap(s.error());
  return st;
}

template <typename Read>
CallStatus ComponentNode::call_with_element(const Bound& b, const InElement& in, Read&& read) {
  return call_result(
      b,
      [&](GuestAbi& abi, Slot* args) -> Result<size_t> {
        args[0] = in.sequence;
        args[1] = in.timestamp_ns;
        auto ct = abi.lower_bytes(in.content_type.data(), in.content_type.size());
        if (!ct) return ct.take_error();
        args[2] = *ct;
        args[3] = in.content_type.size();
        auto payload = abi.lower_borrow(t_.buffer_res, in.payload.raw);
        if (!payload) return payload.take_error();
        args[4] = *payload;
        auto ctx = abi.lower_borrow(t_.flow_context_res, StreamingHost::kContextRep);
        if (!ctx) return ctx.take_error();
        args[5] = *ctx;
        return size_t{6};
      },
      read);
}

template <typename Read>
CallStatus ComponentNode::call_no_args(const Bound& b, Read&& read) {
  return call_result(b, [](GuestAbi&, Slot*) -> Result<size_t> { return size_t{0}; }, read);
}

CallStatus ComponentNode::init(std::string_view config) {
  at_boundary();
  if (!init_) return {};
  return call_result(
      init_,
      [&](GuestAbi& abi, Slot* args) -> Result<size_t> {
        auto p = abi.lower_bytes(config.data(), config.size());
        if (!p) return p.take_error();
        args[0] = *p;
        args[1] = config.size();
        return size_t{2};
      },
      [](GuestAbi&, const Area&, uint32_t) -> Status { return {}; });
}

CallStatus ComponentNode::teardown() {
  // No move for the last call of all: it would pay instantiation and a state copy for nothing.
  if (!teardown_ || instance_->poisoned()) return {};
  Status s = instance_->call_fast(
      teardown_.f, [](GuestAbi&, Slot*) -> Result<size_t> { return size_t{0}; }, [](GuestAbi&, const Slot*) -> Status { return {}; });
  if (!s) return CallStatus::trap(s.error());
  return {};
}

CallStatus ComponentNode::pull(std::optional<OutElement>& out) {
  at_boundary();
  out.reset();
  return call_no_args(pull_, [&](GuestAbi& abi, const Area& a, uint32_t payload) { return read_optional_output(abi, t_, host_, a, payload, out); });
}

CallStatus ComponentNode::notify_backpressure(bool pause) {
  at_boundary();
  if (!notify_) return {};
  Status s = instance_->call_fast(
      notify_.f,
      [&](GuestAbi&, Slot* args) -> Result<size_t> {
        args[0] = pause ? 1 : 0;
        return size_t{1};
      },
      [](GuestAbi&, const Slot*) -> Status { return {}; });
  if (!s) return CallStatus::trap(s.error());
  return {};
}

CallStatus ComponentNode::process(const InElement& in, std::optional<OutElement>& out) {
  at_boundary();
  out.reset();
  return call_with_element(process_, in, [&](GuestAbi& abi, const Area& a, uint32_t payload) -> Status {
    uint8_t kase = a.get<uint8_t>(payload);
    if (kase == 1) return {};  // drop
    if (kase != 0) return Error(ErrorCode::AbiTrap, "process-result discriminant out of range");
    out.emplace();
    return lift_output(abi, t_, host_, a, payload + t_.process_result_payload, *out);
  });
}

CallStatus ComponentNode::evaluate(const InElement& in, bool& keep) {
  at_boundary();
  return call_with_element(evaluate_, in, [&](GuestAbi&, const Area& a, uint32_t payload) -> Status {
    keep = a.get<uint8_t>(payload) != 0;
    return {};
  });
}

CallStatus ComponentNode::route(const InElement& in, std::vector<std::string>& ports) {
  at_boundary();
  ports.clear();
  return call_with_element(route_, in, [&](GuestAbi& abi, const Area& a, uint32_t payload) -> Status {
    uint32_t ptr = a.get<uint32_t>(payload), len = a.get<uint32_t>(payload + 4);
    if (len > 4096) return Error(ErrorCode::AbiTrap, "route returned " + std::to_string(len) + " ports (at most 4096)");
    auto list = abi.span(ptr, uint64_t{len} * 8, 4);
    if (!list) return list.take_error();
    Area l{*list};
    ports.resize(len);
    for (uint32_t i = 0; i < len; ++i)
      if (auto st = lift_string(abi, l, i * 8, ports[i]); !st) return st;
    return {};
  });
}

CallStatus ComponentNode::ingest(const InElement& in, std::optional<OutElement>& out) {
  at_boundary();
  out.reset();
  return call_with_element(ingest_, in,
                           [&](GuestAbi& abi, const Area& a, uint32_t payload) { return read_optional_output(abi, t_, host_, a, payload, out); });
}

CallStatus ComponentNode::flush(std::vector<OutElement>& out) {
  at_boundary();
  out.clear();
  return call_no_args(flush_, [&](GuestAbi& abi, const Area& a, uint32_t payload) -> Status {
    uint32_t ptr = a.get<uint32_t>(payload), len = a.get<uint32_t>(payload + 4);
    uint32_t stride = t_.output.size;
    if (uint64_t{len} * stride > (1ull << 31)) return Error(ErrorCode::AbiTrap, "flush returned an impossibly long list");
    auto list = abi.span(ptr, uint64_t{len} * stride, t_.output_element->align);
    if (!list) return list.take_error();
    Area l{*list};
    for (uint32_t i = 0; i < len; ++i) {
      out.emplace_back();
      if (auto s = lift_output(abi, t_, host_, l, i * stride, out.back()); !s) return s;
    }
    return {};
  });
}

CallStatus ComponentNode::push(const InElement& in, bool& pause) {
  at_boundary();
  pause = false;
  return call_with_element(push_, in, [&](GuestAbi&, const Area& a, uint32_t payload) -> Status {
    uint8_t signal = a.get<uint8_t>(payload);
    if (signal > 1) return Error(ErrorCode::AbiTrap, "backpressure-signal discriminant out of range");
    pause = signal == 1;
    return {};
  });
}

CallStatus ComponentNode::complete() {
  at_boundary();
  return call_no_args(complete_, [](GuestAbi&, const Area&, uint32_t) -> Status { return {}; });
}

}  // namespace torvyn::streaming
