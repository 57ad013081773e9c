// The shape of Torvyn.toml in one place: which sections exist, which keys each has and of what kind.
// It drives unknown-key warnings and their suggestions, the mapping of TORVYN_<SECTION>_<KEY>
// variables to keys, and the typing of --config/env values before they enter the TOML tree.
// (validate.cc reads the values with the range checks each key needs; a test checks that every
// key here is accepted there.)
//
// Section paths are patterns: "*" stands for a user-chosen name (a flow, a node, a component whose
// grants these are) and "[]" for the elements of an array of tables.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace torvyn::config::detail {

enum class Kind {
  String,
  Integer,
  Float,       // an integer is accepted too
  Bool,
  Size,        // "64MiB" or an integer byte count
  Duration,    // "5s" or an integer number of milliseconds
  Enum,        // a string from `choices`
  StringList,  // an array of strings
  Json,        // a JSON string, or a TOML table serialised to JSON
  Table,       // a sub-section
  TableArray,  // an array of tables ([[component]], edges)
  PortRef,     // { node = "...", port = "..." } or "node" / "node:port"
};

struct KeyDef {
  std::string_view name;
  Kind kind;
  const std::vector<std::string_view>* choices = nullptr;  // for Kind::Enum
};

struct SectionDef {
  std::string path;      // "runtime.backpressure", "flow.*.nodes.*", "component[]"
  bool dynamic = false;  // its keys are user-chosen names ("flow", "flow.*.nodes", "security.grants")
  std::vector<KeyDef> keys;

  const KeyDef* key(std::string_view name) const;
  std::vector<std::string_view> key_names() const;
};

const SectionDef& root_section();
// nullptr when `path` is not a section pattern.
const SectionDef* find_section(std::string_view path);
// The section a Table/TableArray/PortRef key opens, or the section of a dynamic section's entries.
const SectionDef* child_section(const SectionDef& parent, const KeyDef* key);
// The sections whose keys TORVYN_<SECTION>_<KEY> can set (fixed paths only), longest first.
std::vector<const SectionDef*> env_sections();
// "runtime.backpressure" -> "TORVYN_RUNTIME_BACKPRESSURE_"
std::string env_prefix(const SectionDef& s);

// "an integer", "one of \"aot\", \"interp\"", ...
std::string describe(const KeyDef& key);
// A valid TOML value for the key, for "help: write `key = <example>`".
std::string example_toml(const KeyDef& key);

}  // namespace torvyn::config::detail
