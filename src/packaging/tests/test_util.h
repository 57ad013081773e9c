// Helpers for the packaging unit tests: temporary directories, files, a small layout.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "torvyn/packaging/oci.h"

namespace torvyn::packaging::test {

class TempDir {
 public:
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "torvyn-packaging-XXXXXX").string();
    std::vector<char> b(t.begin(), t.end());
    b.push_back('\0');
    path_ = ::mkdtemp(b.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void spit(const std::filesystem::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}

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
