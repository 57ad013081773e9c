// The loader's building blocks: suggestions, interpolation, and the schema staying in step with
// the validator and the environment-variable mapping.
#include <gtest/gtest.h>

#include "interpolate.h"
#include "overrides.h"
#include "schema.h"
#include "suggest.h"
#include "torvyn/config/config.h"

namespace torvyn::config::detail {
namespace {

TEST(Suggest, FindsPlausibleTypos) {
  std::vector<std::string_view> keys{"worker_threads", "engine", "max_memory_per_component", "tracing_exporter"};
  EXPECT_EQ(suggest("worker_thread", keys), "worker_threads");
  EXPECT_EQ(suggest("engien", keys), "engine");  // transposition
  EXPECT_EQ(suggest("Worker-Threads", keys), "worker_threads");
  EXPECT_EQ(suggest("exporter", keys), "tracing_exporter");
  EXPECT_FALSE(suggest("colour", keys));
  EXPECT_FALSE(suggest("x", keys));
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("ab", "ba"), 1u);
}

TEST(Interpolate, Forms) {
  EnvMap env{{"A", "1"}, {"EMPTY", ""}};
  EXPECT_EQ(interpolate("x${A}y", env).value, "x1y");
  EXPECT_EQ(interpolate("${B:-dflt}", env).value, "dflt");
  EXPECT_EQ(interpolate("${EMPTY:-dflt}", env).value, "dflt");  // shell :- semantics
  EXPECT_EQ(interpolate("${EMPTY}", env).value, "");
  EXPECT_EQ(interpolate("${A:-}", env).value, "1");
  EXPECT_EQ(interpolate("${B:-}", env).value, "");
  EXPECT_EQ(interpolate("$${A}", env).value, "${A}");
  EXPECT_EQ(interpolate("$A $ {A} $", env).value, "$A $ {A} $");
  EXPECT_TRUE(interpolate("$${A}", env).errors.empty());
  auto undefined = interpolate("a${NOPE}b", env);
  ASSERT_EQ(undefined.errors.size(), 1u);
  EXPECT_EQ(undefined.errors[0].variable, "NOPE");
  EXPECT_EQ(undefined.errors[0].offset, 1u);
  EXPECT_EQ(undefined.errors[0].length, 7u);
  EXPECT_EQ(interpolate("${A", env).errors.size(), 1u);
  EXPECT_EQ(interpolate("${}", env).errors.size(), 1u);
  EXPECT_EQ(interpolate("${A B}", env).errors.size(), 1u);
}

TEST(Schema, EnvNamesFollowSectionAndKey) {
  auto names = env_variable_names();
  auto has = [&](const char* n) { return std::find(names.begin(), names.end(), n) != names.end(); };
  EXPECT_TRUE(has("TORVYN_RUNTIME_ENGINE"));
  EXPECT_TRUE(has("TORVYN_RUNTIME_WORKER_THREADS"));
  EXPECT_TRUE(has("TORVYN_RUNTIME_BACKPRESSURE_DEFAULT_QUEUE_DEPTH"));
  EXPECT_TRUE(has("TORVYN_OBSERVABILITY_TRACING_SAMPLE_RATE"));
  EXPECT_TRUE(has("TORVYN_SECURITY_AUDIT_ENABLED"));
  EXPECT_TRUE(has("TORVYN_INSPECTION_TCP"));
  EXPECT_FALSE(has("TORVYN_RUNTIME_BACKPRESSURE"));  // a section, not a value
}

// Every key reachable through the environment is accepted by the validator with a valid value:
// the schema (env mapping, suggestions) and the validator agree on names and kinds.
TEST(Schema, EveryEnvKeyIsAcceptedByTheValidator) {
  std::map<std::string, std::string> env;
  for (const SectionDef* s : env_sections()) {
    for (const KeyDef& k : s->keys) {
      std::string name = env_prefix(*s);
      for (char c : k.name) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      std::string v;
      switch (k.kind) {
        case Kind::Integer: v = "4"; break;
        case Kind::Float: v = "0.5"; break;
        case Kind::Bool: v = "true"; break;
        case Kind::Size: v = "64MiB"; break;
        case Kind::Duration: v = "5s"; break;
        case Kind::Enum: v = std::string(k.choices->front()); break;
        case Kind::StringList: v = "a,b"; break;
        case Kind::Table: case Kind::TableArray: case Kind::PortRef: continue;
        default: v = "x"; break;
      }
      env[name] = v;
    }
  }
  env["TORVYN_INSPECTION_TCP"] = "127.0.0.1:1";
  env["TORVYN_OBSERVABILITY_TRACING_TRACING_ENDPOINT"] = "http://c:4317";
  env["TORVYN_TORVYN_VERSION"] = "1.0.0";
  env["TORVYN_TORVYN_CONTRACT_VERSION"] = "0.1.0";
  ASSERT_GT(env.size(), 30u);
  LoadOptions o;
  o.use_process_env = false;
  o.env = env;
  LoadResult r = parse("", "T.toml", o);
  std::string text;
  for (const auto& d : r.diagnostics) text += render_human(d);
  ASSERT_TRUE(r.ok()) << text;
  EXPECT_TRUE(r.diagnostics.empty()) << text;
  EXPECT_EQ(r.config->project.name, "x");
  EXPECT_EQ(r.config->runtime.worker_threads, 4u);
  EXPECT_EQ(r.config->runtime.pools.large, 4u);
  EXPECT_EQ(r.config->observability.tracing.exporter, TracingExporter::OtlpGrpc);
  EXPECT_EQ(r.config->security.default_capability_policy, "deny-all");
  EXPECT_FALSE(r.config->inspection.token.empty());
}

}  // namespace
}  // namespace torvyn::config::detail
