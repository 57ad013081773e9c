// The shipped contracts (wit/, DESIGN.md §4) resolve cleanly and have the names and signatures the
// design fixes as the interoperability contract.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "wit_test_util.h"

namespace torvyn::wit {
namespace {

using testing::shipped_wit;
using testing::signature;

ResolveResult load(const char* package) { return parse_directory(shipped_wit() / package); }

TEST(TorvynContracts, EveryPackageFolderResolvesWithoutDiagnostics) {
  int folders = 0;
  for (const auto& e : std::filesystem::directory_iterator(shipped_wit())) {
    if (!e.is_directory()) continue;
    ++folders;
    ResolveResult r = parse_directory(e.path());
    EXPECT_TRUE(r.ok()) << e.path() << "\n" << r.render();
    EXPECT_TRUE(r.diagnostics.empty()) << e.path() << "\n" << r.render();
  }
  EXPECT_EQ(folders, 5);
}

TEST(TorvynContracts, EveryShippedFileResolvesAsPartOfItsPackage) {
  // Each file on its own (with the package's other files as siblings) is covered by the folder test;
  // here every .wit file is checked to belong to a folder that resolved, so none is silently skipped.
  for (const auto& e : std::filesystem::recursive_directory_iterator(shipped_wit())) {
    if (e.path().extension() != ".wit") continue;
    ResolveResult r = parse_directory(e.path().parent_path());
    EXPECT_TRUE(r.ok()) << e.path() << "\n" << r.render();
    EXPECT_NE(r.sources.count(e.path().string()), 0u) << e.path();
  }
}

TEST(TorvynContracts, StreamingTypes) {
  ResolveResult r = load("streaming");
  ASSERT_TRUE(r.ok()) << r.render();
  const Package* p = r.resolve->root;
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->name.to_string(), "torvyn:streaming@0.1.0");
  const Interface* t = p->interface("types");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->id(), "torvyn:streaming/types@0.1.0");

  const Resolve& R = *r.resolve;
  EXPECT_EQ(signature(R, "types", "buffer.size"), "size: func() -> u64");
  EXPECT_EQ(signature(R, "types", "buffer.content-type"), "content-type: func() -> string");
  EXPECT_EQ(signature(R, "types", "buffer.read"), "read: func(offset: u64, len: u64) -> list<u8>");
  EXPECT_EQ(signature(R, "types", "buffer.read-all"), "read-all: func() -> list<u8>");
  EXPECT_EQ(signature(R, "types", "mutable-buffer.write"),
            "write: func(offset: u64, bytes: list<u8>) -> result<_, buffer-error>");
  EXPECT_EQ(signature(R, "types", "mutable-buffer.append"), "append: func(bytes: list<u8>) -> result<_, buffer-error>");
  EXPECT_EQ(signature(R, "types", "mutable-buffer.size"), "size: func() -> u64");
  EXPECT_EQ(signature(R, "types", "mutable-buffer.capacity"), "capacity: func() -> u64");
  EXPECT_EQ(signature(R, "types", "mutable-buffer.set-content-type"), "set-content-type: func(content-type: string)");
  EXPECT_EQ(signature(R, "types", "mutable-buffer.freeze"), "freeze: func() -> buffer");
  EXPECT_EQ(signature(R, "types", "flow-context.trace-id"), "trace-id: func() -> string");
  EXPECT_EQ(signature(R, "types", "flow-context.span-id"), "span-id: func() -> string");
  EXPECT_EQ(signature(R, "types", "flow-context.deadline-ns"), "deadline-ns: func() -> u64");
  EXPECT_EQ(signature(R, "types", "flow-context.flow-id"), "flow-id: func() -> string");

  // freeze takes self as a borrow (DESIGN.md §4) and returns an owned buffer.
  const Function* freeze = t->function("[method]mutable-buffer.freeze");
  ASSERT_NE(freeze, nullptr);
  EXPECT_EQ(freeze->kind, FunctionKind::Method);
  ASSERT_EQ(freeze->params.size(), 1u);
  EXPECT_EQ(freeze->params[0].name, "self");
  EXPECT_EQ(print_type(freeze->params[0].type), "borrow<mutable-buffer>");
  ASSERT_TRUE(freeze->result && freeze->result->def);
  EXPECT_EQ(freeze->result->def->kind, TypeDefKind::Handle);
  EXPECT_EQ(freeze->result->def->handle, HandleKind::Own);
  EXPECT_EQ(handle_resource(freeze->result->def), t->type("buffer"));

