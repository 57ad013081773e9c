// torvyn link: each flow's topology, each node's component against its role, each edge's two ends.
#include <algorithm>
#include <functional>
#include <set>

#include "project_util.h"
#include "suggest.h"
#include "torvyn/contracts/capabilities.h"
#include "torvyn/contracts/contracts.h"

namespace torvyn::contracts {

namespace fs = std::filesystem;
using detail::from_finding;
using detail::make_diag;

namespace {

std::string tick(std::string_view s) { return "`" + std::string(s) + "`"; }

std::string role_interface_list() {
  std::string s;
  for (const RoleInfo& r : roles()) s += (s.empty() ? "" : ", ") + std::string(r.interface);
  return s;
}

std::string edge_text(const config::EdgeDecl& e) {
  auto end = [](const config::PortRef& p) { return p.node + (p.port.empty() ? "" : ":" + p.port); };
  return end(e.from) + " -> " + end(e.to);
}

class Linker {
 public:
  Linker(const config::Config& cfg, const std::string& text, const LinkOptions& o)
      : cfg_(cfg), opts_(o), text_(detail::manifest_file_name(cfg), text), cache_(o.check_core_modules) {}

  Report run() {
    report_.sources[text_.file()] = text_.text();
    std::vector<const config::FlowDecl*> flows;
    if (opts_.flows.empty()) {
      for (const auto& f : cfg_.flows) flows.push_back(&f);
    } else {
      std::vector<std::string> names;
      for (const auto& f : cfg_.flows) names.push_back(f.name);
      for (const auto& n : opts_.flows) {
        if (const config::FlowDecl* f = cfg_.find_flow(n)) {
          flows.push_back(f);
          continue;
        }
        SourceLocation at;
        at.file = "command line";  // as the config layer names --config overrides
        Diagnostic d = make_diag(ErrorCode::ConfigUnknownReference, Severity::Error, "no flow named " + tick(n) + " in the manifest", at,
                                 "", "--flow");
        d.expected = names.empty() ? "a flow, but the manifest declares none" : "one of the declared flows";
        d.found = "\"" + n + "\"";
        if (auto s = detail::suggest(n, names)) d.help = "did you mean " + tick(*s) + "?";
        else d.help = names.empty() ? "declare one with [flow.<name>]" : "declared flows: " + join(names);
        add(std::move(d));
      }
    }
    for (const config::FlowDecl* f : flows) flow(*f);
    detail::sort_by_location(report_.diagnostics);
    return std::move(report_);
  }

 private:
  struct Node {
    const config::NodeDecl* decl = nullptr;
    detail::ComponentRef ref;
    const ComponentWit* wit = nullptr;       // when built and readable
    const std::string* bytes = nullptr;      // its binary
    const wit::World* world = nullptr;       // the declared world (unbuilt [[component]]s)
    const RoleInfo* role = nullptr;
    std::vector<size_t> in, out;             // edge indices
  };

  const config::Config& cfg_;
  const LinkOptions& opts_;
  detail::ManifestText text_;
  Report report_;
  detail::ComponentCache cache_;
  std::set<fs::path> reported_files_;                  // unreadable / host-mismatched components, once each
  std::set<fs::path> stale_reported_;                  // built before their sources changed, once each
  std::optional<ProjectWit> project_wit_;

  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  }

  void add(Diagnostic d) { report_.diagnostics.push_back(std::move(d)); }

  const ProjectWit& project_wit() {
    if (!project_wit_) project_wit_ = parse_project_wit(cfg_.project_dir);
    return *project_wit_;
  }

  std::string node_key(const config::FlowDecl& f, const config::NodeDecl& n, std::string_view leaf = "") const {
    std::string k = "flow." + f.name + ".nodes." + n.id;
    if (!leaf.empty()) k += "." + std::string(leaf);
    return k;
  }

  SourceLocation node_value(const config::NodeDecl& n, std::string_view key) const { return text_.key_value(n.where, key); }

  // ---- nodes ----

