#include "graph_splice.h"

#include <map>
#include <tuple>

namespace torvyn::host {

Result<SplicedGraph> splice_io(const std::vector<GraphNode>& nodes, const std::vector<config::EdgeDecl>& edges, bool input,
                               bool output) {
  SplicedGraph g;
  const std::string input_id = input ? kInputNode : "", output_id = output ? kOutputNode : "";
  for (const GraphNode& n : nodes) {
    if (input && n.role == reactor::Role::Source && n.id != input_id) g.replaced.insert(n.id);
    if (output && n.role == reactor::Role::Sink && n.id != output_id) g.replaced.insert(n.id);
  }
  std::map<std::string, reactor::Role> kept;  // sorted: the order the added edges are made in
  for (const GraphNode& n : nodes)
    if (!g.replaced.count(n.id)) kept.emplace(n.id, n.role);

  auto endpoint = [&](const std::string& id, bool from) -> std::string {
    if (g.replaced.count(id)) return from ? input_id : output_id;
    return id;
  };
  std::map<std::string, bool> has_input, has_output;
  std::set<std::tuple<std::string, std::string, std::string, std::string>> seen;
  for (size_t k = 0; k < edges.size(); ++k) {
    const config::EdgeDecl& e = edges[k];
    std::string from = endpoint(e.from.node, true), to = endpoint(e.to.node, false);
    if (!kept.count(from)) return Error(ErrorCode::FlowBuildFailed, "edge from unknown node `" + e.from.node + "`");
    if (!kept.count(to)) return Error(ErrorCode::FlowBuildFailed, "edge to unknown node `" + e.to.node + "`");
    std::string from_port = from == input_id ? "" : e.from.port, to_port = to == output_id ? "" : e.to.port;
    if ((from == input_id || to == output_id) && !seen.insert({from, from_port, to, to_port}).second) continue;
    g.edges.push_back({from, from_port, to, to_port, k});
    has_input[to] = true;
    has_output[from] = true;
  }
  if (input && !has_output[input_id])
    for (const auto& [id, role] : kept)
      if (id != input_id && id != output_id && !has_input[id] && role != reactor::Role::Source) {
        g.edges.push_back({input_id, "", id, "", SplicedEdge::kAdded});
        has_output[input_id] = true;
      }
  if (output && !has_input[output_id])
    for (const auto& [id, role] : kept)
      if (id != input_id && id != output_id && !has_output[id] && role != reactor::Role::Sink)
        g.edges.push_back({id, "", output_id, "", SplicedEdge::kAdded});
  return g;
}

}  // namespace torvyn::host
