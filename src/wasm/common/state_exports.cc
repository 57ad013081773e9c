#include "state_exports.h"

#include <memory>
#include <string_view>

#include <wabt/cast.h>
#include <wabt/expr-visitor.h>

#include "module_ir.h"

namespace torvyn::wasm {
namespace {

// Finds the first instruction that changes a table or drops a data segment. ExprVisitor walks the
// nesting with a stack of its own, so a deeply nested body costs no native stack.
class Changes : public wabt::ExprVisitor::DelegateNop {
 public:
  const char* found = nullptr;
  wabt::Result OnTableSetExpr(wabt::TableSetExpr*) override { return hit("table.set"); }
  wabt::Result OnTableGrowExpr(wabt::TableGrowExpr*) override { return hit("table.grow"); }
  wabt::Result OnTableFillExpr(wabt::TableFillExpr*) override { return hit("table.fill"); }
  wabt::Result OnTableCopyExpr(wabt::TableCopyExpr*) override { return hit("table.copy"); }
  wabt::Result OnTableInitExpr(wabt::TableInitExpr*) override { return hit("table.init"); }
  wabt::Result OnDataDropExpr(wabt::DataDropExpr*) override { return hit("data.drop"); }

 private:
  wabt::Result hit(const char* what) {
    found = what;
    return wabt::Result::Error;  // stops the walk
  }
};

std::string why_not_movable(wabt::Module& m) {
  MovabilityFacts facts;
  facts.start_function = !m.starts.empty();
  for (const wabt::Export* e : m.exports)
    if (is_reserved_export_name(e->name)) {
      facts.reserved_export = e->name;
      break;
    }
  for (wabt::Index i = m.num_global_imports; i < m.globals.size() && !facts.mutable_reference_global; ++i)
    facts.mutable_reference_global = m.globals[i]->mutable_ && m.globals[i]->type.IsRef();
  return not_movable_reason(facts, [&]() -> const char* {
    Changes changes;
    wabt::ExprVisitor visitor(&changes);
    for (wabt::Index i = m.num_func_imports; i < m.funcs.size() && !changes.found; ++i) (void)visitor.VisitFunc(m.funcs[i]);
    return changes.found;
  });
}

void append_export(wabt::Module& m, wabt::ExternalKind kind, char letter, wabt::Index index) {
  auto field = std::make_unique<wabt::ExportModuleField>();
  field->export_.name = state_export_name(letter, index);
  field->export_.kind = kind;
  field->export_.var = wabt::Var(index, wabt::Location());
  m.AppendField(std::move(field));
}

}  // namespace

std::string state_export_name(char sort, uint32_t index) { return std::string(kStateExportPrefix) + sort + std::to_string(index); }

bool is_reserved_export_name(std::string_view name) { return name.substr(0, kStateExportPrefix.size()) == kStateExportPrefix; }

std::string not_movable_reason(const MovabilityFacts& facts, const std::function<const char*()>& code_change) {
  if (facts.start_function) return "it has a start function";
  if (!facts.reserved_export.empty()) return "it exports a name Torvyn reserves (" + std::string(facts.reserved_export) + ")";
  if (facts.mutable_reference_global) return "a mutable global holds a reference";
  if (const char* what = code_change()) return std::string("its code uses ") + what;
  return {};
}

StateExports add_state_exports(wabt::Module& m) {
  StateExports out;
  out.not_movable = why_not_movable(m);
  if (!out.not_movable.empty()) return out;
  out.first_export = m.exports.size();
  for (wabt::Index i = m.num_memory_imports; i < m.memories.size(); ++i) append_export(m, wabt::ExternalKind::Memory, 'm', i);
  for (wabt::Index i = m.num_global_imports; i < m.globals.size(); ++i)
    if (m.globals[i]->mutable_) append_export(m, wabt::ExternalKind::Global, 'g', i);
  for (wabt::Index i = m.num_table_imports; i < m.tables.size(); ++i) append_export(m, wabt::ExternalKind::Table, 't', i);
  std::vector<ExportDesc> all = describe_exports(m);
  for (size_t k = out.first_export; k < all.size(); ++k) out.items.push_back(all[k].type);
  return out;
}

}  // namespace torvyn::wasm