  void load(const config::FlowDecl& f, Node& node) {
    const config::NodeDecl& n = *node.decl;
    if (!n.connector.empty()) return;  // a built-in connector: the host runs it, there is no component
    node.ref = detail::resolve_reference(cfg_, n.component, opts_.hooks);
    if (node.ref.oci) {
      add(make_diag(ErrorCode::ContractComponentNotBuilt, Severity::Note,
                    "node " + tick(n.id) + ": " + n.component + " is not checked (oci:// components are fetched at run time)",
                    node_value(n, "component"), "to check it, pull the component and refer to it with file://",
                    node_key(f, n, "component")));
      return;
    }
    const auto& entry = cache_.get(node.ref.file);
    if (entry.exists && stale_reported_.insert(node.ref.file).second)
      if (auto stale = detail::stale_build(node.ref, node_value(n, "component"), node_key(f, n, "component"))) add(std::move(*stale));
    if (entry.wit) {
      node.wit = &*entry.wit;
      node.bytes = &entry.bytes;
    } else if (entry.exists && reported_files_.insert(node.ref.file).second) {
      Diagnostic d = make_diag(entry.error->code, Severity::Error, "component " + tick(node.ref.display) + " cannot be read: " + entry.error->message,
                               node_value(n, "component"), node.ref.prebuilt ? "check that it is a WebAssembly component" : "rebuild it with `torvyn build`",
                               node_key(f, n, "component"));
      d.notes.push_back("component file: " + node.ref.file.string());
      add(std::move(d));
    } else if (!entry.exists && node.ref.decl && !node.ref.prebuilt) {
      // Not built: judge it by its declared world.
      auto spec = opts_.hooks.world_of ? opts_.hooks.world_of(cfg_, *node.ref.decl) : default_hooks().world_of(cfg_, *node.ref.decl);
      if (spec) node.world = find_world(*spec, &project_wit()).world;
    } else if (!entry.exists && node.ref.prebuilt && reported_files_.insert(node.ref.file).second) {
      add(make_diag(ErrorCode::IoError, Severity::Error, "node " + tick(n.id) + ": no component file " + node.ref.file.string(),
                    node_value(n, "component"), "fix the path, or build the component", node_key(f, n, "component")));
    }
  }

