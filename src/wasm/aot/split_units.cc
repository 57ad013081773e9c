#include "split_units.h"

#include <string_view>
#include <unordered_set>

namespace torvyn::wasm::aot {
namespace {

constexpr std::string_view kShared = "__attribute__((visibility(\"hidden\"))) ";

struct Line {
  size_t begin, end;  // [begin, end) without the newline
};

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) { return s.size() >= p.size() && s.substr(s.size() - p.size()) == p; }

// The function name in "static <type> w2c_name(...)": the identifier before the first '('.
std::string_view function_name(std::string_view decl) {
  size_t paren = decl.find('(');
  if (paren == std::string_view::npos) return {};
  size_t start = decl.rfind(' ', paren);
  if (start == std::string_view::npos) return {};
  std::string_view name = decl.substr(start + 1, paren - start - 1);
  while (!name.empty() && name.front() == '*') name.remove_prefix(1);
  return name;
}

}  // namespace

SplitCode split_units(const std::string& module_c, size_t target_unit_bytes, size_t max_units) {
  SplitCode unsplit;
  unsplit.main = module_c;
  const std::string_view text(module_c);
  const size_t prelude_end = text.find("\nstatic bool s_module_initialized");
  if (prelude_end == std::string_view::npos || max_units < 2 || target_unit_bytes == 0) return unsplit;
  const std::string_view prelude = text.substr(0, prelude_end + 1);

  std::vector<Line> lines;
  for (size_t at = prelude_end + 1; at < text.size();) {
    size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) nl = text.size();
    lines.push_back({at, nl});
    at = nl + 1;
  }
  auto line = [&](size_t i) { return text.substr(lines[i].begin, lines[i].end - lines[i].begin); };

  // Pass 1: declarations (functions, func_types, segment tables) and the function bodies. A
  // function's header may wrap over several lines (long parameter lists): it ends at the line that
  // ends with ");" (a declaration) or ") {" (a definition, whose body ends at a "}" line).
  std::string decls;  // what every unit needs to see, with hidden linkage
  std::unordered_set<std::string_view> declared;
  struct Body {
    size_t first, last;  // line indexes, inclusive
  };
  std::vector<Body> bodies;
  std::vector<char> role(lines.size(), 0);  // 1: a shared definition or declaration line; 2: in a body
  size_t body_bytes = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view l = line(i);
    if (!starts_with(l, "static ")) continue;
    if ((starts_with(l, "static u32 func_types[") && ends_with(l, "];")) || (starts_with(l, "static const ") && ends_with(l, "[] = {"))) {
      std::string_view d = l.substr(7, l.size() - 7 - (ends_with(l, "];") ? 1 : 4));  // "u32 func_types[N]", "const T name[]"
      decls += "extern " + std::string(kShared) + std::string(d) + ";\n";
      role[i] = 1;
      continue;
    }
    std::string_view name = function_name(l);
    if (!starts_with(name, "w2c_")) continue;
    size_t end = i;
    while (end < lines.size() && !ends_with(line(end), ");") && !ends_with(line(end), ") {")) ++end;
    if (end == lines.size()) return unsplit;  // not the layout we know
    if (ends_with(line(end), ");")) {
      declared.insert(name);
      decls += kShared;
      decls += std::string(text.substr(lines[i].begin + 7, lines[end].end - lines[i].begin - 7)) + "\n";
      for (size_t k = i; k <= end; ++k) role[k] = 1;
      i = end;
      continue;
    }
    if (!declared.count(name)) continue;
    size_t j = end + 1;
    while (j < lines.size() && line(j) != "}") ++j;
    if (j == lines.size()) return unsplit;
    bodies.push_back({i, j});
    for (size_t k = i; k <= j; ++k) role[k] = 2;
    body_bytes += lines[j].end - lines[i].begin;
    i = j;
  }
  if (bodies.empty() || declared.empty() || body_bytes <= target_unit_bytes) return unsplit;

  // Pass 2: the main unit (without bodies; shared definitions and declarations lose `static`).
  SplitCode out;
  out.main.reserve(module_c.size() - body_bytes + decls.size());
  out.main.append(prelude);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (role[i] == 2) continue;
    std::string_view l = line(i);
    if (role[i] == 1 && starts_with(l, "static ")) {
      out.main.append(kShared);
      out.main.append(l.substr(7));
    } else {
      out.main.append(l);
    }
    out.main.push_back('\n');
  }

  const std::string header = std::string(prelude) + "\n/* Torvyn: one of several units of this module. */\n" + decls + "\n";
  size_t units_wanted = std::min(max_units, (body_bytes + target_unit_bytes - 1) / target_unit_bytes);
  if (units_wanted < 2) return unsplit;
  size_t per_unit = (body_bytes + units_wanted - 1) / units_wanted;
  CodeUnit current;
  size_t current_bytes = 0;
  auto flush = [&] {
    if (current.functions == 0) return;
    out.units.push_back(std::move(current));
    current = CodeUnit{};
    current_bytes = 0;
  };
  for (const Body& b : bodies) {
    size_t bytes = lines[b.last].end - lines[b.first].begin;
    // A function that fills a unit by itself gets its own (while units remain).
    if (current_bytes > 0 && current_bytes + bytes > per_unit && out.units.size() + 1 < units_wanted) flush();
    if (current.functions == 0) current.text = header;
    current.text.append(kShared);
    current.text.append(text.substr(lines[b.first].begin + 7, lines[b.last].end - lines[b.first].begin - 7));
    current.text.append("\n\n");
    current.largest_function = std::max(current.largest_function, bytes);
    ++current.functions;
    current_bytes += bytes;
  }
  flush();
  return out;
}

}  // namespace torvyn::wasm::aot
