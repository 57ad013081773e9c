#include "global_import.h"

#include <memory>
#include <string>

#include <wabt/cast.h>

namespace torvyn::wasm {
namespace {

using namespace wabt;

// --- shifting references to defined globals by `by` (the new imports go before them) ----------


void shift_globals(ExprList& exprs, Index first_defined, Index by) {
  for (Expr& e : exprs) {
    switch (e.type()) {
      case ExprType::GlobalGet: shift_global_var(cast<GlobalGetExpr>(&e)->var, first_defined, by); break;
      case ExprType::GlobalSet: shift_global_var(cast<GlobalSetExpr>(&e)->var, first_defined, by); break;
      case ExprType::Block: shift_globals(cast<BlockExpr>(&e)->block.exprs, first_defined, by); break;
      case ExprType::Loop: shift_globals(cast<LoopExpr>(&e)->block.exprs, first_defined, by); break;
      case ExprType::If: {
        auto* i = cast<IfExpr>(&e);
        shift_globals(i->true_.exprs, first_defined, by);
        shift_globals(i->false_, first_defined, by);
        break;
      }
      case ExprType::Try: {
        auto* t = cast<TryExpr>(&e);
        shift_globals(t->block.exprs, first_defined, by);
        for (Catch& c : t->catches) shift_globals(c.exprs, first_defined, by);
        break;
      }
      default: break;
    }
  }
}

void shift_defined_globals(Module& m, Index by, bool in_code) {
  Index first_defined = m.num_global_imports;
  for (ModuleField& f : m.fields) {
    switch (f.type()) {
      case ModuleFieldType::Func:
        if (in_code) shift_globals(cast<FuncModuleField>(&f)->func.exprs, first_defined, by);
        break;
      case ModuleFieldType::Global: shift_globals(cast<GlobalModuleField>(&f)->global.init_expr, first_defined, by); break;
      case ModuleFieldType::ElemSegment: {
        auto& seg = cast<ElemSegmentModuleField>(&f)->elem_segment;
        shift_globals(seg.offset, first_defined, by);
        for (ExprList& el : seg.elem_exprs) shift_globals(el, first_defined, by);
        break;
      }
      case ModuleFieldType::DataSegment: shift_globals(cast<DataSegmentModuleField>(&f)->data_segment.offset, first_defined, by); break;
      case ModuleFieldType::Export: {
        Export& ex = cast<ExportModuleField>(&f)->export_;
        if (ex.kind == ExternalKind::Global) shift_global_var(ex.var, first_defined, by);
        break;
      }
      default: break;
    }
  }
}

// Adds one import without moving any reference (the caller has moved them).
Index append_i64_global_import(Module& m, std::string_view module, std::string_view field_name) {
  auto field = std::make_unique<ImportModuleField>();
  auto import = std::make_unique<GlobalImport>();
  import->module_name = std::string(module);
  import->field_name = std::string(field_name);
  import->global.type = Type::I64;
  import->global.mutable_ = true;
  Global* global = &import->global;
  Import* raw_import = import.get();
  field->import = std::move(import);

  Index index = m.num_global_imports;
  m.globals.insert(m.globals.begin() + index, global);
  ++m.num_global_imports;
  m.imports.push_back(raw_import);

  // Keep the field list ordered like a binary would be: after the last existing import.
  auto pos = m.fields.begin();
  for (auto it = m.fields.begin(); it != m.fields.end(); ++it)
    if (it->type() == ModuleFieldType::Import) pos = std::next(it);
  m.fields.insert(pos, std::move(field));
  return index;
}

}  // namespace

void shift_global_var(Var& var, Index first_defined, Index by) {
  if (var.is_index() && var.index() >= first_defined) var.set_index(var.index() + by);
}

Index add_i64_global_imports(Module& m, std::initializer_list<GlobalImportName> names, bool move_in_code) {
  shift_defined_globals(m, static_cast<Index>(names.size()), move_in_code);
  Index first = m.num_global_imports;
  for (const GlobalImportName& n : names) append_i64_global_import(m, n.module, n.field);
  return first;
}

Index add_i64_global_import(Module& m, std::string_view module, std::string_view field_name) {
  return add_i64_global_imports(m, {{module, field_name}});
}

}  // namespace torvyn::wasm