  void role(const config::FlowDecl& f, Node& node) {
    const config::NodeDecl& n = *node.decl;
    if (!n.connector.empty()) {
      // Its role follows from its edges (the config loader checked they make it one).
      const Role want = n.connector_role == config::ConnectorRole::Source ? Role::Source : Role::Sink;
      if (n.connector_role != config::ConnectorRole::None)
        for (const RoleInfo& r : roles())
          if (r.role == want) node.role = &r;
      return;
    }
    std::optional<wit::Version> wanted;
    if (!n.interface.empty()) {
      SourceLocation at = node_value(n, "interface");
      node.role = role_of_interface(n.interface);
      if (!node.role) {
        Diagnostic d = make_diag(ErrorCode::ContractRoleMismatch, Severity::Error,
                                 "node " + tick(n.id) + ": " + tick(n.interface) + " is not a Torvyn role interface", at,
                                 "", node_key(f, n, "interface"));
        d.expected = "one of " + role_interface_list();
        d.found = "\"" + n.interface + "\"";
        std::vector<std::string> names;
        for (const RoleInfo& r : roles()) names.emplace_back(r.interface);
        std::string base = n.interface.substr(0, n.interface.find('@'));
        if (auto s = detail::suggest(base, names)) d.help = "did you mean " + tick(*s) + "?";
        else d.help = "name the role the node plays: its component must export that interface";
        add(std::move(d));
        return;
      }
      if (size_t at_sign = n.interface.find('@'); at_sign != std::string::npos) {
        std::string v = n.interface.substr(at_sign + 1);
        wanted = wit::Version::parse(v);
        if (!wanted) {
          Diagnostic d = make_diag(ErrorCode::ContractVersionMismatch, Severity::Error,
                                   "node " + tick(n.id) + ": " + tick(v) + " is not a version", at,
                                   "write a semantic version, e.g. \"" + std::string(node.role->interface) + "@0.1.0\", or leave it out",
                                   node_key(f, n, "interface"));
          d.notes.push_back(wit::Version::why_invalid(v));
          add(std::move(d));
        } else if (const wit::Interface* host = contract_interface(node.role->interface);
                   host && !versions_compatible(wanted, host->package->name.version)) {
          add(make_diag(ErrorCode::ContractVersionMismatch, Severity::Error,
                        "node " + tick(n.id) + " asks for " + tick(n.interface) + ", but this host implements " + tick(host->id()), at,
                        "use " + tick(host->id()) + " (or leave the version out) and build the component against it",
                        node_key(f, n, "interface")));
          wanted.reset();
        }
      }
    }
    if (node.wit) {
      std::vector<const RoleInfo*> exported = component_roles(*node.wit);
      if (node.role) {
        for (const Finding& fd : check_role_export(*node.wit, *node.role, wanted, node.ref.display))
          add(from_finding(fd, node_value(n, "interface"), node_key(f, n, "interface")));
      } else if (n.interface.empty()) {
        if (exported.size() == 1) {
          node.role = exported[0];
        } else if (exported.empty()) {
          Diagnostic d = make_diag(ErrorCode::ContractNoRoleExport, Severity::Error,
                                   "node " + tick(n.id) + ": component " + tick(node.ref.display) + " exports no Torvyn role interface",
                                   node_value(n, "component"), "build it for a Torvyn world, or use another component",
                                   node_key(f, n, "component"));
          d.expected = "an export of one of " + role_interface_list();
          add(std::move(d));
        } else {
          std::vector<std::string> names;
          for (const RoleInfo* r : exported) names.emplace_back(r->interface);
          add(make_diag(ErrorCode::LinkUnknownRole, Severity::Error,
                        "node " + tick(n.id) + ": component " + tick(node.ref.display) + " exports several roles (" + join(names) + ")",
                        n.where, "set the node's `interface` to the one it should play", node_key(f, n, "interface")));
        }
      }
      return;
    }
    if (node.world) {
      std::vector<const RoleInfo*> exported = exported_roles(*node.world);
      if (node.role) {
        if (std::find(exported.begin(), exported.end(), node.role) == exported.end())
          add(make_diag(ErrorCode::ContractRoleMismatch, Severity::Error,
                        "node " + tick(n.id) + " plays the " + std::string(node.role->name) + " role, but component " +
                            tick(node.ref.display) + " is built for world " + tick(node.world->id()) + ", which does not export " +
                            tick(node.role->interface),
                        node_value(n, "interface"),
                        "build the component for a world exporting " + tick(node.role->interface) + " (e.g. world = \"" +
                            std::string(node.role->world) + "\"), or fix the node's `interface`",
                        node_key(f, n, "interface")));
      } else if (exported.size() == 1) {
        node.role = exported[0];
      }
    }
    if (!node.role && n.interface.empty())
      add(make_diag(ErrorCode::LinkUnknownRole, Severity::Warning,
                    "cannot tell the role of node " + tick(n.id) + ", so its edges are not checked against it", n.where,
                    "give it an `interface` (e.g. \"torvyn:streaming/processor\"), or build its component", node_key(f, n, "interface")));
  }

  void capabilities(const config::FlowDecl& f, const Node& node) {
    const config::NodeDecl& n = *node.decl;
    std::vector<std::string> imports;
    if (node.wit) imports = imported_interfaces(*node.wit->world);
    else if (node.world) imports = imported_interfaces(*node.world);
    else return;
    // The host grants a node what its `component` reference is granted ([security.grants.<name>]).
    CapabilityPolicy policy;
    policy.deny_all = cfg_.security.default_capability_policy != "allow-all";
    std::string grant_name = node.ref.decl ? node.ref.decl->name : n.component;
    if (auto it = cfg_.security.grants.find(grant_name); it != cfg_.security.grants.end()) policy.grants = it->second;
    policy.grant_key = "security.grants." + detail::toml_key(grant_name);
    for (const Finding& fd : check_imports(imports, policy, node.ref.display)) {
      Diagnostic d = from_finding(fd, node_value(n, "component"), node_key(f, n, "component"));
      d.notes.insert(d.notes.begin(), "run by node " + tick(n.id) + " of flow " + tick(f.name));
      if (!node.ref.decl) d.notes.push_back("grants are looked up by the node's `component`; declare it as a [[component]] to grant it by name");
      add(std::move(d));
    }
    if (node.wit && reported_files_.insert(node.ref.file).second)
      for (const Finding& fd : conform_to_host(*node.wit, node.ref.display)) add(from_finding(fd, node_value(n, "component"), node_key(f, n, "component")));
  }

  // ---- the flow ----

