// Loading and resolving WIT: from files (or text) to the model of model.h, with diagnostics.
//
// Folder layout (WIT.md "Filesystem structure"): the `*.wit` files directly in the folder form the
// root package; each entry of its `deps/` folder is a dependency package — a folder (its `*.wit`
// files, no recursive deps) or a single `.wit` file. Names under deps/ only tell entries apart.
// `package a:b { ... }` blocks in any file define further packages inline. A package may be given
// more than once (e.g. by two deps folders) if its sources are identical.
//
// What resolution checks (each failure is a Diagnostic with a precise location and, where one makes
// sense, a help line):
//  E0400 syntax (parser.h); a file with a syntax error stops resolution, since anything it defines
//        would otherwise be reported as missing.
//  E0401 unresolved names: types, `use`d names, interfaces, worlds, include renames.
//  E0402 duplicates: packages with different contents, interfaces/worlds in a package, types and
//        functions in an interface, fields, cases, flags, parameters, resource members, world
//        import and export names (each scope case-insensitively, as the spec requires).
//  E0403 packages not found (with the versions that are known, and where to put the package).
//        A reference must name a versioned package with its version (`wasi:io/poll@0.2.0`).
//  E0404 cycles: packages, interfaces (`use`), types (recursive types), world includes.
//  E0405 invalid types: own/borrow of a non-resource, borrow in a function result, empty
//        record/variant/enum/flags/tuple, more than 32 flags, bad map keys, a constructor whose
//        result is not the resource (or result<resource, e>), a non-type used as a type.
//  E0406 invalid worlds: an exported interface whose `use`d interface is neither imported nor
//        exported, include name conflicts, `with` renaming an interface name or a missing name.
//  E0407 invalid gates: `@since` together with `@unstable`, `@deprecated` without `@since`, gates in
//        a package without a version.
//  E0408 package names: no `package` declaration, declarations that disagree.
//  E0900 files that cannot be read.
// Not checked: the rule that an item referring to a gated item must be compatibly gated.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "torvyn/base/diagnostic.h"
#include "torvyn/wit/model.h"

namespace torvyn::wit {

struct ResolveResult {
  // Non-null iff `diagnostics` holds no error (warnings do not count).
  std::shared_ptr<Resolve> resolve;
  std::vector<Diagnostic> diagnostics;
  // file name (as in the diagnostics' locations) -> its text, so callers can render carets.
  std::map<std::string, std::string> sources;

  bool ok() const { return resolve != nullptr; }
  // Every diagnostic rendered rustc-style (render_human) with its source line, separated by blank lines.
  std::string render() const;
};

// Resolves the package folder `dir` (its *.wit files + deps/). `dir` may also name a single .wit
// file, which is then the whole root package (dependencies inline as `package x:y { ... }`).
ResolveResult parse_directory(const std::filesystem::path& dir);

struct SourceText {
  std::string name;  // shown in diagnostics
  std::string text;
};

// Resolves one file's text as the root package.
ResolveResult parse_source(std::string_view text, std::string file_name);
// Resolves `root` (one file or several files of the same package) with `deps`, each entry one
// dependency package given as one or more files with the same `package` declaration — the
// in-memory equivalent of a folder with deps/. Each element of `deps` is one package.
ResolveResult parse_sources(std::vector<SourceText> root, std::vector<std::vector<SourceText>> deps = {});

}  // namespace torvyn::wit
