// How `torvyn run --input/--output` re-wires a flow's graph, apart from building anything, so it
// can be tested on its own (tests/graph_splice_test.cc).
//
// With --input, the built-in file source (node "input") replaces every source of the flow: their
// edges start at "input" instead. With --output, the built-in file sink ("output") replaces every
// sink. Several replaced sources feeding one node become one edge, and one port feeding several
// replaced sinks writes each element once; distinct ports keep their edges (a router's `even` and
// `odd` sinks both reach the output). A flow with no source gets "input" feeding every stage that
// has no input; likewise "output" drains every stage with no output.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "torvyn/base/result.h"
#include "torvyn/config/config.h"
#include "torvyn/reactor/stage.h"

namespace torvyn::host {

inline constexpr const char* kInputNode = "input";
inline constexpr const char* kOutputNode = "output";

struct GraphNode {
  std::string id;
  reactor::Role role;
};

struct SplicedEdge {
  std::string from, from_port, to, to_port;
  // The Torvyn.toml edge it comes from (its queue depth and policy), or kAdded: an edge the splice
  // adds, with the flow's defaults.
  size_t decl = kAdded;
  static constexpr size_t kAdded = static_cast<size_t>(-1);
};

struct SplicedGraph {
  std::set<std::string> replaced;  // nodes whose stages are dropped
  std::vector<SplicedEdge> edges;  // in the order to add them
};

// `nodes`: every stage of the flow, including "input" / "output" when those options are given.
// Fails (with the message only; the caller names the flow) on an edge naming an unknown node.
Result<SplicedGraph> splice_io(const std::vector<GraphNode>& nodes, const std::vector<config::EdgeDecl>& edges, bool input,
                               bool output);

}  // namespace torvyn::host
