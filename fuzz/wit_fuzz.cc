// libFuzzer target: any bytes as a WIT file through the lexer, parser and resolver. Nothing may crash,
// hang, leak or allocate without bound; errors are the expected outcome. When the input resolves,
// the model is checked against itself: every package prints, the printed root package resolves
// again (with the other packages printed as its dependencies) and diffs as unchanged.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "torvyn/wit/compat.h"
#include "torvyn/wit/print.h"
#include "torvyn/wit/resolve.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace torvyn::wit;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ResolveResult r = parse_source(text, "fuzz.wit");
  for (const auto& d : r.diagnostics) {
    // Every diagnostic says what is wrong and where.
    if (d.message.empty() || d.location.file.empty() || d.location.line == 0 || d.location.column == 0)
      __builtin_trap();
  }
  if (!r.ok()) {
    if (r.diagnostics.empty()) __builtin_trap();
    return 0;
  }
  const Package* root = r.resolve->root;
  if (!root) return 0;
  std::vector<std::vector<SourceText>> deps;
  for (const auto& p : r.resolve->packages) {
    std::string printed = print_package(*p);
    if (p.get() != root) deps.push_back({SourceText{p->name.to_string() + ".wit", printed}});
  }
  ResolveResult again = parse_sources({SourceText{"printed.wit", print_package(*root)}}, deps);
  if (!again.ok() || !again.resolve->root) __builtin_trap();
  if (!diff(*root, *again.resolve->root).changes.empty()) __builtin_trap();
  return 0;
}
