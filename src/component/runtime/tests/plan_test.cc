// The instantiation plan (plan.h): made once when a component is loaded, shared by every instance,
// reporting what depends only on the component at load and what depends on the Linker at
// instantiation. On both engines.
#include <gtest/gtest.h>

#include "encoder.h"
#include "internal.h"
#include "streaming_test_host.h"
#include "torvyn_test/engines.h"
#include "torvyn_test/files.h"

namespace torvyn::component {
namespace {

using namespace testenc;

class InstantiationPlan : public ::testing::TestWithParam<wasm::EngineKind> {
 public:
  void SetUp() override { engine = test::make_test_engine(GetParam(), TORVYN_TEST_CACHE_DIR); }

  Result<std::shared_ptr<LoadedComponent>> load(const Bytes& bytes, const std::string& name = "hand-made") {
    return LoadedComponent::load(engine, bytes, name);
  }

  std::shared_ptr<wasm::Engine> engine;
};

// An interface "test:demo/things@0.1.0" with a resource and a method on it, as a component imports it.
Bytes things_importer() {
  Bytes things = instance_type({
      decl_export("thing", ed_type_sub_resource()),                   // 0
      decl_type(borrow(0)),                                           // 1
      decl_type(func({labeled("self", idx(1))}, {kU32})),             // 2
      decl_export("[method]thing.size", ed_func(2)),
  });
  return component({
      section(kType, vec({things})),
      section(kImport, vec({import("test:demo/things@0.1.0", ed_instance(0))})),
  });
}

// A host defining that interface; `size_of_other` makes the method take a borrow of another resource.
std::shared_ptr<HostInstance> things_host(bool size_of_other = false) {
  auto host = std::make_shared<HostInstance>("test:demo/things@0.1.0");
  uint32_t thing = host->add_resource("thing");
  uint32_t other = host->add_resource("other");
  AbiFuncType size;
  size.param_names = {"self"};
  size.params = {abi::borrow(size_of_other ? other : thing)};
  size.results = {abi::prim(AbiKind::U32)};
  host->add_function("[method]thing.size", size, [](HostCall&, const std::vector<Value>&, std::vector<Value>& results) {
    results.push_back(Value::u64(AbiKind::U32, 0));
    return Status{};
  });
  return host;
}

TEST_P(InstantiationPlan, IsBuiltOnceAtLoadAndSharedByEveryInstance) {
  auto comp = load(test::read_bytes(std::string(TORVYN_SDK_COMPONENTS) + "/uppercase.wasm"), "uppercase");
  ASSERT_TRUE(comp.ok()) << comp.error().to_string();
  const auto& plan = detail::RuntimeAccess::impl(**comp)->plan;
  ASSERT_TRUE(plan);
  EXPECT_FALSE(plan->steps.empty());
  testing::StreamingTestHost host;
  auto a = Instance::instantiate(**comp, host.linker);
  auto b = Instance::instantiate(**comp, host.linker);
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  ASSERT_TRUE(b.ok()) << b.error().to_string();
  EXPECT_EQ(detail::RuntimeAccess::state(**a).component->plan, plan);
  EXPECT_EQ(detail::RuntimeAccess::state(**b).component->plan, plan);
  // The same plan, each instance its own functions.
  ExportedFunc fa = (*a)->find_function("torvyn:streaming/processor@0.1.0", "process");
  ExportedFunc fb = (*b)->find_function("torvyn:streaming/processor@0.1.0", "process");
  ASSERT_TRUE(fa && fb);
  EXPECT_NE(fa.handle, fb.handle);
}

TEST_P(InstantiationPlan, AnErrorOfTheComponentAloneIsReportedAtLoad) {
  // A core export alias of a name the core module does not export: the validator cannot see into
  // the module, the plan can.
  auto comp = load(component({
      section(kCoreModule, core_module_bytes()),
      section(kCoreInstance, vec({core_instantiate(0, {})})),
      section(kAlias, vec({alias_core_export(kSortCoreMemory, 0, "memory")})),
  }));
  ASSERT_FALSE(comp.ok());
  EXPECT_EQ(comp.error().code, ErrorCode::ComponentUnlinkable);
  EXPECT_NE(comp.error().message.find("hand-made: core instance 0 has no export \"memory\""), std::string::npos) << comp.error().message;
}

TEST_P(InstantiationPlan, AMissingImportStillFailsAtInstantiation) {
  auto comp = load(things_importer());
  ASSERT_TRUE(comp.ok()) << comp.error().to_string();
  Linker empty;
  auto inst = Instance::instantiate(**comp, empty);
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.error().code, ErrorCode::ComponentUnlinkable);
  EXPECT_NE(inst.error().message.find("hand-made: the component imports \"test:demo/things@0.1.0\", which this host does not provide"),
            std::string::npos)
      << inst.error().message;
}

TEST_P(InstantiationPlan, ResourcesTakeEachLinkersIdentities) {
  auto comp = load(things_importer());
  ASSERT_TRUE(comp.ok()) << comp.error().to_string();
  // Two hosts, two sets of resource identities: the one plan links against either.
  Linker first, second;
  first.define(things_host());
  second.define(things_host());
  auto a = Instance::instantiate(**comp, first);
  auto b = Instance::instantiate(**comp, second);
  EXPECT_TRUE(a.ok()) << a.error().to_string();
  EXPECT_TRUE(b.ok()) << b.error().to_string();
  // A method on another resource than the one the component expects does not link.
  Linker wrong;
  wrong.define(things_host(true));
  auto c = Instance::instantiate(**comp, wrong);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::ComponentUnlinkable);
  EXPECT_NE(c.error().message.find("function \"[method]thing.size\": the component expects"), std::string::npos) << c.error().message;
}


TEST_P(InstantiationPlan, InstantiationChainsAreBounded) {
  auto shallow = load(instantiation_chain(20));
  EXPECT_TRUE(shallow.ok()) << shallow.error().to_string();
  auto deep = load(instantiation_chain(150));
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().code, ErrorCode::ComponentUnsupportedFeature);
  EXPECT_NE(deep.error().message.find("levels deep"), std::string::npos) << deep.error().message;
}

TEST_P(InstantiationPlan, AComponentThatWouldInstantiateExponentiallyIsRefusedAtLoad) {
  auto modest = load(instantiation_fan(3, 10));  // 1,111 instances
  EXPECT_TRUE(modest.ok()) << modest.error().to_string();
  auto bomb = load(instantiation_fan(12, 10));  // 10^12
  ASSERT_FALSE(bomb.ok());
  EXPECT_EQ(bomb.error().code, ErrorCode::ComponentUnsupportedFeature);
  EXPECT_NE(bomb.error().message.find("components and definitions"), std::string::npos) << bomb.error().message;
}

TORVYN_INSTANTIATE_ON_ENGINES(InstantiationPlan);

}  // namespace
}  // namespace torvyn::component
