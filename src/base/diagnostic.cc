#include "torvyn/base/diagnostic.h"

#include <nlohmann/json.hpp>
#include "torvyn/base/json_text.h"

namespace torvyn {

namespace {

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "error";
}

// The 1-based `line` of `source`, without its newline; "" when out of range.
std::string source_line(const std::string& source, uint32_t line) {
  size_t start = 0;
  for (uint32_t i = 1; i < line; ++i) {
    start = source.find('\n', start);
    if (start == std::string::npos) return "";
    ++start;
  }
  size_t end = source.find('\n', start);
  std::string text = source.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return text;
}

nlohmann::json to_json(const Diagnostic& d) {
  nlohmann::json j;
  j["code"] = std::string(error_code_id(d.code));
  j["severity"] = std::string(severity_name(d.severity));
  j["message"] = d.message;
  if (!d.location.file.empty()) j["file"] = d.location.file;
  if (d.location.line) j["line"] = d.location.line;
  if (d.location.column) j["column"] = d.location.column;
  if (!d.key.empty()) j["key"] = d.key;
  if (!d.expected.empty()) j["expected"] = d.expected;
  if (!d.found.empty()) j["found"] = d.found;
  if (!d.help.empty()) j["help"] = d.help;
  if (!d.notes.empty()) j["notes"] = d.notes;
  return j;
}

}  // namespace

std::string render_human(const Diagnostic& d, const std::string& source) {
  std::string out;
  out += severity_name(d.severity);
  out += "[";
  out += error_code_id(d.code);
  out += "]: " + d.message + "\n";
  const SourceLocation& loc = d.location;
  std::string gutter = "   ";
  if (!loc.file.empty()) {
    std::string text = loc.line ? source_line(source, loc.line) : "";
    std::string num = loc.line ? std::to_string(loc.line) : "";
    gutter = std::string(num.size() + 1, ' ');
    out += gutter + "--> " + loc.file;
    if (loc.line) out += ":" + std::to_string(loc.line);
    if (loc.line && loc.column) out += ":" + std::to_string(loc.column);
    out += "\n";
    if (!text.empty()) {
      out += gutter + "|\n";
      out += num + " | " + text + "\n";
      out += gutter + "| ";
      if (loc.column) out += std::string(loc.column - 1, ' ') + std::string(std::max<uint32_t>(1, loc.length), '^');
      out += "\n";
    }
  }
  if (!d.key.empty()) out += gutter + "= key: " + d.key + "\n";
  if (!d.expected.empty() || !d.found.empty()) {
    out += gutter + "= ";
    if (!d.expected.empty()) out += "expected: " + d.expected;
    if (!d.expected.empty() && !d.found.empty()) out += ", ";
    if (!d.found.empty()) out += "found: " + d.found;
    out += "\n";
  }
  for (const auto& n : d.notes) out += gutter + "= note: " + n + "\n";
  if (!d.help.empty()) out += gutter + "= help: " + d.help + "\n";
  return out;
}

std::string render_json(const Diagnostic& d) { return json_text(to_json(d)); }

std::string render_json(const std::vector<Diagnostic>& ds) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& d : ds) arr.push_back(to_json(d));
  return json_text(arr);
}

bool has_errors(const std::vector<Diagnostic>& ds) {
  for (const auto& d : ds)
    if (d.severity == Severity::Error) return true;
  return false;
}

}  // namespace torvyn
