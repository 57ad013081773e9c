// Converting decoded component types into ABI types whose resources are resource slots (at load,
// for the plan), giving them an instantiation's resource identities, and comparing the shapes of
// host and guest function types when linking.
#pragma once

#include <span>
#include <unordered_map>

#include "plan_scope.h"

namespace torvyn::component::detail {

struct ResolvedType {
  AbiTypePtr type;
  bool has_resources = false;
};
Result<ResolvedType> resolve_valtype(const Scope& scope, const ValType& v);
// A value or function type (resource definitions are the plan builder's; instance and component
// types the model's).
Result<PlanType> resolve_type(const Scope& scope, const Type& t);
// `t` with every resource slot replaced by its identity `ids[slot]`. `memo` keeps what was already
// replaced, so types an instantiation shares are rebuilt once (and a type shared many times inside
// another costs once, not once per path to it).
using ResourceMemo = std::unordered_map<const AbiType*, AbiTypePtr>;
std::shared_ptr<const AbiFuncType> with_resources(const PlanFuncType& t, std::span<const uint32_t> ids, ResourceMemo& memo);
// Structural equality of two resolved types (labels, kinds, resource identities).
bool same_shape(const AbiType& a, const AbiType& b);
bool same_shape(const AbiFuncType& a, const AbiFuncType& b);

}  // namespace torvyn::component::detail
