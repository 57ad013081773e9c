// Pointing diagnostics at the right place in Torvyn.toml. The config model keeps the location of
// each [[component]], node and edge table; these helpers find a key or a word inside one, so a
// diagnostic about a component's `world` points at that value, not at the `[[component]]` header.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "torvyn/base/diagnostic.h"

namespace torvyn::contracts::detail {

class ManifestText {
 public:
  ManifestText(std::string file, std::string text);

  const std::string& file() const { return file_; }
  const std::string& text() const { return text_; }

  // The value of `key = ...` inside the table at `table`: first on the table's own line (an inline
  // table, after its column), then on the following lines up to the next [header]. `table` itself
  // when the key is not found (e.g. it was set by an override).
  SourceLocation key_value(const SourceLocation& table, std::string_view key) const;
  // `needle` on the line of `at`, at or after its column (`at` when absent).
  SourceLocation word_on_line(const SourceLocation& at, std::string_view needle) const;
  // The line declaring `[name]` or the start of `name = ` / `name.` at the top of a line (for
  // dotted keys such as `grants.reader`); nullopt when absent.
  std::optional<SourceLocation> header(std::string_view name) const;

 private:
  std::string line(uint32_t n) const;  // 1-based, without newline
  SourceLocation at(uint32_t line, size_t col0, size_t len) const;

  std::string file_;
  std::string text_;
  std::vector<size_t> starts_;  // offset of each line
};

}  // namespace torvyn::contracts::detail