  const TypeDef* err = t->type("buffer-error");
  ASSERT_NE(err, nullptr);
  EXPECT_EQ(err->kind, TypeDefKind::Variant);
  ASSERT_EQ(err->cases.size(), 3u);
  EXPECT_EQ(err->cases[0].name, "capacity-exceeded");
  EXPECT_FALSE(err->cases[0].type);
  EXPECT_EQ(err->cases[1].name, "out-of-bounds");
  EXPECT_EQ(err->cases[2].name, "allocation-failed");
  ASSERT_TRUE(err->cases[2].type);
  EXPECT_EQ(err->cases[2].type->kind, TypeKind::String);

  const TypeDef* meta = t->type("element-meta");
  ASSERT_NE(meta, nullptr);
  ASSERT_EQ(meta->fields.size(), 3u);
  EXPECT_EQ(meta->fields[0].name, "sequence");
  EXPECT_EQ(meta->fields[0].type.kind, TypeKind::U64);
  EXPECT_EQ(meta->fields[1].name, "timestamp-ns");
  EXPECT_EQ(meta->fields[1].type.kind, TypeKind::U64);
  EXPECT_EQ(meta->fields[2].name, "content-type");
  EXPECT_EQ(meta->fields[2].type.kind, TypeKind::String);

  const TypeDef* se = t->type("stream-element");
  ASSERT_NE(se, nullptr);
  ASSERT_EQ(se->fields.size(), 3u);
  EXPECT_EQ(print_type(se->fields[0].type), "element-meta");
  EXPECT_EQ(print_type(se->fields[1].type), "borrow<buffer>");
  EXPECT_EQ(print_type(se->fields[2].type), "borrow<flow-context>");

  const TypeDef* out = t->type("output-element");
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(out->fields.size(), 2u);
  EXPECT_EQ(out->fields[1].name, "payload");
  ASSERT_TRUE(out->fields[1].type.def);
  EXPECT_EQ(out->fields[1].type.def->handle, HandleKind::Own);

  const TypeDef* pr = t->type("process-result");
  ASSERT_NE(pr, nullptr);
  ASSERT_EQ(pr->cases.size(), 2u);
  EXPECT_EQ(pr->cases[0].name, "emit");
  EXPECT_EQ(print_type(*pr->cases[0].type), "output-element");
  EXPECT_EQ(pr->cases[1].name, "drop");

  const TypeDef* pe = t->type("process-error");
  ASSERT_NE(pe, nullptr);
  std::vector<std::string> cases;
  for (const auto& c : pe->cases) cases.push_back(c.name + (c.type ? "(" + print_type(*c.type) + ")" : ""));
  EXPECT_EQ(cases, (std::vector<std::string>{"invalid-input(string)", "unavailable(string)", "internal(string)",
                                             "deadline-exceeded", "fatal(string)"}));

  const TypeDef* bp = t->type("backpressure-signal");
  ASSERT_NE(bp, nullptr);
  EXPECT_EQ(bp->kind, TypeDefKind::Enum);
  ASSERT_EQ(bp->cases.size(), 2u);
  EXPECT_EQ(bp->cases[0].name, "ready");
  EXPECT_EQ(bp->cases[1].name, "pause");

  // Doc comments are kept.
  EXPECT_NE(t->docs.find("Core data types shared by every Torvyn component."), std::string::npos);
  EXPECT_EQ(t->type("buffer")->docs, "A host-owned, immutable byte buffer.");
}

