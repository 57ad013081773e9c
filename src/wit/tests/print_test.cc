// Printing the model back to WIT: exact output for a shipped world, and a round trip (print,
// re-parse, diff) over every shipped and WASI package that must find no change at all.
#include "torvyn/wit/print.h"

#include <gtest/gtest.h>

#include "torvyn/wit/compat.h"
#include "wit_test_util.h"

namespace torvyn::wit {
namespace {

using testing::resolve_ok;

// Prints the root package of `r`, re-resolves it against the other packages' original sources,
// and expects an identical package.
void expect_round_trip(const ResolveResult& r, const std::string& what) {
  ASSERT_TRUE(r.ok()) << what << "\n" << r.render();
  const Package* root = r.resolve->root;
  std::string printed = print_package(*root);
  std::vector<std::vector<SourceText>> deps;
  for (const auto& p : r.resolve->packages) {
    if (p.get() == root) continue;
    std::vector<SourceText> files;
    for (const auto& f : p->files) files.push_back({f, r.sources.at(f)});
    deps.push_back(std::move(files));
  }
  ResolveResult again = parse_sources({{"printed.wit", printed}}, deps);
  ASSERT_TRUE(again.ok()) << what << ": printed text does not resolve\n" << again.render() << "\n" << printed;
  CompatReport rep = diff(*root, *again.resolve->root);
  EXPECT_TRUE(rep.changes.empty()) << what << "\n" << render(rep) << "\n" << printed;
  // Printing is stable: the re-parsed package prints the same text, except that imports printed
  // as implicit are explicit once re-parsed.
  std::string marker = "  // implicit: used by another import";
  std::string unmarked = printed;
  for (size_t at; (at = unmarked.find(marker)) != std::string::npos;) unmarked.erase(at, marker.size());
  EXPECT_TRUE(print_package(*again.resolve->root) == unmarked) << what << ": printing is not stable";
}

TEST(Print, RoundTripsShippedContracts) {
  for (const char* pkg : {"streaming", "filtering", "aggregation", "capabilities"})
    expect_round_trip(parse_directory(testing::shipped_wit() / pkg), pkg);
}

TEST(Print, RoundTripsWasi) {
  for (const char* pkg : {"io", "clocks", "http"})
    expect_round_trip(parse_directory(testing::test_data() / "wasi" / pkg), pkg);
}

TEST(Print, RoundTripsEveryConstruct) {
  ResolveResult r = parse_source(R"(package local:demo@1.0.0;

interface all {
  record r { x: u32, y: list<u8, 4> }
  variant v { none, some(tuple<u32, string>) }
  enum e { one, two }
  flags f { read, write }
  type t = result<_, e>;
  type u = result;
  type w = result<u32>;
  type m = map<string, u64>;
  type fut = future<u32>;
  type st = stream;
  resource blob {
    constructor(init: list<u8>);
    write: func(bytes: list<u8>);
    merge: static func(lhs: borrow<blob>, rhs: blob) -> blob;
    fetch: async func() -> string;
  }
  resource fallible {
    constructor() -> result<fallible, string>;
  }
  @unstable(feature = fancy)
  %variant: func(%enum: s32) -> option<r>;
  @since(version = 1.0.0)
  @deprecated(version = 1.0.0)
  old: func();
}

world w {
  import host: interface {
    use all.{r as rec};
    get: func() -> rec;
  }
  use all.{blob};
  import one: all;
  @external-id("a \"quoted\" id")
  import ext: func(b: borrow<blob>);
  export run: func() -> result;
}

world u {
  include w with { ext as ext2 }
  import extra: func();
}
)", "all.wit");
  expect_round_trip(r, "every construct");
}

TEST(Print, WorldAsInspectShowsIt) {
  ResolveResult r = parse_directory(testing::shipped_wit() / "aggregation");
  ASSERT_TRUE(r.ok()) << r.render();
  EXPECT_EQ(print_world(*r.resolve->root->world("stream-aggregator")),
            "world stream-aggregator {\n"
            "    import torvyn:streaming/types@0.1.0;\n"
            "    import torvyn:streaming/buffer-allocator@0.1.0;\n"
            "    export aggregator;\n"
            "    export torvyn:streaming/lifecycle@0.1.0;\n"
            "}\n");
  PrintOptions terse;
  terse.docs = false;
  terse.indent = "  ";
  EXPECT_EQ(print_interface(*r.resolve->packages[0]->interface("lifecycle"), terse),
            "interface lifecycle {\n"
            "  use types.{process-error};\n"
            "\n"
            "  init: func(config: string) -> result<_, process-error>;\n"
            "\n"
            "  teardown: func();\n"
            "}\n");
}

TEST(Print, ImplicitImportsAreWrittenOutAndMarked) {
  auto r = resolve_ok("package a:b;\ninterface t { type x = u32; }\ninterface u { use t.{x}; f: func() -> x; }\nworld w { import u; }\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(print_world(*r->root->world("w"), {}),
            "world w {\n    import t;  // implicit: used by another import\n    import u;\n}\n");
}

TEST(Print, TypesAndIds) {
  auto r = resolve_ok(
      "package a:b;\ninterface i {\n  resource res;\n  f: func(a: borrow<res>, b: own<res>, c: option<list<tuple<u8, char>>>, "
      "d: result<_, string>, e: future, g: list<u32, 3>) -> result<res>;\n}\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(print_function(*r->root->interface("i")->function("f")),
            "f: func(a: borrow<res>, b: res, c: option<list<tuple<u8, char>>>, d: result<_, string>, e: future, "
            "g: list<u32, 3>) -> result<res>");
  EXPECT_EQ(print_id("stream"), "%stream");
  EXPECT_EQ(print_id("streams"), "streams");
}

}  // namespace
}  // namespace torvyn::wit
