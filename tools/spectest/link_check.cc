#include "link_check.h"

namespace torvyn::spectest {

using namespace wasm;

namespace {

std::string limits_str(const Limits& l) {
  return "{min " + std::to_string(l.min) + (l.max ? ", max " + std::to_string(*l.max) : std::string(", no max")) + "}";
}

// Limits subtyping: the provider must guarantee at least what the importer asks for, i.e. be at
// least as large now and never able to grow beyond the importer's maximum.
bool limits_match(const Limits& wanted, const Limits& actual) {
  if (actual.min < wanted.min) return false;
  if (!wanted.max) return true;
  return actual.max.has_value() && *actual.max <= *wanted.max;
}

}  // namespace

std::optional<std::string> import_mismatch(const ExternType& wanted, const ExternType& actual) {
  if (wanted.kind != actual.kind)
    return std::string("import is a ") + to_string(wanted.kind) + ", export is a " + to_string(actual.kind);
  switch (wanted.kind) {
    case ExternKind::Func:
      if (wanted.func == actual.func) return std::nullopt;
      return "function type " + actual.func.to_string() + " != imported " + wanted.func.to_string();
    case ExternKind::Global:
      if (wanted.global == actual.global) return std::nullopt;
      return std::string("global ") + (actual.global.is_mutable ? "mut " : "") + to_string(actual.global.type) +
             " != imported " + (wanted.global.is_mutable ? "mut " : "") + to_string(wanted.global.type);
    case ExternKind::Memory:
      if (limits_match(wanted.memory.limits, actual.memory.limits)) return std::nullopt;
      return "memory limits " + limits_str(actual.memory.limits) + " do not match imported " +
             limits_str(wanted.memory.limits);
    case ExternKind::Table:
      if (wanted.table.elem != actual.table.elem)
        return std::string("table of ") + to_string(actual.table.elem) + " != imported " +
               to_string(wanted.table.elem);
      if (limits_match(wanted.table.limits, actual.table.limits)) return std::nullopt;
      return "table limits " + limits_str(actual.table.limits) + " do not match imported " +
             limits_str(wanted.table.limits);
    case ExternKind::Tag:
      break;
  }
  return std::string("cannot import a ") + to_string(wanted.kind);
}

}  // namespace torvyn::spectest
