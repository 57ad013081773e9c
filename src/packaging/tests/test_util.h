// Helpers for the packaging unit tests: temporary directories, files, a small layout.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "torvyn/packaging/oci.h"
#include "torvyn_test/process.h"

namespace torvyn::packaging::test {

// The shared test scaffolding (tests/common): temporary directories, whole-file reads and writes.
struct TempDir : ::torvyn::test::TempDir {
  TempDir() : ::torvyn::test::TempDir("torvyn-packaging") {}
};
using ::torvyn::test::read_file;
using ::torvyn::test::write_file;

inline std::vector<uint8_t> bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

// A layout with one image manifest (a generic config and one layer), named `ref`.
inline Descriptor add_plain_image(Layout& l, const std::string& ref, const std::string& content) {
  Descriptor cfg = l.add_blob(std::string(kImageConfigMediaType), canonical_bytes(nlohmann::json{{"architecture", "wasm"}, {"os", "wasip2"}}));
  Descriptor layer = l.add_blob("application/wasm", bytes(content));
  nlohmann::json m{{"schemaVersion", 2},
                   {"mediaType", std::string(kImageManifestMediaType)},
                   {"config", cfg.to_json()},
                   {"layers", nlohmann::json::array({layer.to_json()})},
                   {"annotations", {{"org.opencontainers.image.title", ref.substr(0, ref.find(':'))}}}};
  Descriptor d = l.add_blob(std::string(kImageManifestMediaType), canonical_bytes(m));
  d.annotations[std::string(kRefNameAnnotation)] = ref;
  l.put_manifest(d);
  return d;
}

inline bool has_temp_files(const std::filesystem::path& dir) {
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.path().filename().string().find(".tmp-") != std::string::npos) return true;
  return false;
}

}  // namespace torvyn::packaging::test
