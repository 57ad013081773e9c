// The hand-assembled wit-component-shaped component decodes to the expected structure and validates.
#include "realistic.h"
#include "test_util.h"

namespace torvyn::component {
namespace {

using namespace testenc;

TEST(Realistic, DecodesAndValidates) {
  auto r = load_component(realistic_component());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Component& c = r.value()->component;
  size_t modules = 0, core_instances = 0, aliases = 0, canons = 0, nested = 0;
  for (const auto& d : c.definitions) {
    modules += std::holds_alternative<CoreModule>(d);
    core_instances += std::holds_alternative<CoreInstance>(d);
    aliases += std::holds_alternative<Alias>(d);
    canons += std::holds_alternative<Canon>(d);
    nested += std::holds_alternative<std::shared_ptr<Component>>(d);
  }
  EXPECT_EQ(modules, 3u);
  EXPECT_EQ(core_instances, 5u);
  EXPECT_EQ(aliases, 10u);
  EXPECT_EQ(canons, 4u);
  EXPECT_EQ(nested, 1u);
  EXPECT_EQ(def<Import>(c, 1).name, "test:demo/types@0.1.0");
  EXPECT_EQ(def<Import>(c, 1).desc.kind, ExternDesc::Kind::Instance);
  const auto& exp = std::get<Export>(c.definitions.at(c.definitions.size() - 2));
  EXPECT_EQ(exp.name, "test:demo/processor@0.1.0");
  EXPECT_EQ(exp.sort, Sort::Instance);
  // The core modules are spans into the buffer, each starting with the core preamble.
  for (const auto& d : c.definitions) {
    if (auto* m = std::get_if<CoreModule>(&d)) {
      ASSERT_GE(m->bytes.size(), 8u);
      EXPECT_EQ(m->bytes[4], 0x01);
      EXPECT_EQ(m->bytes.data(), r.value()->bytes.data() + m->offset);
    }
  }
  // The lift carries every option wit-component gives an export with strings.
  const Canon* lift = nullptr;
  for (const auto& d : c.definitions)
    if (auto* cn = std::get_if<Canon>(&d); cn && cn->kind == Canon::Kind::Lift) lift = cn;
  ASSERT_TRUE(lift);
  EXPECT_EQ(lift->options.memory, 0u);
  EXPECT_EQ(lift->options.realloc, 3u);
  EXPECT_EQ(lift->options.post_return, 6u);
}

// The decoded component outlives the caller's buffer: it owns the bytes.
TEST(Realistic, DecodedComponentOwnsItsBytes) {
  std::shared_ptr<const DecodedComponent> d;
  {
    Bytes b = realistic_component();
    auto r = decode_component(std::move(b));
    ASSERT_TRUE(r.ok());
    d = r.value();
  }
  const auto& m = std::get<CoreModule>(d->component.definitions.at(2));
  EXPECT_EQ(m.bytes[0], 0x00);
  EXPECT_EQ(m.bytes[1], 0x61);
}

}  // namespace
}  // namespace torvyn::component
