#include "module_description.h"

#include <nlohmann/json.hpp>

namespace torvyn::wasm::aot {
namespace {

using nlohmann::json;

// Bumped whenever the layout below changes: an older or newer description is not used.
constexpr int kVersion = 1;

json limits_json(const Limits& l) {
  json j{{"min", l.min}};
  if (l.max) j["max"] = *l.max;
  return j;
}

json type_json(const ExternType& t) {
  json j{{"kind", static_cast<int>(t.kind)}};
  switch (t.kind) {
    case ExternKind::Func: {
      json p = json::array(), r = json::array();
      for (ValType v : t.func.params) p.push_back(static_cast<int>(v));
      for (ValType v : t.func.results) r.push_back(static_cast<int>(v));
      j["params"] = std::move(p);
      j["results"] = std::move(r);
      break;
    }
    case ExternKind::Table: j["elem"] = static_cast<int>(t.table.elem), j["limits"] = limits_json(t.table.limits); break;
    case ExternKind::Memory: j["limits"] = limits_json(t.memory.limits); break;
    case ExternKind::Global: j["type"] = static_cast<int>(t.global.type), j["mutable"] = t.global.is_mutable; break;
    case ExternKind::Tag: break;
  }
  return j;
}

// Throws (json's exceptions, caught by describe_from_text) on anything malformed.
ValType val_type(const json& j) {
  int v = j.get<int>();
  if (v < 0 || v > static_cast<int>(ValType::ExternRef)) throw std::out_of_range("value type");
  return static_cast<ValType>(v);
}

Limits limits_of(const json& j) {
  Limits l;
  l.min = j.at("min").get<uint64_t>();
  if (j.contains("max")) l.max = j.at("max").get<uint64_t>();
  return l;
}

ExternType type_of(const json& j) {
  ExternType t;
  int kind = j.at("kind").get<int>();
  if (kind < 0 || kind > static_cast<int>(ExternKind::Tag)) throw std::out_of_range("extern kind");
  t.kind = static_cast<ExternKind>(kind);
  switch (t.kind) {
    case ExternKind::Func:
      for (const json& v : j.at("params")) t.func.params.push_back(val_type(v));
      for (const json& v : j.at("results")) t.func.results.push_back(val_type(v));
      break;
    case ExternKind::Table: t.table.elem = val_type(j.at("elem")), t.table.limits = limits_of(j.at("limits")); break;
    case ExternKind::Memory: t.memory.limits = limits_of(j.at("limits")); break;
    case ExternKind::Global: t.global.type = val_type(j.at("type")), t.global.is_mutable = j.at("mutable").get<bool>(); break;
    case ExternKind::Tag: break;
  }
  return t;
}

}  // namespace

std::string description_text(const DescribedModule& m) {
  json imports = json::array(), exports = json::array(), state = json::array();
  for (const ImportDesc& i : m.imports_) imports.push_back({{"module", i.module}, {"name", i.name}, {"type", type_json(i.type)}});
  for (const ExportDesc& e : m.exports_) exports.push_back({{"name", e.name}, {"type", type_json(e.type)}});
  for (const ExternType& t : m.state_.items) state.push_back(type_json(t));
  json j{{"version", kVersion},
         {"imports", std::move(imports)},
         {"exports", std::move(exports)},
         {"state", std::move(state)},
         {"not_movable", m.state_.not_movable},
         {"state_first_export", m.state_first_export}};
  return j.dump();
}

bool describe_from_text(DescribedModule& m, std::string_view text, std::string_view name) {
  try {
    json j = json::parse(text);
    if (j.at("version").get<int>() != kVersion) return false;
    std::vector<ImportDesc> imports;
    std::vector<ExportDesc> exports;
    StateLayout state;
    for (const json& i : j.at("imports")) imports.push_back({i.at("module").get<std::string>(), i.at("name").get<std::string>(), type_of(i.at("type"))});
    for (const json& e : j.at("exports")) exports.push_back({e.at("name").get<std::string>(), type_of(e.at("type"))});
    for (const json& t : j.at("state")) state.items.push_back(type_of(t));
    state.not_movable = j.at("not_movable").get<std::string>();
    size_t first = j.at("state_first_export").get<size_t>();
    m.describe(name, std::move(imports), std::move(exports), std::move(state), first);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace torvyn::wasm::aot
