// Any text as a project manifest (Torvyn.toml) through config::parse: the TOML parser, --config
// overrides, ${VAR} interpolation, the schema and every section's and flow's checks; then every
// diagnostic rendered the way the CLI prints it (carets under the source line it points at). None
// of it may crash, throw out or hang, and every error must say something. The environment is
// fixed and no user config is read, so a run depends on its input alone.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "torvyn/base/diagnostic.h"
#include "torvyn/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  torvyn::config::LoadOptions opts;
  opts.use_process_env = false;
  opts.env = {{"HOME", "/nonexistent"}, {"FUZZ_VAR", "value"}};
  opts.user_config = "/nonexistent/torvyn-fuzz/config.toml";
  opts.overrides = {{"runtime.max_batch", "8"}};
  auto r = torvyn::config::parse(text, "Torvyn.toml", opts);
  for (const auto& d : r.diagnostics) {
    if (d.severity == torvyn::Severity::Error && d.message.empty()) __builtin_trap();
    (void)torvyn::render_human(d, r.source_for(d));
  }
  return 0;
}