  void flow(const config::FlowDecl& f) {
    std::vector<Node> nodes(f.nodes.size());
    std::map<std::string, size_t> index;
    std::vector<std::string> ids;
    for (size_t i = 0; i < f.nodes.size(); ++i) {
      nodes[i].decl = &f.nodes[i];
      index[f.nodes[i].id] = i;
      ids.push_back(f.nodes[i].id);
    }
    for (Node& n : nodes) {
      load(f, n);
      role(f, n);
      capabilities(f, n);
    }

    // Edges: unknown nodes, self-loops, duplicates.
    struct E {
      const config::EdgeDecl* decl;
      size_t from, to;
    };
    std::vector<E> edges;
    std::map<std::tuple<std::string, std::string, std::string, std::string>, const config::EdgeDecl*> seen;
    for (const config::EdgeDecl& e : f.edges) {
      bool ok = true;
      for (const config::PortRef* p : {&e.from, &e.to}) {
        if (index.count(p->node)) continue;
        ok = false;
        Diagnostic d = make_diag(ErrorCode::LinkUnknownNode, Severity::Error,
                                 "edge " + edge_text(e) + " refers to node " + tick(p->node) + ", which flow " + tick(f.name) + " does not declare",
                                 text_.word_on_line(e.where, "\"" + p->node + "\""), "", "flow." + f.name + ".edges");
        d.expected = "one of the flow's nodes: " + join(ids);
        d.found = "\"" + p->node + "\"";
        if (auto s = detail::suggest(p->node, ids)) d.help = "did you mean " + tick(*s) + "?";
        else d.help = "declare it as nodes." + p->node + " in [flow." + f.name + "]";
        add(std::move(d));
      }
      if (!ok) continue;
      size_t a = index[e.from.node], b = index[e.to.node];
      if (a == b) {
        add(make_diag(ErrorCode::LinkSelfLoop, Severity::Error, "node " + tick(e.from.node) + " is connected to itself", e.where,
                      "remove the edge; a component that needs to see its output again must keep that state itself",
                      "flow." + f.name + ".edges"));
        continue;
      }
      auto key = std::make_tuple(e.from.node, e.from.port, e.to.node, e.to.port);
      if (auto it = seen.find(key); it != seen.end()) {
        Diagnostic d = make_diag(ErrorCode::LinkDuplicateEdge, Severity::Warning, "edge " + edge_text(e) + " is declared twice", e.where,
                                 "remove one of them (every element would be delivered twice)", "flow." + f.name + ".edges");
        d.notes.push_back("first declared at " + it->second->where.file + ":" + std::to_string(it->second->where.line) + ":" +
                          std::to_string(it->second->where.column));
        add(std::move(d));
      } else {
        seen.emplace(key, &e);
      }
      nodes[a].out.push_back(edges.size());
      nodes[b].in.push_back(edges.size());
      edges.push_back({&e, a, b});
    }

    // Roles and edges.
    auto is = [&](const Node& n, Role r) { return n.role && n.role->role == r; };
    size_t sources = 0, sinks = 0;
    for (const Node& n : nodes) {
      sources += is(n, Role::Source);
      sinks += is(n, Role::Sink);
    }
    for (const E& e : edges) {
      const Node& a = nodes[e.from];
      const Node& b = nodes[e.to];
      if (is(b, Role::Source))
        add(make_diag(ErrorCode::LinkRoleEdges, Severity::Error,
                      "edge " + edge_text(*e.decl) + " goes into source " + tick(b.decl->id) + "; a source has no input", 
                      text_.word_on_line(text_.key_value(e.decl->where, "to"), "\"" + b.decl->id + "\""),
                      "remove the edge, or make " + tick(b.decl->id) + " a processor", "flow." + f.name + ".edges"));
      if (is(a, Role::Sink))
        add(make_diag(ErrorCode::LinkRoleEdges, Severity::Error,
                      "edge " + edge_text(*e.decl) + " leaves sink " + tick(a.decl->id) + "; a sink has no output",
                      text_.word_on_line(text_.key_value(e.decl->where, "from"), "\"" + a.decl->id + "\""),
                      "remove the edge, or make " + tick(a.decl->id) + " a processor", "flow." + f.name + ".edges"));
      // Ports: only a router's output ports mean anything to the runtime.
      if (is(a, Role::Router) && e.decl->from.port.empty())
        add(make_diag(ErrorCode::LinkPort, Severity::Warning,
                      "edge " + edge_text(*e.decl) + " leaves router " + tick(a.decl->id) + " without a port, so it never carries elements",
                      text_.key_value(e.decl->where, "from"),
                      "name the port the router's route() returns: from = { node = \"" + a.decl->id + "\", port = \"<name>\" }",
                      "flow." + f.name + ".edges"));
      // Where knowable: a port name a built router never mentions can only come from a name it
      // computes (from its config, the flow id, ...). A hint, not a verdict.
      if (is(a, Role::Router) && !e.decl->from.port.empty() && a.bytes && a.bytes->find(e.decl->from.port) == std::string::npos) {
        Diagnostic d = make_diag(ErrorCode::LinkPort, Severity::Note,
                                 "router " + tick(a.decl->id) + " never mentions port " + tick(e.decl->from.port) +
                                     ": the name is not in its component, so route() returns it only if it computes it",
                                 text_.word_on_line(e.decl->where, "\"" + e.decl->from.port + "\""),
                                 "check the port against the names the router's route() returns", "flow." + f.name + ".edges");
        d.notes.push_back("component: " + a.ref.display);
        add(std::move(d));
      }
      if (a.role && !is(a, Role::Router) && !e.decl->from.port.empty())
        add(make_diag(ErrorCode::LinkPort, Severity::Warning,
                      "edge " + edge_text(*e.decl) + ": port " + tick(e.decl->from.port) + " is ignored; only routers choose ports",
                      text_.word_on_line(e.decl->where, "\"" + e.decl->from.port + "\""),
                      "remove the port: " + std::string(a.role->name) + " " + tick(a.decl->id) + " sends every element on all its edges",
                      "flow." + f.name + ".edges"));
      if (!e.decl->to.port.empty())
        add(make_diag(ErrorCode::LinkPort, Severity::Warning,
                      "edge " + edge_text(*e.decl) + ": input port " + tick(e.decl->to.port) + " is ignored; components have one input",
                      text_.word_on_line(text_.key_value(e.decl->where, "to"), "\"" + e.decl->to.port + "\""),
                      "remove the port from `to`", "flow." + f.name + ".edges"));
    }
    for (const Node& n : nodes) {
      if (!n.role) continue;
      const std::string& id = n.decl->id;
      if (!is(n, Role::Source) && n.in.empty() && sources > 0)
        add(make_diag(ErrorCode::LinkRoleEdges, Severity::Error,
                      std::string(n.role->name) + " " + tick(id) + " has no incoming edge, so it never receives elements", n.decl->where,
                      "connect it: edges = [{ from = { node = \"<upstream>\" }, to = { node = \"" + id + "\" } }]",
                      node_key(f, *n.decl)));
      if (!is(n, Role::Sink) && n.out.empty() && sinks > 0)
        add(make_diag(ErrorCode::LinkRoleEdges, Severity::Error,
                      std::string(n.role->name) + " " + tick(id) + " has no outgoing edge, so what it produces goes nowhere", n.decl->where,
                      "connect it: edges = [{ from = { node = \"" + id + "\" }, to = { node = \"<downstream>\" } }]",
                      node_key(f, *n.decl)));
    }
    if (!f.nodes.empty() && sources == 0 && std::all_of(nodes.begin(), nodes.end(), [](const Node& n) { return n.role != nullptr; }))
      add(make_diag(ErrorCode::LinkRoleEdges, Severity::Warning, "flow " + tick(f.name) + " has no source, so it only runs with `torvyn run --input`",
                    f.where, "add a node whose interface is torvyn:streaming/source", "flow." + f.name));
    if (!f.nodes.empty() && sinks == 0 && std::all_of(nodes.begin(), nodes.end(), [](const Node& n) { return n.role != nullptr; }))
      add(make_diag(ErrorCode::LinkRoleEdges, Severity::Warning, "flow " + tick(f.name) + " has no sink, so it only runs with `torvyn run --output`",
                    f.where, "add a node whose interface is torvyn:streaming/sink", "flow." + f.name));

    std::set<size_t> on_cycle = cycles(f, nodes, edges.size(), [&](size_t i) { return edges[i]; });
    unreachable(f, nodes, edges, on_cycle, sources);

    // Interfaces across each edge, once per pair of component files.
    std::set<std::pair<fs::path, fs::path>> compared;
    for (const E& e : edges) {
      const Node& a = nodes[e.from];
      const Node& b = nodes[e.to];
      if (!a.wit || !b.wit || !compared.insert({a.ref.file, b.ref.file}).second) continue;
      for (const Finding& fd : compare_edge(*a.wit, a.decl->id, *b.wit, b.decl->id)) {
        Diagnostic d = from_finding(fd, e.decl->where, "flow." + f.name + ".edges");
        d.notes.insert(d.notes.begin(), "on edge " + edge_text(*e.decl) + ": " + tick(a.decl->id) + " runs " + a.ref.display + ", " +
                                            tick(b.decl->id) + " runs " + b.ref.display);
        add(std::move(d));
      }
    }
  }

