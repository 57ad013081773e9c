// The error a guest's trap becomes: one code and one message. The limits the host enforces
// (fuel, the invocation timeout, the memory cap) get codes of their own, so that the run summary
// can say which setting to raise; any other trap is GuestTrap.
#pragma once

#include "torvyn/base/error.h"
#include "torvyn/wasm/types.h"

namespace torvyn::component {

Error trap_error(const wasm::Trap& t);

}  // namespace torvyn::component