TEST(TorvynContracts, StreamingInterfacesAndWorlds) {
  ResolveResult r = load("streaming");
  ASSERT_TRUE(r.ok()) << r.render();
  const Resolve& R = *r.resolve;
  EXPECT_EQ(signature(R, "buffer-allocator", "allocate"),
            "allocate: func(capacity-hint: u64) -> result<mutable-buffer, buffer-error>");
  EXPECT_EQ(signature(R, "buffer-allocator", "clone-into-mutable"),
            "clone-into-mutable: func(source: borrow<buffer>) -> result<mutable-buffer, buffer-error>");
  EXPECT_EQ(signature(R, "processor", "process"),
            "process: func(input: stream-element) -> result<process-result, process-error>");
  EXPECT_EQ(signature(R, "source", "pull"), "pull: func() -> result<option<output-element>, process-error>");
  EXPECT_EQ(signature(R, "source", "notify-backpressure"), "notify-backpressure: func(signal: backpressure-signal)");
  EXPECT_EQ(signature(R, "sink", "push"),
            "push: func(element: stream-element) -> result<backpressure-signal, process-error>");
  EXPECT_EQ(signature(R, "sink", "complete"), "complete: func() -> result<_, process-error>");
  EXPECT_EQ(signature(R, "lifecycle", "init"), "init: func(config: string) -> result<_, process-error>");
  EXPECT_EQ(signature(R, "lifecycle", "teardown"), "teardown: func()");

  // `use`d names are aliases of the definitions in `types`.
  const Interface* alloc = R.root->interface("buffer-allocator");
  const Interface* types = R.root->interface("types");
  ASSERT_NE(alloc, nullptr);
  ASSERT_EQ(alloc->uses.size(), 1u);
  EXPECT_EQ(alloc->uses[0], types);
  const TypeDef* mb = alloc->type("mutable-buffer");
  ASSERT_NE(mb, nullptr);
  EXPECT_TRUE(mb->from_use);
  EXPECT_EQ(dealias(mb), types->type("mutable-buffer"));

  auto names = [](const std::vector<WorldItem>& items) {
    std::vector<std::string> out;
    for (const auto& i : items) out.push_back(i.name + (i.implicit ? " (implicit)" : ""));
    return out;
  };
  const std::string types_id = "torvyn:streaming/types@0.1.0";
  const std::string alloc_id = "torvyn:streaming/buffer-allocator@0.1.0";
  struct Expect {
    const char* world;
    std::vector<std::string> imports, exports;
  };
  std::vector<Expect> worlds = {
      {"transform", {types_id, alloc_id}, {"torvyn:streaming/processor@0.1.0"}},
      {"managed-transform", {types_id, alloc_id}, {"torvyn:streaming/processor@0.1.0", "torvyn:streaming/lifecycle@0.1.0"}},
      {"data-source", {types_id, alloc_id}, {"torvyn:streaming/source@0.1.0", "torvyn:streaming/lifecycle@0.1.0"}},
      {"data-sink", {types_id}, {"torvyn:streaming/sink@0.1.0", "torvyn:streaming/lifecycle@0.1.0"}},
  };
  ASSERT_EQ(R.root->worlds.size(), worlds.size());
  for (const auto& e : worlds) {
    const World* w = R.root->world(e.world);
    ASSERT_NE(w, nullptr) << e.world;
    EXPECT_EQ(names(w->imports), e.imports) << e.world;
    EXPECT_EQ(names(w->exports), e.exports) << e.world;
    for (const auto& i : w->imports) EXPECT_TRUE(i.interface_name);
  }
  EXPECT_EQ(R.root->world("transform")->find_export("processor")->interface, R.root->interface("processor"));
  EXPECT_EQ(R.root->world("transform")->find_import("torvyn:streaming/types")->interface, types);
  auto sel = R.select_world("data-sink");
  ASSERT_TRUE(sel.ok());
  EXPECT_EQ(sel.value()->name, "data-sink");
  EXPECT_FALSE(R.select_world("").ok());  // four worlds: a name is needed
}

TEST(TorvynContracts, Filtering) {
  ResolveResult r = load("filtering");
  ASSERT_TRUE(r.ok()) << r.render();
  const Resolve& R = *r.resolve;
  EXPECT_EQ(R.root->name.to_string(), "torvyn:filtering@0.1.0");
  ASSERT_EQ(R.packages.size(), 2u);
  EXPECT_EQ(R.packages[0]->name.to_string(), "torvyn:streaming@0.1.0");  // dependencies first
  EXPECT_EQ(signature(R, "filter", "evaluate"),
            "evaluate: func(element: stream-element) -> result<bool, process-error>");
  EXPECT_EQ(signature(R, "router", "route"),
            "route: func(element: stream-element) -> result<list<string>, process-error>");
  const Interface* filter = R.root->interface("filter");
  ASSERT_EQ(filter->uses.size(), 1u);
  EXPECT_EQ(filter->uses[0]->id(), "torvyn:streaming/types@0.1.0");
  for (const char* name : {"content-filter", "content-router"}) {
    const World* w = R.root->world(name);
    ASSERT_NE(w, nullptr) << name;
    ASSERT_EQ(w->imports.size(), 1u) << name;
    EXPECT_EQ(w->imports[0].name, "torvyn:streaming/types@0.1.0");
    ASSERT_EQ(w->exports.size(), 2u) << name;
    EXPECT_EQ(w->exports[0].name, std::string("torvyn:filtering/") + (name == std::string("content-filter") ? "filter" : "router") + "@0.1.0");
    EXPECT_EQ(w->exports[1].name, "torvyn:streaming/lifecycle@0.1.0");
  }
}

