// What torvyn reads of a component artifact and of a registry, from bytes anyone may hand it. The
// first byte picks the input:
//   0  an OCI image layout tar (`torvyn inspect/verify/run` on a .tar): read_layout (libarchive,
//      index.json, blob digests), every image's manifest, the image a bare reference selects, its
//      component bytes and what describe_component reads of them;
//   1  a registry's WWW-Authenticate header (parse_auth_challenge);
//   2  a Torvyn.lock (read_lockfile).
// None may crash, throw out or hang, and every refusal must say something. Files are written into a
// private directory made once per process and removed at its end.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <string_view>

#include "torvyn/packaging/artifact.h"
#include "torvyn/packaging/auth_challenge.h"
#include "torvyn/packaging/lockfile.h"
#include "torvyn/packaging/oci.h"

namespace {

namespace fs = std::filesystem;
namespace pk = torvyn::packaging;

// Made on first use, removed at exit.
struct PrivateDir {
  fs::path path;
  PrivateDir() {
    std::string templ = (fs::temp_directory_path() / "torvyn-artifact-fuzz-XXXXXX").string();
    if (!mkdtemp(templ.data())) __builtin_trap();
    path = templ;
  }
  ~PrivateDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

const fs::path& private_dir() {
  static const PrivateDir dir;
  return dir.path;
}

fs::path write_input(const char* name, std::span<const uint8_t> bytes) {
  fs::path p = private_dir() / name;
  std::ofstream(p, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return p;
}

template <typename R>
void expect_said(const R& r) {
  if (!r.ok() && r.error().message.empty()) __builtin_trap();
}

void layout(std::span<const uint8_t> bytes) {
  auto l = pk::read_layout(write_input("artifact.tar", bytes));
  expect_said(l);
  if (!l.ok()) return;
  (void)pk::image_choices(*l);
  for (const auto& d : l->manifests) {
    auto image = pk::parse_image(*l, d);
    expect_said(image);
  }
  auto ref = pk::parse_local_ref(private_dir().string() + "/artifact.tar");
  expect_said(ref);
  if (!ref.ok()) return;
  auto image = pk::select_image(*l, *ref);
  expect_said(image);
  if (!image.ok()) return;
  auto wasm = pk::component_bytes(*l, *image);
  expect_said(wasm);
  if (wasm.ok()) expect_said(pk::describe_component(*wasm, ""));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::span<const uint8_t> rest(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: layout(rest); break;
    case 1: (void)pk::parse_auth_challenge(std::string_view(reinterpret_cast<const char*>(rest.data()), rest.size())); break;
    case 2: expect_said(pk::read_lockfile(write_input("Torvyn.lock", rest))); break;
  }
  return 0;
}