  // Reports every cycle once (by its set of nodes) with its path; returns the nodes on cycles.
  template <typename EdgeAt>
  std::set<size_t> cycles(const config::FlowDecl& f, const std::vector<Node>& nodes, size_t edge_count, EdgeAt edge_at) {
    (void)edge_count;
    std::vector<int> color(nodes.size(), 0);  // 0 new, 1 on the stack, 2 done
    std::vector<size_t> stack;                // nodes on the DFS path
    std::set<std::set<size_t>> reported;
    std::set<size_t> on_cycle;
    std::function<void(size_t)> dfs = [&](size_t u) {
      color[u] = 1;
      stack.push_back(u);
      for (size_t ei : nodes[u].out) {
        auto e = edge_at(ei);
        size_t v = e.to;
        if (color[v] == 0) {
          dfs(v);
        } else if (color[v] == 1) {
          auto from = std::find(stack.begin(), stack.end(), v);
          std::set<size_t> members(from, stack.end());
          on_cycle.insert(members.begin(), members.end());
          if (!reported.insert(members).second) continue;
          std::string path;
          for (auto it = from; it != stack.end(); ++it) path += nodes[*it].decl->id + " -> ";
          path += nodes[v].decl->id;
          add(make_diag(ErrorCode::LinkCycle, Severity::Error, "flow " + tick(f.name) + " has a cycle: " + path, e.decl->where,
                        "remove one of its edges; a flow must be acyclic (a feedback loop would deadlock on its bounded queues)",
                        "flow." + f.name + ".edges"));
        }
      }
      stack.pop_back();
      color[u] = 2;
    };
    for (size_t i = 0; i < nodes.size(); ++i)
      if (color[i] == 0) dfs(i);
    return on_cycle;
  }

