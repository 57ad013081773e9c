// What both backends' modules know of the guest's module, read once from its decoded IR: the
// name it was loaded under, its imports and exports as the guest declared them, and the layout of
// its state. describe() also appends the state exports to the IR (state_exports.h), so a backend
// calls it right after decoding, before any instrumentation.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <wabt/ir.h>

#include "module_ir.h"
#include "state_exports.h"
#include "torvyn/wasm/engine.h"

namespace torvyn::wasm {

class DescribedModule : public Module {
 public:
  const std::vector<ImportDesc>& imports() const override { return imports_; }
  const std::vector<ExportDesc>& exports() const override { return exports_; }
  const std::string& name() const override { return name_; }
  const StateLayout& state_layout() const override { return state_; }

  void describe(wabt::Module& ir, std::string_view name) {
    name_ = name.empty() ? "<module>" : std::string(name);
    imports_ = describe_imports(ir);
    exports_ = describe_exports(ir);
    StateExports state = add_state_exports(ir);
    state_ = StateLayout{std::move(state.items), std::move(state.not_movable)};
    state_first_export = state.first_export;
  }
  // The same, described without the IR (interp_binary_instrument.h, whose pass also added the state
  // exports).
  void describe(std::string_view name, std::vector<ImportDesc> imports, std::vector<ExportDesc> exports, StateLayout state,
                size_t first_state_export) {
    name_ = name.empty() ? "<module>" : std::string(name);
    imports_ = std::move(imports);
    exports_ = std::move(exports);
    state_ = std::move(state);
    state_first_export = first_state_export;
  }

  std::string name_;
  std::vector<ImportDesc> imports_;
  std::vector<ExportDesc> exports_;  // the guest's own: the state exports follow them in the instrumented module
  StateLayout state_;
  size_t state_first_export = 0;     // index of the first state export
};

}  // namespace torvyn::wasm
