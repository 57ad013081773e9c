// `torvyn build`: every [[component]] whose `path` is a source folder is compiled with the SDK
// toolchain (sdk/tools/torvyn-component-build: clang-19 -> core module -> jco embed + new) into
// target/components/<name>.wasm, which is where `torvyn run` loads it from.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "torvyn/base/result.h"
#include "torvyn/config/config.h"

namespace torvyn::cli {

struct BuildOutcome {
  std::string component;
  std::string world;
  std::filesystem::path output;
  enum class Kind { Built, UpToDate, Prebuilt, Failed } kind = Kind::Built;
  std::string log;  // the toolchain's output (on failure: why)
  double seconds = 0;
};

// For progress while the toolchain runs (seconds per component): `started` is true when a
// component's toolchain run begins (its outcome's kind not yet known), false once its outcome is
// settled (every component gets one such call, also those up to date, prebuilt or failed before
// they ran). Called from the build's worker threads, several at once: it must be thread-safe and
// must not throw.
using BuildObserver = std::function<void(const BuildOutcome& component, bool started)>;

struct BuildOptions {
  std::vector<std::string> only;  // component names; empty = all
  bool force = false;             // rebuild even when up to date
  bool verbose = false;           // print the toolchain's commands
  BuildObserver on_progress;      // optional
};

// The SDK folder: $TORVYN_SDK_DIR, else the one this binary was built from.
std::filesystem::path sdk_dir();

// The world a component is built for: its `world` key, else inferred from the interface its
// flow nodes give it (processor -> transform, source -> data-source, ...).
Result<std::string> component_world(const config::Config& cfg, const config::ComponentDecl& c);

// Builds the components; one outcome each (failures do not stop the others). The Status is an
// error only when nothing could be attempted (no SDK, unknown component name).
Result<std::vector<BuildOutcome>> build_components(const config::Config& cfg, const BuildOptions& options);

}  // namespace torvyn::cli