TEST(TorvynContracts, AggregationAndCapabilities) {
  ResolveResult r = load("aggregation");
  ASSERT_TRUE(r.ok()) << r.render();
  const Resolve& R = *r.resolve;
  EXPECT_EQ(R.root->name.to_string(), "torvyn:aggregation@0.1.0");
  EXPECT_EQ(signature(R, "aggregator", "ingest"),
            "ingest: func(element: stream-element) -> result<option<output-element>, process-error>");
  EXPECT_EQ(signature(R, "aggregator", "flush"), "flush: func() -> result<list<output-element>, process-error>");
  const World* w = R.root->world("stream-aggregator");
  ASSERT_NE(w, nullptr);
  ASSERT_EQ(w->imports.size(), 2u);
  EXPECT_EQ(w->imports[0].name, "torvyn:streaming/types@0.1.0");
  EXPECT_EQ(w->imports[1].name, "torvyn:streaming/buffer-allocator@0.1.0");
  ASSERT_EQ(w->exports.size(), 2u);
  EXPECT_EQ(w->exports[0].name, "torvyn:aggregation/aggregator@0.1.0");
  EXPECT_EQ(w->exports[1].name, "torvyn:streaming/lifecycle@0.1.0");
  EXPECT_EQ(R.select_world("").value(), w);

  ResolveResult c = load("capabilities");
  ASSERT_TRUE(c.ok()) << c.render();
  EXPECT_EQ(c.resolve->root->name.to_string(), "torvyn:capabilities@0.1.0");
  EXPECT_EQ(signature(*c.resolve, "capability-query", "has-capability"), "has-capability: func(name: string) -> bool");
}

TEST(TorvynContracts, Batching) {
  // The batch forms (docs/batching.md): flat lists, no resource per element, the records declared
  // in each interface so that exporting one imports nothing beyond torvyn:streaming/types.
  ResolveResult r = load("batching");
  ASSERT_TRUE(r.ok()) << r.render();
  const Resolve& R = *r.resolve;
  EXPECT_EQ(R.root->name.to_string(), "torvyn:batching@0.1.0");
  EXPECT_EQ(signature(R, "processor", "process-batch"),
            "process-batch: func(input: batch, context: borrow<flow-context>) -> "
            "result<tuple<list<element-outcome>, batch>, process-error>");
  EXPECT_EQ(signature(R, "source", "pull-batch"), "pull-batch: func(max: u32) -> tuple<batch, pull-end>");
  EXPECT_EQ(signature(R, "sink", "push-batch"),
            "push-batch: func(input: batch, context: borrow<flow-context>) -> "
            "result<tuple<list<result<_, process-error>>, backpressure-signal>, process-error>");
  for (const char* iface : {"processor", "source", "sink"}) {
    const Interface* i = R.root->interface(iface);
    ASSERT_NE(i, nullptr) << iface;
    ASSERT_EQ(i->uses.size(), 1u) << iface;
    EXPECT_EQ(i->uses[0]->id(), "torvyn:streaming/types@0.1.0") << iface;
    EXPECT_NE(i->type("batch"), nullptr) << iface;
    EXPECT_NE(i->type("element-meta"), nullptr) << iface;
  }
  // Each world is a torvyn:streaming world (included) plus the batch form of its role.
  const std::pair<const char*, std::vector<std::string>> worlds[] = {
      {"batch-transform", {"torvyn:streaming/processor@0.1.0", "torvyn:batching/processor@0.1.0"}},
      {"batch-managed-transform",
       {"torvyn:streaming/processor@0.1.0", "torvyn:streaming/lifecycle@0.1.0", "torvyn:batching/processor@0.1.0"}},
      {"batch-data-source",
       {"torvyn:streaming/source@0.1.0", "torvyn:streaming/lifecycle@0.1.0", "torvyn:batching/source@0.1.0"}},
      {"batch-data-sink", {"torvyn:streaming/sink@0.1.0", "torvyn:streaming/lifecycle@0.1.0", "torvyn:batching/sink@0.1.0"}},
  };
  for (const auto& [name, exports] : worlds) {
    const World* w = R.root->world(name);
    ASSERT_NE(w, nullptr) << name;
    std::vector<std::string> got;
    for (const auto& e : w->exports) got.push_back(e.name);
    std::sort(got.begin(), got.end());
    std::vector<std::string> want = exports;
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want) << name;
    ASSERT_FALSE(w->imports.empty()) << name;
    EXPECT_EQ(w->imports[0].name, "torvyn:streaming/types@0.1.0") << name;
  }
}

TEST(TorvynContracts, ExtensionWithoutDepsReportsTheMissingPackage) {
  // filtering.wit alone: the streaming package is not available.
  auto path = shipped_wit() / "filtering" / "filtering.wit";
  ResolveResult r = parse_directory(path);
  ASSERT_FALSE(r.ok());
  ASSERT_FALSE(r.diagnostics.empty());
  const Diagnostic& d = r.diagnostics[0];
  EXPECT_EQ(d.code, ErrorCode::WitPackageNotFound);
  EXPECT_EQ(d.message, "package `torvyn:streaming@0.1.0` not found");
  EXPECT_EQ(d.location.line, 7u);
  EXPECT_EQ(d.location.column, 9u);
  EXPECT_NE(d.help.find("deps/"), std::string::npos);
  EXPECT_EQ(r.diagnostics.size(), 1u) << r.render();  // reported once, not at every reference
}

}  // namespace
}  // namespace torvyn::wit
