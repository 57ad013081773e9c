// docs/errors.md documents every code of the catalog (error_codes.def) — once, under its own name,
// with What (the catalog's description, verbatim), Why and Fix — and the catalog's codes and names
// are unique. Adding a code without documenting it fails here.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "torvyn/base/error.h"
#include "torvyn_test/files.h"

namespace torvyn {
namespace {

struct CatalogEntry {
  std::string code, name, what;
  int line = 0;
};

using ::torvyn::test::read_file;

// The string literal starting at s[*at] (a '"'), unescaped; *at moves past it. nullopt if none.
std::optional<std::string> literal(const std::string& s, size_t* at) {
  size_t i = s.find('"', *at);
  if (i == std::string::npos) return std::nullopt;
  std::string out;
  for (++i; i < s.size() && s[i] != '"'; ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out += s[i];
  }
  if (i >= s.size()) return std::nullopt;
  *at = i + 1;
  return out;
}

bool is_code(const std::string& c) {
  return c.size() == 5 && c[0] == 'E' && c[1] == '0' && std::all_of(c.begin() + 1, c.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

// X(Name, "E0xxx", "what") lines; anything else must be blank or a comment. (Parsed by hand:
// std::regex trips GCC 12's -Wmaybe-uninitialized under the sanitizers.)
std::vector<CatalogEntry> catalog() {
  std::vector<CatalogEntry> out;
  std::istringstream in(read_file(std::string(TORVYN_SOURCE_DIR) + "/src/base/include/torvyn/base/error_codes.def"));
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line.rfind("//", 0) == 0) continue;
    size_t comma = line.find(',');
    size_t at = comma;
    std::optional<std::string> code, what;
    if (line.rfind("X(", 0) == 0 && comma != std::string::npos) {
      code = literal(line, &at);
      if (code) what = literal(line, &at);
    }
    bool closed = what && line.find(')', at) != std::string::npos;
    EXPECT_TRUE(closed) << "error_codes.def:" << n << ": not an X(Name, \"E0xxx\", \"what\") entry: " << line;
    if (!closed) continue;
    std::string name = line.substr(2, comma - 2);
    name.erase(std::remove(name.begin(), name.end(), ' '), name.end());
    out.push_back({*code, name, *what, n});
  }
  return out;
}

struct DocEntry {
  std::string name;
  std::map<std::string, std::string> fields;  // What / Why / Fix -> text
  int line = 0;
};

// `### E0xxx Name` headings, each followed by `**What:** ...`, `**Why:** ...`, `**Fix:** ...` lines.
std::map<std::string, std::vector<DocEntry>> documented() {
  std::map<std::string, std::vector<DocEntry>> out;
  std::istringstream in(read_file(std::string(TORVYN_SOURCE_DIR) + "/docs/errors.md"));
  std::string line;
  DocEntry* cur = nullptr;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.rfind("### ", 0) == 0) {
      std::istringstream h(line.substr(4));
      std::string code, name, extra;
      h >> code >> name;
      EXPECT_TRUE(is_code(code) && !name.empty() && !(h >> extra)) << "docs/errors.md:" << n << ": expected `### E0xxx Name`";
      auto& v = out[code];
      v.push_back({name, {}, n});
      cur = &v.back();
    } else if (line.rfind("## ", 0) == 0 || line.rfind("# ", 0) == 0) {
      cur = nullptr;
    } else if (cur && line.rfind("**", 0) == 0) {
      size_t end = line.find(":** ");
      if (end == std::string::npos) continue;
      std::string field = line.substr(2, end - 2);
      if (field != "What" && field != "Why" && field != "Fix") continue;
      EXPECT_FALSE(cur->fields.count(field)) << "docs/errors.md:" << n << ": " << field << " given twice";
      cur->fields[field] = line.substr(end + 4);
    }
  }
  return out;
}

TEST(ErrorCatalogDoc, CodesAndNamesAreUniqueAndWellFormed) {
  auto entries = catalog();
  ASSERT_GT(entries.size(), 50u);
  std::map<std::string, int> codes, names;
  for (const auto& e : entries) {
    EXPECT_TRUE(is_code(e.code)) << "error_codes.def:" << e.line << ": " << e.code;
    EXPECT_TRUE(codes.emplace(e.code, e.line).second) << e.code << " is used twice (lines " << codes[e.code] << " and " << e.line << ")";
    EXPECT_TRUE(names.emplace(e.name, e.line).second) << e.name << " is declared twice";
    EXPECT_FALSE(e.what.empty()) << e.code;
  }
}

TEST(ErrorCatalogDoc, EveryCodeIsDocumented) {
  auto docs = documented();
  for (const auto& e : catalog()) {
    SCOPED_TRACE(e.code + " " + e.name);
    auto it = docs.find(e.code);
    ASSERT_NE(it, docs.end()) << "docs/errors.md has no `### " << e.code << " " << e.name << "` entry";
    ASSERT_EQ(it->second.size(), 1u) << "documented " << it->second.size() << " times";
    const DocEntry& d = it->second[0];
    EXPECT_EQ(d.name, e.name) << "docs/errors.md:" << d.line;
    for (const char* f : {"What", "Why", "Fix"}) EXPECT_TRUE(d.fields.count(f)) << "docs/errors.md:" << d.line << ": no **" << f << ":**";
    if (d.fields.count("What")) {
      EXPECT_EQ(d.fields.at("What"), e.what + ".") << "docs/errors.md:" << d.line << ": What must be the catalog's description";
    }
  }
}

TEST(ErrorCatalogDoc, NothingDocumentedThatIsNotInTheCatalog) {
  std::set<std::string> codes;
  for (const auto& e : catalog()) codes.insert(e.code);
  for (const auto& [code, entries] : documented()) EXPECT_TRUE(codes.count(code)) << code << " is documented but not in error_codes.def";
}

// The catalog as compiled agrees with the file this test reads (the X-macro is the only source).
TEST(ErrorCatalogDoc, CompiledCatalogMatches) {
  auto entries = catalog();
#define X(NAME, ID, WHAT) \
  EXPECT_TRUE(std::any_of(entries.begin(), entries.end(), [](const CatalogEntry& e) { return e.code == ID && e.name == #NAME; })) << ID;
#include "torvyn/base/error_codes.def"
#undef X
  EXPECT_EQ(error_code_id(ErrorCode::ContractWorldNotFound), "E0409");
}

}  // namespace
}  // namespace torvyn
