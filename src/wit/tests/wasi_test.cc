// Real-world WIT: WASI 0.2.0 packages (tests/data/wasi, verbatim upstream text) resolve cleanly and
// their resources, gates, escaped names and cross-package uses land in the model as expected.
#include <gtest/gtest.h>

#include "torvyn/wit/compat.h"
#include "wit_test_util.h"

namespace torvyn::wit {
namespace {

using testing::test_data;

ResolveResult load(const char* folder) { return parse_directory(test_data() / "wasi" / folder); }

TEST(Wasi, IoResolves) {
  ResolveResult r = load("io");
  ASSERT_TRUE(r.ok()) << r.render();
  EXPECT_TRUE(r.diagnostics.empty()) << r.render();
  const Package* p = r.resolve->root;
  EXPECT_EQ(p->name.to_string(), "wasi:io@0.2.0");
  ASSERT_EQ(p->interfaces.size(), 3u);
  const Interface* streams = p->interface("streams");
  ASSERT_NE(streams, nullptr);
  ASSERT_TRUE(streams->gate.since);
  EXPECT_EQ(streams->gate.since->to_string(), "0.2.0");
  const Function* splice = streams->function("output-stream.splice");
  ASSERT_NE(splice, nullptr);
  EXPECT_EQ(print_function(*splice), "splice: func(src: borrow<input-stream>, len: u64) -> result<u64, stream-error>");
  EXPECT_EQ(splice->component_name(), "[method]output-stream.splice");
  // `subscribe` on output-stream has no gate upstream; the one on input-stream has.
  EXPECT_FALSE(streams->function("output-stream.subscribe")->gate.since);
  EXPECT_TRUE(streams->function("input-stream.subscribe")->gate.since);
  const Interface* poll = p->interface("poll");
  EXPECT_EQ(print_function(*poll->function("poll")), "poll: func(in: list<borrow<pollable>>) -> list<u32>");
  // The world imports streams, which uses error (not imported: an implicit import) and poll (imported
  // explicitly further down: moved ahead of streams, since dependencies come first).
  const World* w = p->world("imports");
  ASSERT_NE(w, nullptr);
  std::vector<std::string> names;
  for (const auto& i : w->imports) names.push_back(i.name + (i.implicit ? "*" : ""));
  EXPECT_EQ(names, (std::vector<std::string>{"wasi:io/error@0.2.0*", "wasi:io/poll@0.2.0", "wasi:io/streams@0.2.0"}));
}

TEST(Wasi, ClocksResolveWithDepsAndKeepUnstableGates) {
  ResolveResult r = load("clocks");
  ASSERT_TRUE(r.ok()) << r.render();
  EXPECT_TRUE(r.diagnostics.empty()) << r.render();
  const Package* p = r.resolve->root;
  EXPECT_EQ(p->name.to_string(), "wasi:clocks@0.2.0");
  const Interface* tz = p->interface("timezone");
  ASSERT_NE(tz, nullptr);
  ASSERT_TRUE(tz->gate.unstable);
  EXPECT_EQ(*tz->gate.unstable, "timezone");
  EXPECT_EQ(tz->function("display")->gate.unstable.value_or(""), "timezone");
  const Interface* mono = p->interface("monotonic-clock");
  const TypeDef* pollable = mono->type("pollable");
  ASSERT_NE(pollable, nullptr);
  EXPECT_TRUE(pollable->from_use);
  EXPECT_EQ(dealias(pollable)->interface->id(), "wasi:io/poll@0.2.0");
  EXPECT_EQ(print_function(*mono->function("subscribe-instant")), "subscribe-instant: func(when: instant) -> pollable");
  EXPECT_EQ(mono->function("now")->result->def->name, "instant");
  EXPECT_EQ(dealias(*mono->function("now")->result).kind, TypeKind::U64);
  // Monotonic-clock's use of wasi:io/poll makes poll an implicit import of the clocks world.
  const World* w = p->world("imports");
  ASSERT_NE(w, nullptr);
  ASSERT_EQ(w->imports.size(), 3u);
  EXPECT_TRUE(w->imports[0].implicit);
  EXPECT_EQ(w->imports[0].name, "wasi:io/poll@0.2.0");
}

TEST(Wasi, HttpTypesResolve) {
  ResolveResult r = load("http");
  ASSERT_TRUE(r.ok()) << r.render();
  EXPECT_TRUE(r.diagnostics.empty()) << r.render();
  const Package* p = r.resolve->root;
  EXPECT_EQ(p->name.to_string(), "wasi:http@0.2.0");
  ASSERT_EQ(r.resolve->packages.size(), 3u);
  const Interface* t = p->interface("types");
  ASSERT_NE(t, nullptr);

  // Acronym identifiers, `%stream`, `use ... as`, aliases of resources, constructors, statics.
  const TypeDef* ec = t->type("error-code");
  ASSERT_NE(ec, nullptr);
  EXPECT_EQ(ec->cases.size(), 39u);
  EXPECT_EQ(ec->cases[1].name, "DNS-error");
  EXPECT_EQ(print_type(*ec->cases[1].type), "DNS-error-payload");
  const Function* stream = t->function("incoming-body.stream");
  ASSERT_NE(stream, nullptr);
  EXPECT_EQ(print_function(*stream), "%stream: func() -> result<input-stream>");
  const TypeDef* io_error = t->type("io-error");
  ASSERT_NE(io_error, nullptr);
  EXPECT_EQ(dealias(io_error)->name, "error");
  EXPECT_EQ(print_function(*t->function("http-error-code")),
            "http-error-code: func(err: borrow<io-error>) -> option<error-code>");
  const TypeDef* headers = t->type("headers");
  EXPECT_EQ(headers->kind, TypeDefKind::Alias);
  EXPECT_TRUE(is_resource(headers));
  const Function* ctor = t->function("[constructor]outgoing-request");
  ASSERT_NE(ctor, nullptr);
  EXPECT_EQ(ctor->kind, FunctionKind::Constructor);
  EXPECT_EQ(print_function(*ctor), "constructor(headers: headers)");
  EXPECT_EQ(handle_resource(ctor->result->def), t->type("outgoing-request"));
  const Function* from_list = t->function("fields.from-list");
  ASSERT_NE(from_list, nullptr);
  EXPECT_EQ(from_list->kind, FunctionKind::Static);
  EXPECT_EQ(print_function(*from_list),
            "from-list: static func(entries: list<tuple<field-key, field-value>>) -> result<fields, header-error>");
  EXPECT_EQ(print_function(*t->function("future-trailers.get")),
            "get: func() -> option<result<result<option<trailers>, error-code>>>");
  // Functions of one resource, in source order.
  auto fields_fns = t->resource_functions(t->type("fields"));
  ASSERT_EQ(fields_fns.size(), 9u);
  EXPECT_EQ(fields_fns[0]->kind, FunctionKind::Constructor);
  EXPECT_EQ(fields_fns[8]->name, "clone");

  const Interface* out = p->interface("outgoing-handler");
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(print_function(*out->function("handle")),
            "handle: func(request: outgoing-request, options: option<request-options>) -> "
            "result<future-incoming-response, error-code>");
}

TEST(Wasi, PackagesAreIdenticalWhenLoadedTwice) {
  ResolveResult a = load("http");
  ResolveResult b = load("http");
  ASSERT_TRUE(a.ok() && b.ok());
  CompatReport rep = diff(*a.resolve->root, *b.resolve->root);
  EXPECT_EQ(rep.overall, Compat::Compatible);
  EXPECT_TRUE(rep.changes.empty()) << render(rep);
}

}  // namespace
}  // namespace torvyn::wit
