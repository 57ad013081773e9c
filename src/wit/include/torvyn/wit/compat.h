// Compatibility between two versions of a WIT package, interface or world (for `torvyn check` /
// `torvyn link` and for deciding a contract's next version).
//
// Classes, semver-style:
//   Compatible               nothing a component or host links against changed (documentation,
//                            gates, order of items, the version number itself, @unstable items)
//   CompatibleWithAdditions  everything built against the old version keeps working; the new one
//                            offers more (a minor version bump)
//   Breaking                 something built against the old version can fail against the new one
//                            (a major version bump; 0.x: a minor bump)
//
// Why value types are strict: the Component Model compares value types structurally and, today,
// without record or variant subtyping (WIT.md: "until subtyping is relaxed in the Component Model,
// if we had to add a new case to calc-error, this would be a breaking change"). Field and case order
// fixes the Canonical ABI layout and discriminants, and function parameter names are part of a
// component function type that linkers compare.
//
// Rule table (path = where the change is reported):
//
//   change                                               class      path
//   ---------------------------------------------------  ---------  -------------------------------
//   package renamed (namespace or name)                  Breaking   ns:pkg
//   package version changed                              Compatible ns:pkg
//   interface / world added                              Additions  ns:pkg/name
//   interface / world removed                            Breaking   ns:pkg/name
//   type added to an interface                           Additions  ns:pkg/iface.type
//   type removed                                         Breaking   ns:pkg/iface.type
//   type kind changed (record -> variant, ...)           Breaking   ns:pkg/iface.type
//   record field added, removed, renamed, reordered      Breaking   ns:pkg/iface.record.field
//   record field type changed                            Breaking   ns:pkg/iface.record.field
//   variant case added, removed, reordered               Breaking   ns:pkg/iface.variant.case
//   variant case payload added, removed or changed       Breaking   ns:pkg/iface.variant.case
//   enum case / flag added, removed, reordered           Breaking   ns:pkg/iface.enum.case
//   type alias target changed (structurally)             Breaking   ns:pkg/iface.alias
//   `use`d type now from another interface               Breaking   ns:pkg/iface.type
//     ... but with an identical structure (no resource)  Compatible
//   function added (freestanding, method, static, ctor)  Additions  ns:pkg/iface.fn | .res.method
//   function removed                                     Breaking   same
//   function kind changed (method <-> static, ...)       Breaking   same
//   async added or removed                               Breaking   same
//   parameter added, removed, renamed or retyped         Breaking   same
//   result added, removed or changed                     Breaking   same
//   own <-> borrow, or another resource                  Breaking   where the type is used
//   docs or @since/@deprecated changed                   Compatible the item
//   item added behind @unstable                          Compatible the item
//   @unstable item removed or changed                    Compatible the item (unstable: no promise)
//   @unstable item stabilized                            Additions  the item
//   stable item moved behind @unstable                   Breaking   the item
//   world import added                                   Additions  ns:pkg/world.import.name
//   world import removed                                 Breaking   ns:pkg/world.import.name
//   world export added                                   Breaking   ns:pkg/world.export.name
//   world export removed                                 Compatible ns:pkg/world.export.name
//   world item changed kind or interface                 Breaking   ns:pkg/world.import|export.name
//   world imports another version of a foreign           Additions when semver-compatible
//     interface (wasi:io/streams@0.2.0 -> @0.2.1)        (newer), else Breaking
//
// World rules take the view that matters for a runtime owning the contract: a component built
// against the old world must still link against (instantiate on) a host implementing the new one.
// So a new import is fine (old components do not use it), a new export is not (old components do
// not provide it), and a removed export is harmless (old components provide one too many).
// Interface rules are direction-free (an interface may be imported or exported), semver-style: an
// added function is an addition — a host must not call a function added to an interface a
// component exports unless the component declares the newer version.
//
// Types of the diffed package are compared by name where they are used (their contents are
// diffed once, where they are defined); types from other packages and anonymous types are
// compared structurally; resources are nominal (interface + name). Interface-named world items
// are keyed without version, so a package version bump does not look like remove + add; implicit
// imports are not reported on their own (they follow from `use` changes reported elsewhere).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "torvyn/wit/model.h"

namespace torvyn::wit {

enum class Compat { Compatible, CompatibleWithAdditions, Breaking };

struct Change {
  Compat severity = Compat::Compatible;
  std::string path;         // "torvyn:streaming/types.buffer.read"
  std::string description;  // "parameter `len` type changed: `u64` -> `u32`"
};

struct CompatReport {
  Compat overall = Compat::Compatible;  // the most severe change (Compatible when none)
  std::vector<Change> changes;          // in package order: interfaces, then worlds
};

CompatReport diff(const Package& old_pkg, const Package& new_pkg);
CompatReport diff(const Interface& old_iface, const Interface& new_iface);
CompatReport diff(const World& old_world, const World& new_world);

std::string_view to_string(Compat c);  // "compatible", "compatible-with-additions", "breaking"
// One line per change: "breaking  torvyn:streaming/types.buffer.read: ...", then the overall class.
std::string render(const CompatReport& report);

}  // namespace torvyn::wit
