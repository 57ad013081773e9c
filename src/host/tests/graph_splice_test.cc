// How --input / --output re-wire a flow's graph (graph_splice.h), without building any stage.
#include "graph_splice.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace torvyn::host {
namespace {

using reactor::Role;

config::EdgeDecl edge(const std::string& from, const std::string& to, const std::string& from_port = "", const std::string& to_port = "") {
  config::EdgeDecl e;
  e.from = {from, from_port};
  e.to = {to, to_port};
  return e;
}

// "from.port -> to.port #decl" per edge ("+" for an added one), for compact expectations.
std::vector<std::string> describe(const SplicedGraph& g) {
  std::vector<std::string> out;
  for (const SplicedEdge& e : g.edges)
    out.push_back(e.from + (e.from_port.empty() ? "" : "." + e.from_port) + " -> " + e.to + (e.to_port.empty() ? "" : "." + e.to_port) +
                  (e.decl == SplicedEdge::kAdded ? " +" : " #" + std::to_string(e.decl)));
  return out;
}

const std::vector<GraphNode> kChain{{"s", Role::Source}, {"p", Role::Processor}, {"k", Role::Sink}};
const std::vector<config::EdgeDecl> kChainEdges{edge("s", "p"), edge("p", "k")};

TEST(GraphSplice, WithoutOptionsTheGraphIsUnchanged) {
  auto g = splice_io(kChain, kChainEdges, false, false);
  ASSERT_TRUE(g) << g.error().to_string();
  EXPECT_TRUE(g->replaced.empty());
  EXPECT_EQ(describe(*g), (std::vector<std::string>{"s -> p #0", "p -> k #1"}));
}

TEST(GraphSplice, InputReplacesTheSourcesAndOutputTheSinks) {
  std::vector<GraphNode> nodes = kChain;
  nodes.insert(nodes.begin(), {kInputNode, Role::Source});
  auto in = splice_io(nodes, kChainEdges, true, false);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->replaced, (std::set<std::string>{"s"}));
  EXPECT_EQ(describe(*in), (std::vector<std::string>{"input -> p #0", "p -> k #1"}));

  nodes.push_back({kOutputNode, Role::Sink});
  auto both = splice_io(nodes, kChainEdges, true, true);
  ASSERT_TRUE(both);
  EXPECT_EQ(both->replaced, (std::set<std::string>{"s", "k"}));
  EXPECT_EQ(describe(*both), (std::vector<std::string>{"input -> p #0", "p -> output #1"}));
}

TEST(GraphSplice, SeveralSourcesIntoOneNodeBecomeOneEdge) {
  std::vector<GraphNode> nodes{{kInputNode, Role::Source}, {"a", Role::Source}, {"b", Role::Source}, {"p", Role::Processor}, {"k", Role::Sink}};
  auto g = splice_io(nodes, {edge("a", "p"), edge("b", "p"), edge("p", "k")}, true, false);
  ASSERT_TRUE(g);
  EXPECT_EQ(describe(*g), (std::vector<std::string>{"input -> p #0", "p -> k #2"}));
}

TEST(GraphSplice, EachRouterPortReachesTheOutputOnce) {
  // even -> k1 and k2 (one port, two sinks: written once), odd -> k3 (another port: its own edge).
  std::vector<GraphNode> nodes{{"s", Role::Source},   {"r", Role::Router}, {"k1", Role::Sink},
                               {"k2", Role::Sink},    {"k3", Role::Sink},  {kOutputNode, Role::Sink}};
  auto g = splice_io(nodes, {edge("s", "r"), edge("r", "k1", "even"), edge("r", "k2", "even"), edge("r", "k3", "odd", "in")}, false, true);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->replaced, (std::set<std::string>{"k1", "k2", "k3"}));
  EXPECT_EQ(describe(*g), (std::vector<std::string>{"s -> r #0", "r.even -> output #1", "r.odd -> output #3"}));
}

TEST(GraphSplice, ASourcePortIsDroppedWithItsSource) {
  std::vector<GraphNode> nodes{{kInputNode, Role::Source}, {"s", Role::Source}, {"p", Role::Processor}};
  auto g = splice_io(nodes, {edge("s", "p", "out", "in")}, true, false);
  ASSERT_TRUE(g);
  EXPECT_EQ(describe(*g), (std::vector<std::string>{"input -> p.in #0"}));
}

TEST(GraphSplice, AFlowWithoutSourceOrSinkIsFedAndDrainedByTheFileStages) {
  // Two processors with no edges at all: input feeds both, both drain into output, in id order.
  std::vector<GraphNode> nodes{{kInputNode, Role::Source}, {"q", Role::Processor}, {"p", Role::Processor}, {kOutputNode, Role::Sink}};
  auto g = splice_io(nodes, {}, true, true);
  ASSERT_TRUE(g);
  EXPECT_TRUE(g->replaced.empty());
  EXPECT_EQ(describe(*g), (std::vector<std::string>{"input -> p +", "input -> q +", "p -> output +", "q -> output +"}));
  // A chain p -> q: only its open ends are connected.
  auto chain = splice_io(nodes, {edge("p", "q")}, true, true);
  ASSERT_TRUE(chain);
  EXPECT_EQ(describe(*chain), (std::vector<std::string>{"p -> q #0", "input -> p +", "q -> output +"}));
}

TEST(GraphSplice, AnEdgeNamingAnUnknownNodeIsAnError) {
  auto from = splice_io(kChain, {edge("nope", "p")}, false, false);
  ASSERT_FALSE(from);
  EXPECT_EQ(from.error().code, ErrorCode::FlowBuildFailed);
  EXPECT_EQ(from.error().message, "edge from unknown node `nope`");
  auto to = splice_io(kChain, {edge("s", "gone")}, false, false);
  ASSERT_FALSE(to);
  EXPECT_EQ(to.error().message, "edge to unknown node `gone`");
}

}  // namespace
}  // namespace torvyn::host
