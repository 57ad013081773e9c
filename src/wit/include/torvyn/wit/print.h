// Printing the resolved model back as WIT text (for `torvyn inspect`, and to check the model: a
// printed package parses and resolves to an equivalent one).
//
// The output is canonical rather than a copy of the source: within an interface, named types come
// first (in source order) and then the freestanding functions; `use`s are grouped per target;
// worlds are printed elaborated — includes expanded and implicit imports written out (marked with a
// comment) — so what is printed is exactly what a component targeting the world sees. Interfaces of
// the world's own package are printed by short name, others by full id (`ns:pkg/name@version`).
#pragma once

#include <string>

#include "torvyn/wit/model.h"

namespace torvyn::wit {

struct PrintOptions {
  bool docs = true;         // `///` doc comments
  bool gates = true;        // @since / @unstable / @deprecated / @external-id
  std::string indent = "    ";
};

// A type as written in WIT: "list<u8>", "borrow<buffer>", "result<_, buffer-error>", a type's name.
std::string print_type(const Type& t);
// "name: func(a: u32) -> string" for freestanding functions; "name: static func(..)", "constructor(..)"
// or "name: func(..)" (without `self`) for resource functions.
std::string print_function(const Function& f);
std::string print_interface(const Interface& i, const PrintOptions& options = {});
std::string print_world(const World& w, const PrintOptions& options = {});
// `package ns:name@v;` followed by every interface and world.
std::string print_package(const Package& p, const PrintOptions& options = {});

// An identifier as WIT needs it written: keywords get the `%` escape ("%stream").
std::string print_id(const std::string& name);

}  // namespace torvyn::wit
