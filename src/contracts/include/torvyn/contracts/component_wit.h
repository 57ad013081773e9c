// A component binary's type, read back as a WIT world — what `wasm-tools component wit` shows —
// so that `torvyn check` / `torvyn link` can compare a built component with the contracts using
// the WIT model and its compatibility diff (torvyn/wit/compat.h).
//
// How the type is read: the component's top-level definitions are walked in order, filling the
// index spaces that matter for types (types, functions, instances, components; core spaces are
// skipped). Imported instance types are evaluated into WIT interfaces named after the import
// ("torvyn:streaming/types@0.1.0" -> package torvyn:streaming@0.1.0, interface `types`);
// exported instances — in wit-component output, instances of small nested "shim" components —
// are evaluated by instantiating the nested component symbolically with its arguments.
// Nothing is executed and no core module is decoded.
//
// Mapping to the WIT model (model.h):
//  - `(export "n" (type (eq T)))` in an instance type names T: a record, variant, enum, flags or
//    resource defined for that export becomes the named type of the interface; anything else (a
//    type of another interface, a list, a primitive) becomes an alias, marked `from_use` when the
//    target belongs to another interface (`use types.{buffer}` in WIT);
//  - `(sub resource)` exports are resources of the interface; `own`/`borrow` are handles;
//  - functions named "[method]r.f", "[static]r.f", "[constructor]r" are resource functions.
// An imported instance type lists only what the component uses (wit-component drops unused
// functions and types), so a component's `types` import is a subset of the contract's.
//
// The synthesized world is `root:component/root`; its imports and exports are in binary order.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "torvyn/base/result.h"
#include "torvyn/component/ast.h"
#include "torvyn/wit/model.h"

namespace torvyn::contracts {

struct ComponentWit {
  std::shared_ptr<wit::Resolve> resolve;  // owns everything below
  const wit::World* world = nullptr;      // the component's imports and exports

  // Imported / exported interface by id, with or without version ("torvyn:streaming/types");
  // nullptr when absent.
  const wit::WorldItem* find_import(std::string_view id) const;
  const wit::WorldItem* find_export(std::string_view id) const;
};

// The component's type as WIT. Errors: E0201 ComponentInvalid when the type information is
// inconsistent (an index out of range, an alias of a missing export), E0202 ComponentUnsupported
// for type constructs WIT cannot express.
Result<ComponentWit> component_wit(const component::Component& c);

// Reads, decodes and validates a .wasm component, then component_wit. Errors: E0900 IoError,
// E0200-E0202 from the decoder, and a clear E0200 when the file is a core module, not a component.
Result<ComponentWit> read_component_wit(const std::filesystem::path& wasm);
// `check_core_modules` false: the component's own structure is checked, its core modules are not
// validated (run's preflight: the engine validates each module when it loads it, or loads a
// compiled entry made from bytes validated when they were compiled).
Result<ComponentWit> component_wit_from_bytes(std::vector<uint8_t> bytes, bool check_core_modules = true);

// Splits "ns:pkg/iface@1.2.3" into its parts; false for plain names ("run", "my-handler").
struct InterfaceName {
  std::string ns, package, name;   // "torvyn", "streaming", "types"
  std::string version;             // "0.1.0" or ""
  std::string unversioned() const;  // "torvyn:streaming/types"
  std::string package_id() const;   // "torvyn:streaming"
};
bool parse_interface_name(std::string_view text, InterfaceName* out);

}  // namespace torvyn::contracts
