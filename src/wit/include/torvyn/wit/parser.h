// The WIT parser: one file's text to its syntax tree (ast.h), following the grammar of WIT.md.
//
// Parsing stops at the first syntax error, which is reported as one E0400 WitSyntax diagnostic
// pointing at the offending token (or, for a missing `;`/`,`/closing delimiter, just after the last
// token before the gap, where rustc would put it) with the expected and found tokens and a help
// line. A file with a syntax error yields no tree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "torvyn/base/diagnostic.h"
#include "torvyn/wit/ast.h"

namespace torvyn::wit {

struct ParseOutput {
  std::optional<ast::File> file;  // absent when the file has a syntax error
  std::vector<Diagnostic> diagnostics;
};

// Parses `text`; diagnostics name `file_name`, and every span in the tree carries `file_index`.
ParseOutput parse_file(std::string_view text, const std::string& file_name, uint32_t file_index = 0);

// 1-based line and column (in Unicode scalar values, so carets line up under non-ASCII text) of the
// byte range [begin, end) of `text`; the length is clipped to the end of the line and at least 1.
SourceLocation locate(std::string_view text, const std::string& file_name, uint32_t begin, uint32_t end);

// The same for many lookups in one text: line starts are indexed once (locate() scans from the start).
class LineIndex {
 public:
  explicit LineIndex(std::string_view text);
  SourceLocation locate(const std::string& file_name, uint32_t begin, uint32_t end) const;

 private:
  std::string_view text_;
  std::vector<uint32_t> starts_;  // byte offset of each line's first character
};

}  // namespace torvyn::wit
