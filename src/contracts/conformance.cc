#include "torvyn/contracts/conformance.h"

#include <set>

namespace torvyn::contracts {

namespace {

constexpr size_t kMaxNotes = 12;  // changes listed per finding; the rest are counted

std::string unversioned_id(const wit::Interface* i) {
  if (!i || i->name.empty() || !i->package) return i ? i->name : "";
  return i->package->name.unversioned() + "/" + i->name;
}

std::optional<wit::Version> version_of(const wit::Interface* i) {
  if (!i || !i->package) return std::nullopt;
  return i->package->name.version;
}

std::string tick(std::string_view s) { return "`" + std::string(s) + "`"; }

// Keeps the breaking changes (others do not stop a component from working).
wit::CompatReport breaking_only(const wit::CompatReport& r) {
  wit::CompatReport out;
  for (const auto& c : r.changes)
    if (c.severity == wit::Compat::Breaking) {
      out.changes.push_back(c);
      out.overall = wit::Compat::Breaking;
    }
  return out;
}

void add_changes(Finding& f, const wit::CompatReport& r) {
  size_t n = 0;
  for (const auto& c : r.changes) {
    if (n++ == kMaxNotes) {
      f.notes.push_back("... and " + std::to_string(r.changes.size() - kMaxNotes) + " more");
      break;
    }
    f.notes.push_back(c.path + ": " + c.description);
  }
}

Finding finding(ErrorCode code, Severity sev, std::string message, std::string help = "") {
  Finding f;
  f.code = code;
  f.severity = sev;
  f.message = std::move(message);
  f.help = std::move(help);
  return f;
}

// The names (types and functions' qualified names) of an interface.
std::set<std::string> item_names(const wit::Interface& i) {
  std::set<std::string> out;
  for (const wit::TypeDef* t : i.types) out.insert(t->name);
  for (const wit::Function* f : i.functions) out.insert(f->qualified_name());
  return out;
}

const wit::WorldItem* find_by_id(const std::vector<wit::WorldItem>& items, const std::string& unversioned) {
  for (const auto& i : items)
    if (i.kind == wit::WorldItemKind::Interface && i.interface && unversioned_id(i.interface) == unversioned) return &i;
  return nullptr;
}

std::string describe_version_clash(const wit::Interface& a, const wit::Interface& b) {
  return tick(a.id()) + " and " + tick(b.id()) + " are incompatible versions (" +
         (version_of(&a) && version_of(&a)->major == 0 ? "for 0.x versions the minor version must match"
                                                        : "the major version must match") +
         ")";
}

// `used` (a component's import) against `offered` (the world's or host's interface).
void compare_import(std::vector<Finding>& out, const wit::Interface& used, const wit::Interface& offered, std::string_view component,
                    const std::string& against) {
  if (!versions_compatible(version_of(&used), version_of(&offered))) {
    Finding f = finding(ErrorCode::ContractVersionMismatch, Severity::Error,
                        "component " + tick(component) + " imports " + tick(used.id()) + ", but " + against + " provides " +
                            tick(offered.id()),
                        "rebuild the component against the " + version_text(version_of(&offered)) + " contracts (`torvyn build`)");
    f.notes.push_back(describe_version_clash(used, offered));
    out.push_back(std::move(f));
    return;
  }
  wit::CompatReport r = diff_used(used, offered);
  if (r.changes.empty()) return;
  Finding f = finding(ErrorCode::ContractWorldMismatch, Severity::Error,
                      "component " + tick(component) + " imports " + tick(used.id()) + " with types that differ from what " +
                          against + " provides",
                      "rebuild the component against the contracts " + against + " uses (`torvyn build`)");
  f.notes.push_back("changes from what the component was built against to what " + against + " provides:");
  add_changes(f, r);
  out.push_back(std::move(f));
}

// `contract` (the world's or role's interface) against `provided` (the component's export).
void compare_export(std::vector<Finding>& out, const wit::Interface& contract, const wit::Interface& provided, std::string_view component,
                    const std::string& expected_by) {
  if (!versions_compatible(version_of(&contract), version_of(&provided))) {
    Finding f = finding(ErrorCode::ContractVersionMismatch, Severity::Error,
                        "component " + tick(component) + " exports " + tick(provided.id()) + ", but " + expected_by + " expects " +
                            tick(contract.id()),
                        "rebuild the component against the " + version_text(version_of(&contract)) + " contracts (`torvyn build`)");
    f.notes.push_back(describe_version_clash(provided, contract));
    out.push_back(std::move(f));
    return;
  }
  wit::CompatReport r = diff_provided(contract, provided);
  if (r.changes.empty()) return;
  Finding f = finding(ErrorCode::ContractWorldMismatch, Severity::Error,
                      "component " + tick(component) + " exports " + tick(provided.id()) + " with a different type than " +
                          expected_by + " expects",
                      "implement the interface exactly as the contract declares it and rebuild (`torvyn build`)");
  f.notes.push_back("changes from what " + expected_by + " expects to what the component exports:");
  add_changes(f, r);
  out.push_back(std::move(f));
}

}  // namespace

wit::CompatReport diff_used(const wit::Interface& used, const wit::Interface& offered) {
  return breaking_only(wit::diff(used, offered));
}

wit::CompatReport diff_provided(const wit::Interface& contract, const wit::Interface& provided) {
  wit::CompatReport r = breaking_only(wit::diff(contract, provided));
  std::string prefix = unversioned_id(&contract) + ".";
  wit::CompatReport out;
  for (const auto& c : r.changes) {
    if (c.path.rfind(prefix, 0) == 0) {
      std::string rest = c.path.substr(prefix.size());
      const wit::TypeDef* t = contract.type(rest);
      if (t && t->from_use && !provided.type(rest)) continue;  // a `use`d type not re-exported
    }
    out.changes.push_back(c);
    out.overall = wit::Compat::Breaking;
  }
  return out;
}

std::vector<Finding> conform_to_world(const ComponentWit& c, const wit::World& world, std::string_view component) {
  std::vector<Finding> out;
  std::string wname = "world " + tick(world.id());
  for (const wit::WorldItem& e : world.exports) {
    if (e.kind != wit::WorldItemKind::Interface || !e.interface) continue;
    if (e.interface->name.empty()) continue;  // inline interfaces cannot be named by a component export
    const wit::WorldItem* got = find_by_id(c.world->exports, unversioned_id(e.interface));
    if (!got) {
      out.push_back(finding(ErrorCode::ContractWorldMismatch, Severity::Error,
                            "component " + tick(component) + " does not export " + tick(e.interface->id()) + ", which " + wname +
                                " requires",
                            "implement " + tick(e.interface->name) + " (with the SDK: the matching TORVYN_* macro) and rebuild, or "
                            "declare the world the component was built for"));
      continue;
    }
    compare_export(out, *e.interface, *got->interface, component, wname);
  }
  for (const wit::WorldItem& e : world.exports) {
    if (e.kind == wit::WorldItemKind::Function && !c.world->find_export(e.name))
      out.push_back(finding(ErrorCode::ContractWorldMismatch, Severity::Error,
                            "component " + tick(component) + " does not export function " + tick(e.name) + ", which " + wname +
                                " requires",
                            "implement the function and rebuild, or declare the world the component was built for"));
  }
  for (const wit::WorldItem& g : c.world->exports) {
    bool declared = g.kind == wit::WorldItemKind::Interface && g.interface
                        ? find_by_id(world.exports, unversioned_id(g.interface)) != nullptr
                        : world.find_export(g.name) != nullptr;
    // The batch form of a role the world exports (the SDK exports both forms): the host calls it,
    // so it is checked against the contract like the role itself.
    if (!declared && g.kind == wit::WorldItemKind::Interface && g.interface)
      if (const RoleInfo* r = role_of_batch_interface(unversioned_id(g.interface));
          r && find_by_id(world.exports, std::string(r->interface))) {
        if (const wit::Interface* contract = contract_interface(unversioned_id(g.interface)))
          compare_export(out, *contract, *g.interface, component, "the host");
        continue;
      }
    if (!declared)
      out.push_back(finding(ErrorCode::ContractWorldMismatch, Severity::Warning,
                            "component " + tick(component) + " exports " + tick(g.name) + ", which " + wname +
                                " does not declare (the host never calls it)",
                            "declare the world the component was built for in its `world` key"));
  }
  for (const wit::WorldItem& i : c.world->imports) {
    if (i.kind != wit::WorldItemKind::Interface || !i.interface || i.interface->name.empty()) continue;
    std::string id = unversioned_id(i.interface);
    const wit::WorldItem* offered = find_by_id(world.imports, id);
    if (!offered) {
      if (id.rfind("wasi:", 0) == 0) continue;  // capabilities (capabilities.h) decide about WASI
      if (host_provides(id)) {
        out.push_back(finding(ErrorCode::ContractWorldMismatch, Severity::Warning,
                              "component " + tick(component) + " imports " + tick(i.name) + ", which " + wname +
                                  " does not import (the host provides it anyway)",
                              "declare the world the component was built for in its `world` key"));
      }
      continue;  // interfaces the host lacks are reported by conform_to_host / the capability check
    }
    compare_import(out, *i.interface, *offered->interface, component, wname);
  }
  return out;
}

std::vector<Finding> conform_to_host(const ComponentWit& c, std::string_view component) {
  std::vector<Finding> out;
  for (const wit::WorldItem& i : c.world->imports) {
    if (i.kind != wit::WorldItemKind::Interface || !i.interface || i.interface->name.empty()) continue;
    std::string id = unversioned_id(i.interface);
    if (id.rfind("torvyn:", 0) != 0) continue;
    const wit::Interface* host = host_provides(id) ? contract_interface(id) : nullptr;
    if (!host) {
      out.push_back(finding(ErrorCode::CapabilityUnavailable, Severity::Error,
                            "component " + tick(component) + " imports " + tick(i.name) + ", which this host does not provide",
                            "the host provides torvyn:streaming/types and torvyn:streaming/buffer-allocator to every component; "
                            "remove the import"));
      continue;
    }
    compare_import(out, *i.interface, *host, component, "the host");
  }
  return out;
}

std::vector<Finding> check_role_export(const ComponentWit& c, const RoleInfo& role, const std::optional<wit::Version>& wanted,
                                       std::string_view component) {
  std::vector<Finding> out;
  const wit::WorldItem* got = find_by_id(c.world->exports, std::string(role.interface));
  if (!got) {
    std::string exported;
    for (const RoleInfo* r : component_roles(c)) exported += (exported.empty() ? "" : ", ") + tick(r->interface);
    Finding f = finding(ErrorCode::ContractRoleMismatch, Severity::Error,
                        "component " + tick(component) + " does not export " + tick(role.interface) + " (the " +
                            std::string(role.name) + " role)",
                        exported.empty() ? "build the component for a world that exports " + tick(role.interface) + " (e.g. " +
                                               tick(role.world) + ")"
                                         : "set the node's `interface` to what the component exports, or use another component");
    if (!exported.empty()) f.notes.push_back("it exports " + exported);
    out.push_back(std::move(f));
    return out;
  }
  if (wanted && !versions_compatible(wanted, version_of(got->interface))) {
    out.push_back(finding(ErrorCode::ContractVersionMismatch, Severity::Error,
                          "the node asks for " + tick(role.interface) + "@" + wanted->to_string() + ", but component " +
                              tick(component) + " exports " + tick(got->interface->id()),
                          "use the version the component was built for in the node's `interface`, or rebuild the component"));
    return out;
  }
  if (const wit::Interface* contract = contract_interface(role.interface))
    compare_export(out, *contract, *got->interface, component, "the host");
  // Its batch form, if exported: a mismatch would stop the host from binding the node.
  if (!role.batch_interface.empty())
    if (const wit::WorldItem* batch = find_by_id(c.world->exports, std::string(role.batch_interface)))
      if (const wit::Interface* contract = contract_interface(role.batch_interface))
        compare_export(out, *contract, *batch->interface, component, "the host");
  return out;
}

std::vector<const RoleInfo*> component_roles(const ComponentWit& c) {
  std::vector<const RoleInfo*> out;
  for (const wit::WorldItem& e : c.world->exports)
    if (e.kind == wit::WorldItemKind::Interface && e.interface && !e.interface->name.empty())
      if (const RoleInfo* r = role_of_interface(unversioned_id(e.interface))) out.push_back(r);
  return out;
}

std::optional<wit::Version> streaming_version(const ComponentWit& c) {
  if (const wit::WorldItem* t = find_by_id(c.world->imports, "torvyn:streaming/types")) return version_of(t->interface);
  for (const auto* items : {&c.world->imports, &c.world->exports})
    for (const wit::WorldItem& i : *items)
      if (i.interface && i.interface->package && i.interface->package->name.unversioned() == "torvyn:streaming")
        return version_of(i.interface);
  return std::nullopt;
}

std::vector<Finding> compare_edge(const ComponentWit& from, std::string_view from_name, const ComponentWit& to, std::string_view to_name) {
  std::vector<Finding> out;
  auto va = streaming_version(from), vb = streaming_version(to);
  if (!versions_compatible(va, vb)) {
    Finding f = finding(ErrorCode::ContractVersionMismatch, Severity::Error,
                        tick(from_name) + " uses torvyn:streaming@" + version_text(va) + " but " + tick(to_name) +
                            " uses torvyn:streaming@" + version_text(vb) + "; elements cannot cross this edge",
                        "rebuild both components against the same contract version (`torvyn build`)");
    f.notes.push_back(va && va->major == 0 ? "for 0.x versions the minor version must match" : "the major version must match");
    out.push_back(std::move(f));
    return out;
  }
  const wit::WorldItem* ta = find_by_id(from.world->imports, "torvyn:streaming/types");
  const wit::WorldItem* tb = find_by_id(to.world->imports, "torvyn:streaming/types");
  if (!ta || !tb) return out;
  wit::CompatReport r = wit::diff(*ta->interface, *tb->interface);
  std::set<std::string> na = item_names(*ta->interface), nb = item_names(*tb->interface);
  std::string prefix = unversioned_id(ta->interface) + ".";
  wit::CompatReport breaking, additions;
  for (const auto& c : r.changes) {
    if (c.severity == wit::Compat::Compatible) continue;
    if (c.path.rfind(prefix, 0) == 0) {
      std::string rest = c.path.substr(prefix.size());
      if (na.count(rest) != nb.count(rest)) continue;  // used by one end only
    }
    (c.severity == wit::Compat::Breaking ? breaking : additions).changes.push_back(c);
  }
  if (!breaking.changes.empty()) {
    Finding f = finding(ErrorCode::LinkIncompatible, Severity::Error,
                        tick(from_name) + " and " + tick(to_name) + " disagree on torvyn:streaming/types",
                        "rebuild both components against the same contracts (`torvyn build`)");
    f.notes.push_back("changes from " + tick(from_name) + "'s view to " + tick(to_name) + "'s:");
    add_changes(f, breaking);
    out.push_back(std::move(f));
  }
  if (!additions.changes.empty()) {
    Finding f = finding(ErrorCode::LinkIncompatible, Severity::Warning,
                        tick(to_name) + " sees additions to torvyn:streaming/types that " + tick(from_name) + " does not",
                        "rebuild both components against the same contracts (`torvyn build`)");
    add_changes(f, additions);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace torvyn::contracts
