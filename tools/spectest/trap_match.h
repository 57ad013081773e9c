// Maps the message text of an assert_trap / assert_exhaustion to the TrapKinds that satisfy it.
#pragma once

#include <string_view>
#include <vector>

#include "torvyn/wasm/types.h"

namespace torvyn::spectest {

// The kinds accepted for `text`. Empty means "any guest trap": the spec only requires that the
// action traps, the message is advisory, and we only know how to map the common ones.
std::vector<wasm::TrapKind> accepted_trap_kinds(std::string_view text);

// True when `kind` satisfies an expected trap with message `text`.
bool trap_matches(std::string_view text, wasm::TrapKind kind);

}  // namespace torvyn::spectest
