#include "trap_match.h"

#include <algorithm>

namespace torvyn::spectest {

using wasm::TrapKind;

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Kinds that never count as the guest trapping by itself: they report the runner's own limits
// (watchdog, fuel) or the store's state, so they must not satisfy even a "matches anything" message.
bool is_runner_condition(TrapKind kind) {
  return kind == TrapKind::None || kind == TrapKind::Timeout || kind == TrapKind::FuelExhausted ||
         kind == TrapKind::Poisoned || kind == TrapKind::ReentryDenied;
}

}  // namespace

std::vector<TrapKind> accepted_trap_kinds(std::string_view text) {
  // Table messages: wasm2c reports a table.get/set/copy past the end the same way as a call_indirect
  // past the end, so UndefinedElement is a legitimate answer for them.
  if (starts_with(text, "out of bounds table access")) return {TrapKind::OutOfBounds, TrapKind::UndefinedElement};
  if (starts_with(text, "out of bounds")) return {TrapKind::OutOfBounds};
  if (starts_with(text, "integer divide by zero")) return {TrapKind::DivByZero};
  if (starts_with(text, "integer overflow")) return {TrapKind::IntOverflow};
  if (starts_with(text, "invalid conversion to integer")) return {TrapKind::InvalidConversion};
  if (starts_with(text, "unreachable")) return {TrapKind::Unreachable};
  // A call_indirect through a null entry is "uninitialized element" in the spec but a type mismatch
  // to some engines (a null entry has no type), and wasm2c merges all three call_indirect failures.
  if (starts_with(text, "indirect call type mismatch"))
    return {TrapKind::IndirectCallTypeMismatch, TrapKind::UndefinedElement};
  // "uninitialized element 2" exists too (elem.wast), hence prefix matching.
  if (starts_with(text, "undefined element") || starts_with(text, "uninitialized element"))
    return {TrapKind::UndefinedElement, TrapKind::IndirectCallTypeMismatch, TrapKind::OutOfBounds};
  if (starts_with(text, "call stack exhausted")) return {TrapKind::StackExhausted};
  return {};
}

bool trap_matches(std::string_view text, TrapKind kind) {
  if (is_runner_condition(kind)) return false;
  std::vector<TrapKind> accepted = accepted_trap_kinds(text);
  return accepted.empty() || std::find(accepted.begin(), accepted.end(), kind) != accepted.end();
}

}  // namespace torvyn::spectest
