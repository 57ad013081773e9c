// Connector nodes (`connector = "nats-jetstream"`): the config table is checked key by key, the
// node's role follows from its edges, and every mistake is a complete diagnostic.
#include <gtest/gtest.h>

#include "torvyn/config/config.h"

namespace torvyn::config {
namespace {

LoadResult parse_text(const std::string& text) {
  LoadOptions o;
  o.use_process_env = false;
  return parse(text, "/proj/Torvyn.toml", o);
}

std::string flow(const std::string& in_config, const std::string& out_config, const std::string& extra_edges = "") {
  return "[torvyn]\nname = \"t\"\n[[component]]\nname = \"p\"\npath = \"p.wasm\"\n[flow.main]\n"
         "nodes.in = { connector = \"nats-jetstream\", config = " + in_config + " }\n"
         "nodes.p = { component = \"p\" }\n"
         "nodes.out = { connector = \"nats-jetstream\", config = " + out_config + " }\n"
         "edges = [{ from = { node = \"in\" }, to = { node = \"p\" } }, { from = { node = \"p\" }, to = { node = \"out\" } }" +
         extra_edges + "]\n";
}

const Diagnostic* find(const LoadResult& r, ErrorCode code) {
  for (const auto& d : r.diagnostics)
    if (d.code == code) return &d;
  return nullptr;
}

std::string dump(const LoadResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics) out += render_human(d, r.source_for(d));
  return out;
}

TEST(ConnectorNodes, SourceAndSinkFromTheirEdges) {
  LoadResult r = parse_text(flow("{ url = \"nats://10.0.0.1:4222\", stream = \"IN\", subject = \"in.x\", durable = \"d\", batch = 16, ack_wait = \"10s\" }",
                                 "{ subject = \"out.x\", timeout = \"2s\" }"));
  ASSERT_TRUE(r.ok()) << dump(r);
  const FlowDecl& f = r.config->flows[0];
  const NodeDecl* in = f.find_node("in");
  const NodeDecl* out = f.find_node("out");
  ASSERT_TRUE(in && out && in->nats && out->nats);
  EXPECT_EQ(in->connector, "nats-jetstream");
  EXPECT_EQ(in->connector_role, ConnectorRole::Source);
  EXPECT_EQ(out->connector_role, ConnectorRole::Sink);
  EXPECT_EQ(in->nats->url, "nats://10.0.0.1:4222");
  EXPECT_EQ(in->nats->batch, 16u);
  EXPECT_EQ(in->nats->ack_wait_ms, 10000u);
  EXPECT_EQ(out->nats->url, "nats://127.0.0.1:4222");  // the default
  EXPECT_EQ(out->nats->timeout_ms, 2000u);
  EXPECT_EQ(f.find_node("p")->connector, "");
}

TEST(ConnectorNodes, PreciseErrors) {
  struct Case {
    std::string in, out, extra;
    ErrorCode code;
    std::string key;
  };
  const std::vector<Case> cases = {
      {"{ stream = \"IN\" }", "{ subject = \"o\" }", "", ErrorCode::ConnectorConfigInvalid, "flow.main.nodes.in.config.durable"},
      {"{ durable = \"d\" }", "{ subject = \"o\" }", "", ErrorCode::ConnectorConfigInvalid, "flow.main.nodes.in.config.stream"},
      {"{ stream = \"IN\", durable = \"d\" }", "{ stream = \"OUT\" }", "", ErrorCode::ConnectorConfigInvalid, "flow.main.nodes.out.config.subject"},
      {"{ stream = \"IN\", durable = \"a.b\" }", "{ subject = \"o\" }", "", ErrorCode::ConnectorConfigInvalid, "flow.main.nodes.in.config.durable"},
      {"{ url = \"http://x:4222\", stream = \"IN\", durable = \"d\" }", "{ subject = \"o\" }", "", ErrorCode::NatsBadUrl, "flow.main.nodes.in.config.url"},
      {"{ url = \"nats://x:99999\", stream = \"IN\", durable = \"d\" }", "{ subject = \"o\" }", "", ErrorCode::NatsBadUrl, "flow.main.nodes.in.config.url"},
      {"{ stream = \"IN\", durable = \"d\", batch = 0 }", "{ subject = \"o\" }", "", ErrorCode::ConfigInvalidValue, "flow.main.nodes.in.config.batch"},
      {"{ stream = \"IN\", durable = \"d\" }", "{ subject = \"o\" }", ", { from = { node = \"out\" }, to = { node = \"p\" } }",
       ErrorCode::ConnectorNodeInvalid, "flow.main.nodes.out"},
  };
  for (const Case& c : cases) {
    LoadResult r = parse_text(flow(c.in, c.out, c.extra));
    const Diagnostic* d = find(r, c.code);
    ASSERT_NE(d, nullptr) << c.key << "\n" << dump(r);
    EXPECT_EQ(d->key, c.key) << dump(r);
    EXPECT_FALSE(d->expected.empty()) << render_human(*d);
    EXPECT_FALSE(d->found.empty()) << render_human(*d);
    EXPECT_FALSE(d->help.empty()) << render_human(*d);
    EXPECT_FALSE(r.ok());
  }
}

TEST(ConnectorNodes, UnknownConnectorAndComponentBoth) {
  LoadResult r = parse_text("[flow.main]\nnodes.in = { connector = \"nats-jetstrem\", config = { stream = \"S\" } }\n"
                            "nodes.x = { connector = \"nats-jetstream\", component = \"c\", config = { subject = \"s\" } }\n"
                            "edges = [{ from = { node = \"in\" }, to = { node = \"x\" } }]\n");
  const Diagnostic* d = find(r, ErrorCode::ConfigInvalidValue);
  ASSERT_NE(d, nullptr) << dump(r);
  EXPECT_NE(d->help.find("nats-jetstream"), std::string::npos) << render_human(*d);
  ASSERT_NE(find(r, ErrorCode::ConnectorNodeInvalid), nullptr) << dump(r);
}

TEST(ConnectorNodes, UnknownConfigKeyIsSuggested) {
  LoadResult r = parse_text(flow("{ stream = \"IN\", durable = \"d\", ackwait = \"1s\" }", "{ subject = \"o\" }"));
  const Diagnostic* d = find(r, ErrorCode::ConfigUnknownKey);
  ASSERT_NE(d, nullptr) << dump(r);
  EXPECT_NE(d->help.find("ack_wait"), std::string::npos) << render_human(*d);
}

}  // namespace
}  // namespace torvyn::config
