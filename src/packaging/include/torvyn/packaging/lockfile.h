// Torvyn.lock: the manifest digest each oci:// reference of Torvyn.toml resolved to when
// `torvyn lock` ran, so that `torvyn run` runs exactly those artifacts (from the store, without
// asking the registry what a tag means today). TOML, written canonically (sorted by reference):
//
//   # Torvyn.lock — written by `torvyn lock`; commit it with Torvyn.toml.
//   version = 1
//
//   [[artifact]]
//   reference = "oci://registry.example.com/team/upper:1.2.0"
//   digest = "sha256:…"
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "torvyn/base/result.h"

namespace torvyn::packaging {

struct Lockfile {
  std::map<std::string, std::string> pins;  // oci:// reference as written in Torvyn.toml -> manifest digest
  bool exists = false;                      // read_lockfile found a file
};

// The lock file at `file`; an empty one (exists = false) when there is none. E0984 when it is not
// TOML, lacks a field, has another version or a malformed digest (the message names the file).
Result<Lockfile> read_lockfile(const std::filesystem::path& file);

std::string render_lockfile(const Lockfile& lock);

// Written atomically (temporary file + rename, never through a symbolic link).
Status write_lockfile(const std::filesystem::path& file, const Lockfile& lock);

}  // namespace torvyn::packaging
