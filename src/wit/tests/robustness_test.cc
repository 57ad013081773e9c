// Robustness: truncated and mutated versions of the shipped contracts and the WASI test data, and
// pathological inputs, must never crash or hang. Every failure must come with located diagnostics;
// a syntax error is reported alone (nothing cascades from it); what still resolves must print and
// diff without trouble. (fuzz/wit_fuzz.cc explores the same space with libFuzzer.)
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "torvyn/wit/compat.h"
#include "wit_test_util.h"

namespace torvyn::wit {
namespace {

struct Corpus {
  std::string name;
  std::vector<SourceText> root;
  std::vector<std::vector<SourceText>> deps;
  std::shared_ptr<Resolve> original;
};

std::vector<Corpus> corpora() {
  std::vector<std::filesystem::path> dirs;
  for (const char* p : {"streaming", "filtering", "aggregation", "capabilities"}) dirs.push_back(testing::shipped_wit() / p);
  for (const char* p : {"io", "clocks", "http"}) dirs.push_back(testing::test_data() / "wasi" / p);
  std::vector<Corpus> out;
  for (const auto& d : dirs) {
    ResolveResult r = parse_directory(d);
    EXPECT_TRUE(r.ok()) << r.render();
    if (!r.ok()) continue;
    Corpus c;
    c.name = d.filename().string();
    c.original = r.resolve;
    for (const auto& p : r.resolve->packages) {
      std::vector<SourceText> files;
      for (const auto& f : p->files) files.push_back({f, r.sources.at(f)});
      if (p.get() == r.resolve->root) c.root = std::move(files);
      else c.deps.push_back(std::move(files));
    }
    out.push_back(std::move(c));
  }
  return out;
}

// Resolves and checks the invariants; returns false (after recording failures) if one is broken.
bool check(const Corpus& c, std::vector<SourceText> root, const std::string& what) {
  auto start = std::chrono::steady_clock::now();
  ResolveResult r = parse_sources(std::move(root), c.deps);
  auto elapsed = std::chrono::steady_clock::now() - start;
  bool ok = true;
  auto fail = [&](const std::string& why) {
    ADD_FAILURE() << c.name << " " << what << ": " << why << "\n" << r.render();
    ok = false;
  };
  if (elapsed > std::chrono::seconds(5)) fail("took more than 5 s");
  if (r.ok() != !has_errors(r.diagnostics)) fail("ok() disagrees with the diagnostics");
  if (!r.ok() && r.diagnostics.empty()) fail("failed without a diagnostic");
  bool syntax = false;
  std::map<std::string, int> syntax_per_file;
  for (const auto& d : r.diagnostics) {
    if (d.message.empty()) fail("empty message");
    if (d.location.file.empty()) fail("diagnostic without a file");
    if (d.location.line == 0 || d.location.column == 0) fail("diagnostic without line/column");
    if (d.code == ErrorCode::WitSyntax) {
      syntax = true;
      if (++syntax_per_file[d.location.file] > 1) fail("more than one syntax error for one file");
      if (d.help.empty()) fail("syntax error without help");
    }
    if (!r.sources.count(d.location.file)) fail("diagnostic names an unknown file");
  }
  if (syntax)
    for (const auto& d : r.diagnostics)
      if (d.code != ErrorCode::WitSyntax) fail("a semantic diagnostic followed a syntax error");
  if (r.ok() && r.resolve->root) {
    // Whatever resolves can be printed and compared.
    std::string printed = print_package(*r.resolve->root);
    if (printed.empty()) fail("empty print");
    for (const World* w : r.resolve->root->worlds) (void)print_world(*w);
    if (c.original->root) (void)diff(*c.original->root, *r.resolve->root);
  }
  return ok;
}

TEST(Robustness, TruncatedFiles) {
  size_t runs = 0;
  for (const Corpus& c : corpora()) {
    for (size_t f = 0; f < c.root.size(); ++f) {
      const std::string& text = c.root[f].text;
      size_t step = std::max<size_t>(1, text.size() / 400);
      for (size_t len = 0; len <= text.size(); len += step) {
        std::vector<SourceText> root = c.root;
        root[f].text = text.substr(0, len);
        ++runs;
        if (!check(c, std::move(root), c.root[f].name + " truncated to " + std::to_string(len) + " bytes")) return;
      }
    }
  }
  EXPECT_GT(runs, 3000u);
}

std::string mutate(std::string text, std::mt19937& rng) {
  static const std::string alphabet = "{}()<>;:,.@/%_-=*\" \n\tabxyzAB019";
  static const char* fragments[] = {"interface", "world", "use", "import", "export", "include", "resource",
                                    "record", "variant", "enum", "flags", "type", "func", "static", "constructor",
                                    "borrow<", "own<", "list<", "result<_, ", "option<", "tuple<", "package a:b;",
                                    "@since(version = 0.1.0)", "@unstable(feature = x)", "/*", "*/", "///", "%",
                                    "self", "with { a as b }", "types.{buffer}", "torvyn:streaming/types@0.1.0"};
  auto pick = [&](size_t n) { return n == 0 ? size_t{0} : std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  int ops = 1 + static_cast<int>(pick(3));
  for (int k = 0; k < ops; ++k) {
    size_t at = pick(text.size() + 1);
    switch (pick(7)) {
      case 0:  // delete a few bytes
        text.erase(std::min(at, text.size()), 1 + pick(8));
        break;
      case 1:  // insert a character
        text.insert(at, 1, alphabet[pick(alphabet.size())]);
        break;
      case 2:  // replace a byte (any value, to reach the UTF-8 and control-character checks)
        if (at < text.size()) text[at] = static_cast<char>(pick(256));
        break;
      case 3:  // insert a WIT fragment
        text.insert(at, fragments[pick(std::size(fragments))]);
        break;
      case 4: {  // duplicate a line
        size_t b = text.rfind('\n', at == 0 ? 0 : at - 1);
        b = b == std::string::npos ? 0 : b + 1;
        size_t e = text.find('\n', at);
        e = e == std::string::npos ? text.size() : e + 1;
        text.insert(e, text.substr(b, e - b));
        break;
      }
      case 5: {  // delete a line
        size_t b = text.rfind('\n', at == 0 ? 0 : at - 1);
        b = b == std::string::npos ? 0 : b + 1;
        size_t e = text.find('\n', at);
        e = e == std::string::npos ? text.size() : e + 1;
        text.erase(b, e - b);
        break;
      }
      default: {  // swap two words
        size_t a1 = pick(text.size() + 1), a2 = pick(text.size() + 1);
        if (a1 > a2) std::swap(a1, a2);
        size_t l = std::min<size_t>(1 + pick(12), a2 - a1);
        std::string x = text.substr(a1, l), y = text.substr(a2, l);
        text.replace(a2, y.size(), x);
        text.replace(a1, x.size(), y);
      }
    }
  }
  return text;
}

TEST(Robustness, MutatedFiles) {
  std::mt19937 rng(20240611);
  size_t runs = 0, resolved = 0;
  for (const Corpus& c : corpora()) {
    for (size_t f = 0; f < c.root.size(); ++f) {
      for (int m = 0; m < 200; ++m) {
        std::vector<SourceText> root = c.root;
        root[f].text = mutate(root[f].text, rng);
        ++runs;
        ResolveResult r = parse_sources(root, c.deps);
        resolved += r.ok();
        if (!check(c, std::move(root), c.root[f].name + " mutation " + std::to_string(m))) return;
      }
    }
  }
  EXPECT_GT(runs, 3000u);
  EXPECT_GT(resolved, 0u);  // some mutants stay valid (comment edits, ...): the success path runs too
}

// Inputs built to find stack overflows and quadratic blow-ups.
TEST(Robustness, PathologicalInputs) {
  auto run = [](const std::string& what, const std::string& text) {
    auto start = std::chrono::steady_clock::now();
    ResolveResult r = parse_source(text, "p.wit");
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(ms, 5000) << what;
    if (r.ok() && r.resolve->root) (void)print_package(*r.resolve->root);
    return r;
  };
  auto many = [](int n, const std::function<std::string(int)>& f) {
    std::string s;
    for (int i = 0; i < n; ++i) s += f(i);
    return s;
  };
  EXPECT_FALSE(run("nested comments", "package a:b;\n" + many(100000, [](int) { return "/*"; })).ok());
  EXPECT_TRUE(run("closed nested comments", "package a:b;\n" + many(50000, [](int) { return "/*"; }) +
                                                 many(50000, [](int) { return "*/"; }))
                  .ok());
  EXPECT_FALSE(run("deep types", "package a:b;\ninterface i { type t = " + many(50000, [](int) { return "list<"; }) + "u8"
                                     + many(50000, [](int) { return ">"; }) + "; }")
                   .ok());
  EXPECT_TRUE(run("long alias chain", "package a:b;\ninterface i {\n" + many(5000, [](int k) {
                return "type t" + std::to_string(k) + " = t" + std::to_string(k + 1) + ";\n";
              }) + "type t5000 = u8;\n}\n")
                  .ok());
  EXPECT_TRUE(run("long use chain", "package a:b;\n" + many(3000, [](int k) {
                return "interface i" + std::to_string(k) + " { use i" + std::to_string(k + 1) + ".{t}; }\n";
              }) + "interface i3000 { type t = u8; }\n")
                  .ok());
  EXPECT_FALSE(run("long use cycle", "package a:b;\n" + many(3000, [](int k) {
                 return "interface i" + std::to_string(k) + " { use i" + std::to_string((k + 1) % 3000) + ".{t}; type t = u8; }\n";
               }))
                   .ok());
  EXPECT_TRUE(run("long include chain", "package a:b;\nworld w0 { import fn0: func(); }\n" + many(1000, [](int k) {
                return "world w" + std::to_string(k + 1) + " { include w" + std::to_string(k) + "; import fn" +
                       std::to_string(k + 1) + ": func(); }\n";
              }))
                  .ok());
  EXPECT_TRUE(run("nested records", "package a:b;\ninterface i {\n" + many(3000, [](int k) {
                return "record r" + std::to_string(k) + " { x: r" + std::to_string(k + 1) + " }\n";
              }) + "resource r3000;\nf: func() -> r0;\n}\n")
                  .ok());
  EXPECT_TRUE(run("huge identifier", "package a:b;\ninterface " + std::string(200000, 'a') + "-" + std::string(10, 'B') +
                                         " {}\n")
                  .ok());
  ResolveResult empty = run("empty", "");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.diagnostics.at(0).code, ErrorCode::WitPackageName);
  EXPECT_EQ(empty.diagnostics.at(0).location.line, 1u);
  EXPECT_FALSE(run("nul bytes", std::string("package a:b;\0\0\0", 15)).ok());
}

}  // namespace
}  // namespace torvyn::wit
