// Shared by check.cc and link.cc: where a component's .wasm is, reading it once, and turning
// findings into located diagnostics.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "manifest_text.h"
#include "torvyn/contracts/component_wit.h"
#include "torvyn/contracts/conformance.h"
#include "torvyn/contracts/project.h"

namespace torvyn::contracts::detail {

// What a node's `component` (or a [[component]]) refers to.
struct ComponentRef {
  std::string display;                           // the name, or the file:// / oci:// reference
  const config::ComponentDecl* decl = nullptr;   // for a [[component]] name
  std::filesystem::path file;                    // the .wasm to read ("" for oci://)
  bool oci = false;
  bool prebuilt = false;                         // `path` names a .wasm (not built by torvyn build)
};

ComponentRef resolve_component(const config::Config& cfg, const config::ComponentDecl& c, const ProjectHooks& hooks);
ComponentRef resolve_reference(const config::Config& cfg, const std::string& reference, const ProjectHooks& hooks);

// Components read back as WIT, once per file.
class ComponentCache {
 public:
  struct Entry {
    bool exists = false;
    std::optional<ComponentWit> wit;
    std::optional<Error> error;
    std::string bytes;  // the binary (when it exists), e.g. to look for a router's port names
  };
  explicit ComponentCache(bool check_core_modules = true) : check_core_modules_(check_core_modules) {}
  const Entry& get(const std::filesystem::path& file);

 private:
  bool check_core_modules_ = true;
  std::map<std::filesystem::path, Entry> entries_;
};

// A warning when a component built from sources (not a pinned .wasm) has a source file newer than
// its built .wasm: what runs would not be what the sources say. nullopt when up to date, prebuilt
// or not built.
std::optional<Diagnostic> stale_build(const ComponentRef& ref, SourceLocation where, std::string key);

// The file name the config layer uses in its locations (so carets find the manifest's text).
std::string manifest_file_name(const config::Config& cfg);

Diagnostic make_diag(ErrorCode code, Severity sev, std::string message, SourceLocation where, std::string help = "",
                     std::string key = "");
Diagnostic from_finding(const Finding& f, SourceLocation where, std::string key = "");

// A TOML key as it must be written in a table header (quoted unless bare: letters, digits, - and _).
std::string toml_key(const std::string& k);

// Sorts diagnostics in reading order of the manifest (others after, in their order).
void sort_by_location(std::vector<Diagnostic>& ds);

}  // namespace torvyn::contracts::detail