  template <typename Edges>
  void unreachable(const config::FlowDecl& f, const std::vector<Node>& nodes, const Edges& edges, const std::set<size_t>& on_cycle, size_t sources) {
    if (sources == 0) return;
    std::vector<bool> reached(nodes.size(), false);
    std::vector<size_t> work;
    for (size_t i = 0; i < nodes.size(); ++i)
      if (nodes[i].role && nodes[i].role->role == Role::Source) {
        reached[i] = true;
        work.push_back(i);
      }
    while (!work.empty()) {
      size_t u = work.back();
      work.pop_back();
      for (size_t ei : nodes[u].out) {
        size_t v = edges[ei].to;
        if (!reached[v]) {
          reached[v] = true;
          work.push_back(v);
        }
      }
    }
    for (size_t i = 0; i < nodes.size(); ++i) {
      // Nodes without inputs were reported above; nodes on a cycle with the cycle.
      if (reached[i] || nodes[i].in.empty() || on_cycle.count(i)) continue;
      std::vector<std::string> from;
      for (size_t ei : nodes[i].in) from.push_back(nodes[edges[ei].from].decl->id);
      Diagnostic d = make_diag(ErrorCode::LinkUnreachable, Severity::Warning,
                               "node " + tick(nodes[i].decl->id) + " is unreachable: no source feeds it", nodes[i].decl->where,
                               "connect its upstream nodes to a source", node_key(f, *nodes[i].decl));
      d.notes.push_back("its input comes from " + join(from));
      add(std::move(d));
    }
  }
};

}  // namespace

Report link_project(const config::Config& cfg, const std::string& manifest_text, const LinkOptions& options) {
  return Linker(cfg, manifest_text, options).run();
}

}  // namespace torvyn::contracts
