// The manifest validator (validator.h): [flow.<name>] tables: nodes, NATS connector nodes, ports and
// edges.
#include "validator.h"

namespace torvyn::config::detail {

bool Validator::is_interface_name(std::string_view v) {
  // namespace:package/interface[@version]
  size_t colon = v.find(':'), slash = v.find('/');
  if (colon == std::string_view::npos || slash == std::string_view::npos || slash < colon) return false;
  std::string_view rest = v.substr(slash + 1);
  size_t at = rest.find('@');
  std::string_view iface = rest.substr(0, at);
  auto ident = [](std::string_view s) {
    if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
    for (char c : s)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
    return true;
  };
  return ident(v.substr(0, colon)) && ident(v.substr(colon + 1, slash - colon - 1)) && ident(iface) &&
         (at == std::string_view::npos || at + 1 < rest.size());
}

void Validator::read_flows(const Section& flows, std::vector<FlowDecl>& out) {
  if (!flows.t) return;
  std::vector<std::pair<const toml::node*, FlowDecl>> read;
  for (auto&& [k, v] : *flows.t) {
    const std::string key = join_key("flow", k.str());
    if (!v.is_table()) {
      error(ErrorCode::ConfigWrongType, &v, key, "`" + key + "` must be a table", "a table ([flow.<name>])",
            describe_found(v), "declare the flow as [flow." + std::string(k.str()) + "] with nodes and edges");
      continue;
    }
    read.emplace_back(&v, read_flow(sub(flows, k.str()), std::string(k.str())));
  }
  std::stable_sort(read.begin(), read.end(),
                   [](const auto& a, const auto& b) { return position(*a.first) < position(*b.first); });
  for (auto& [n, f] : read) out.push_back(std::move(f));
}

FlowDecl Validator::read_flow(const Section& s, std::string name) {
  FlowDecl f;
  f.name = std::move(name);
  f.where = cx_.where(s.t);
  if (auto v = get_string(s, "description")) f.description = *v;
  if (auto v = get_int(s, "default_queue_depth", 1, kMaxQueueDepth)) f.default_queue_depth = static_cast<uint32_t>(*v);
  if (auto v = get_enum<ErrorPolicy>(s, "error_policy", parse_error_policy)) f.error_policy = *v;
  if (auto v = get_int(s, "max_retries", 0, 10000)) f.max_retries = static_cast<uint32_t>(*v);
  if (auto v = get_duration(s, "retry_backoff_ms")) f.retry_backoff_ms = *v;
  if (auto v = get_duration(s, "invocation_timeout")) f.invocation_timeout_ms = *v;

  Section nodes = sub(s, "nodes");
  if (nodes.t) {
    std::vector<std::pair<const toml::node*, NodeDecl>> read;
    for (auto&& [k, v] : *nodes.t) {
      const std::string key = join_key(nodes.key, k.str());
      if (!v.is_table()) {
        error(ErrorCode::ConfigWrongType, &v, key, "`" + key + "` must be a table", describe(KeyDef{"", Kind::Table}),
              describe_found(v),
              "write the node as `nodes." + std::string(k.str()) + " = { component = \"...\" }`");
        continue;
      }
      read.emplace_back(&v, read_node(sub(nodes, k.str()), std::string(k.str())));
    }
    std::stable_sort(read.begin(), read.end(),
                     [](const auto& a, const auto& b) { return position(*a.first) < position(*b.first); });
    for (auto& [n, node] : read) f.nodes.push_back(std::move(node));
  }
  if (!s.get("nodes") || (nodes.t && nodes.t->empty())) {
    const toml::node* at = nodes.t ? static_cast<const toml::node*>(nodes.t) : s.t;
    error(ErrorCode::ConfigMissingKey, at, join_key(s.key, "nodes"), "flow `" + f.name + "` has no nodes",
          "at least one node: nodes.<id> = { component = \"...\" }", "no nodes",
          "add nodes, e.g. nodes.src = { component = \"my-source\" }");
  }

  table_array(s, "edges", "flow.*.edges[]", "{ from = { node = \"...\" }, to = { node = \"...\" } }",
              "write each edge as an inline table with `from` and `to`", [&](const Section& edge) {
                if (auto e = read_edge(edge, f)) f.edges.push_back(std::move(*e));
              });
  connector_roles(f);
  return f;
}

NodeDecl Validator::read_node(const Section& s, std::string id) {
  NodeDecl n;
  n.id = std::move(id);
  n.where = cx_.where(s.t);
  if (s.get("connector")) {
    if (auto v = get_choice(s, "connector")) n.connector = *v;
    if (s.get("component"))
      error(ErrorCode::ConnectorNodeInvalid, s.get("component"), join_key(s.key, "component"),
            "node `" + n.id + "` names both a `connector` and a `component`", "one of them", "both",
            "remove `component`: a connector node is run by the host itself");
    if (n.connector == "nats-jetstream") n.nats = read_nats(s);
    return n;
  }
  if (auto v = get_string(s, "component")) {
    if (v->empty())
      error(ErrorCode::ConfigInvalidValue, s.get("component"), join_key(s.key, "component"),
            "`" + join_key(s.key, "component") + "` is empty",
            "a [[component]] name, \"file://path.wasm\" or \"oci://registry/repo:tag\"", "\"\" (string)",
            "name the component this node runs");
    n.component = *v;
    component_at_[join_key(s.key, "component")] = s.get("component");  // checked in cross_checks
  } else if (!s.get("component")) {
    missing(s, s.t, "component", "",
            "add `component = \"<name>\"` naming a [[component]], or a \"file://...\" / \"oci://...\" reference");
  }
  if (auto v = get_string(s, "interface")) {
    if (!v->empty() && !is_interface_name(*v))
      error(ErrorCode::ConfigInvalidValue, s.get("interface"), join_key(s.key, "interface"),
            "`" + join_key(s.key, "interface") + "` is not an interface name",
            "namespace:package/interface, e.g. \"torvyn:streaming/processor\"", describe_found(*s.get("interface")),
            "write the full interface name, e.g. \"torvyn:streaming/processor\"");
    n.interface = *v;
  }
  if (auto v = get_json(s, "config")) n.config = *v;
  if (auto v = get_int(s, "fuel_budget", 1, kI64Max)) n.fuel_budget = static_cast<uint64_t>(*v);
  if (auto v = get_size(s, "max_memory", kWasmPage, kMaxWasm32Memory)) n.max_memory = *v;
  if (auto v = get_size(s, "max_buffer_bytes", kSmallBuffer, kMaxBufferBudget, /*zero_ok=*/true)) n.max_buffer_bytes = *v;
  if (auto v = get_int(s, "priority", -1000, 1000)) n.priority = static_cast<int>(*v);
  return n;
}

NatsConnectorConfig Validator::read_nats(const Section& node) {
  NatsConnectorConfig c;
  const std::string key = join_key(node.key, "config");
  const toml::node* at = node.get("config");
  if (!at) {
    error(ErrorCode::ConnectorConfigInvalid, node.t, key, "connector node `" + key.substr(0, key.size() - 7) + "` has no `config`",
          "config = { url = \"nats://host:4222\", stream = \"...\", ... }", "nothing",
          "a source needs stream and durable, a sink needs subject: config = { url = \"nats://127.0.0.1:4222\", "
          "stream = \"ORDERS\", durable = \"torvyn\" }");
    return c;
  }
  if (!at->is_table()) {
    error(ErrorCode::ConnectorConfigInvalid, at, key, "`" + key + "` of a connector node must be a table", "a TOML table",
          describe_found(*at), "write it as config = { url = \"nats://127.0.0.1:4222\", stream = \"...\" }");
    return c;
  }
  Section cs{at->as_table(), key, find_section("flow.*.nodes.*.nats-jetstream")};
  check_keys(cs);
  if (auto v = get_string(cs, "url")) {
    c.url = *v;
    if (!nats_url_ok(c.url))
      error(ErrorCode::NatsBadUrl, cs.get("url"), join_key(key, "url"), "`" + join_key(key, "url") + "` is not a NATS URL",
            "nats://host:port (or a comma-separated list of them)", describe_found(*cs.get("url")),
            "write it as \"nats://127.0.0.1:4222\"");
  }
  auto name = [&](std::string_view k, std::string& out, bool subject) {
    auto v = get_string(cs, k);
    if (!v) return;
    out = *v;
    // Stream and consumer names may not hold spaces, dots or wildcards; subjects may not hold spaces.
    const bool bad = v->empty() || v->find_first_of(subject ? " \t\r\n" : " \t\r\n.*>/\\") != std::string::npos;
    if (bad)
      error(ErrorCode::ConnectorConfigInvalid, cs.get(k), join_key(key, k), "`" + join_key(key, k) + "` is not a valid " +
            std::string(subject ? "subject" : "name"),
            subject ? "a subject such as \"orders.new\" (no spaces)" : "a name without spaces, dots, wildcards or slashes",
            describe_found(*cs.get(k)), subject ? "remove the spaces" : "use letters, digits, '-' and '_'");
  };
  name("stream", c.stream, false);
  name("durable", c.durable, false);
  name("subject", c.subject, true);
  if (auto v = get_int(cs, "batch", 1, 4096)) c.batch = static_cast<uint32_t>(*v);
  if (auto v = get_duration(cs, "ack_wait", 1)) c.ack_wait_ms = *v;
  if (auto v = get_duration(cs, "timeout", 1)) c.timeout_ms = *v;
  if (auto v = get_string(cs, "content_type")) c.content_type = *v;
  nats_at_[node.key] = at;
  return c;
}

bool Validator::nats_url_ok(std::string_view urls) {
  size_t start = 0;
  while (start <= urls.size()) {
    size_t comma = urls.find(',', start);
    std::string_view u = urls.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!u.empty() && u.front() == ' ') u.remove_prefix(1);
    while (!u.empty() && u.back() == ' ') u.remove_suffix(1);
    size_t scheme = u.find("://");
    if (scheme == std::string_view::npos) return false;
    std::string_view sch = u.substr(0, scheme), rest = u.substr(scheme + 3);
    if (sch != "nats" && sch != "tls") return false;
    if (size_t at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
    if (rest.empty() || rest.find_first_of(" /?#") != std::string_view::npos) return false;
    if (size_t colon = rest.rfind(':'); colon != std::string_view::npos && rest.back() != ']') {
      std::string_view port = rest.substr(colon + 1);
      if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) return false;
      if (std::stoul(std::string(port)) > 65535 || colon == 0) return false;
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return true;
}

void Validator::connector_roles(FlowDecl& f) {
  for (NodeDecl& n : f.nodes) {
    if (n.connector.empty()) continue;
    bool in = false, out = false;
    for (const EdgeDecl& e : f.edges) {
      in = in || e.to.node == n.id;
      out = out || e.from.node == n.id;
    }
    const std::string key = "flow." + f.name + ".nodes." + n.id;
    if (in == out) {
      Diagnostic& d = cx_.report(ErrorCode::ConnectorNodeInvalid, Severity::Error, n.where, key,
                                 "connector node `" + n.id + "` has " + (in ? "both incoming and outgoing edges" : "no edges") +
                                     ", so it is neither a source nor a sink");
      d.expected = "outgoing edges only (a source) or incoming edges only (a sink)";
      d.found = in ? "edges into and out of it" : "no edge";
      d.help = "use one connector node to read and another to write, each connected on one side";
      continue;
    }
    n.connector_role = out ? ConnectorRole::Source : ConnectorRole::Sink;
    if (!n.nats) continue;
    auto it = nats_at_.find(key);
    const toml::node* at = it != nats_at_.end() ? it->second : nullptr;
    auto need = [&](const std::string& value, std::string_view k, const std::string& why) {
      if (!value.empty() || !at) return;
      Diagnostic& d = cx_.report(ErrorCode::ConnectorConfigInvalid, Severity::Error, cx_.where(at), key + ".config." + std::string(k),
                                 "missing required key `" + key + ".config." + std::string(k) + "`: " + why);
      d.expected = "a string";
      d.found = "nothing";
      d.help = "add `" + std::string(k) + " = \"...\"` to the node's config";
    };
    if (n.connector_role == ConnectorRole::Source) {
      need(n.nats->stream, "stream", "a nats-jetstream source reads a stream");
      need(n.nats->durable, "durable", "a nats-jetstream source reads through a durable consumer every instance shares");
    } else {
      need(n.nats->subject, "subject", "a nats-jetstream sink publishes to a subject");
    }
  }
}

std::optional<PortRef> Validator::read_port(const Section& edge, std::string_view name, const FlowDecl& f) {
  const toml::node* n = edge.get(name);
  const std::string key = join_key(edge.key, name);
  if (!n) {
    missing(edge, edge.t, name, "", "add `" + std::string(name) + " = { node = \"<node id>\" }` to the edge");
    return std::nullopt;
  }
  PortRef p;
  const toml::node* node_at = n;
  if (n->is_string()) {  // shorthand: "node" or "node:port"
    const std::string& v = n->as_string()->get();
    size_t colon = v.find(':');
    p.node = v.substr(0, colon);
    if (colon != std::string::npos) p.port = v.substr(colon + 1);
  } else if (n->is_table()) {
    Section s = sub(edge, name);
    if (auto v = get_string(s, "node")) p.node = *v;
    else if (!s.get("node")) {
      missing(s, n, "node", "", "name the node: `" + std::string(name) + " = { node = \"<node id>\" }`");
      return std::nullopt;
    } else {
      return std::nullopt;
    }
    node_at = s.get("node");
    if (auto v = get_string(s, "port")) p.port = *v;
  } else {
    wrong_type(edge, name, *n);
    return std::nullopt;
  }
  if (!f.find_node(p.node)) {
    std::vector<std::string> ids;
    for (const auto& nd : f.nodes) ids.push_back(nd.id);
    std::string help;
    if (auto sug = suggest(p.node, ids)) help = "did you mean `" + *sug + "`?";
    else help = "declare it as nodes." + (p.node.empty() ? std::string("<id>") : p.node) + " in [flow." + f.name + "]";
    error(ErrorCode::ConfigUnknownReference, node_at, n->is_table() ? key + ".node" : key,
          "edge refers to node `" + p.node + "`, which flow `" + f.name + "` does not declare",
          "one of the flow's node ids", "\"" + p.node + "\"", help);
    return std::nullopt;
  }
  return p;
}

std::optional<EdgeDecl> Validator::read_edge(const Section& s, const FlowDecl& f) {
  check_keys(s);
  EdgeDecl e;
  e.where = cx_.where(s.t);
  auto from = read_port(s, "from", f);
  auto to = read_port(s, "to", f);
  if (auto v = get_int(s, "queue_depth", 1, kMaxQueueDepth)) e.queue_depth = static_cast<uint32_t>(*v);
  if (auto v = get_enum<BackpressurePolicy>(s, "backpressure_policy", parse_backpressure_policy))
    e.backpressure_policy = *v;
  if (!from || !to) return std::nullopt;
  e.from = *from;
  e.to = *to;
  return e;
}

}  // namespace torvyn::config::detail
