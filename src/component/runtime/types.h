// Converting decoded component types into resolved ABI types, and comparing the shapes of host and
// guest function types when linking.
#pragma once

#include "internal.h"

namespace torvyn::component::detail {

Result<AbiTypePtr> resolve_valtype(const Env& env, const ValType& v);
Result<TypeVal> resolve_type(Env& env, const Type& t, GuestResources& guest);
// Structural equality of two resolved types (labels, kinds, resource identities).
bool same_shape(const AbiType& a, const AbiType& b);
bool same_shape(const AbiFuncType& a, const AbiFuncType& b);
// The Env `count` levels out (outer aliases); nullptr if there is none.
const Env* outer_env(const Env& env, uint32_t count);

}  // namespace torvyn::component::detail
