#include "torvyn/contracts/capabilities.h"

#include <algorithm>

#include "suggest.h"

namespace torvyn::contracts {

namespace {

std::string_view unversioned(std::string_view s) { return s.substr(0, s.find('@')); }
std::string tick(std::string_view s) { return "`" + std::string(s) + "`"; }

struct Gated {
  std::string_view prefix;  // an interface id, or a package followed by '/'
  std::string_view capability;
  bool fails_without;
  std::string_view without;
};

constexpr std::string_view kAlways[] = {
    "wasi:io/error",        "wasi:io/poll",          "wasi:io/streams",        "wasi:clocks/wall-clock",
    "wasi:clocks/monotonic-clock", "wasi:cli/stdin", "wasi:cli/stdout",        "wasi:cli/stderr",
    "wasi:cli/exit",        "wasi:cli/terminal-input", "wasi:cli/terminal-output", "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout", "wasi:cli/terminal-stderr",
};

constexpr Gated kGated[] = {
    {"wasi:cli/environment", "wasi:cli/environment", false, "an empty environment and no arguments"},
    {"wasi:random/random", "wasi:random", true, "a trap (E0700) on every call"},
    {"wasi:random/insecure", "wasi:random", true, "a trap (E0700) on every call"},
    {"wasi:random/insecure-seed", "wasi:random", true, "a trap (E0700) on every call"},
    {"wasi:filesystem/types", "wasi:filesystem", true, "no preopened directories, so no files"},
    {"wasi:filesystem/preopens", "wasi:filesystem", true, "no preopened directories, so no files"},
};

}  // namespace

ImportClass classify_import(std::string_view interface_id) {
  std::string_view id = unversioned(interface_id);
  ImportClass c;
  if (id.rfind("torvyn:", 0) == 0) {
    c.kind = ImportClass::Kind::Torvyn;
    return c;
  }
  if (std::find(std::begin(kAlways), std::end(kAlways), id) != std::end(kAlways)) {
    c.kind = ImportClass::Kind::Always;
    return c;
  }
  for (const Gated& g : kGated)
    if (id == g.prefix) {
      c.kind = ImportClass::Kind::Gated;
      c.capability = std::string(g.capability);
      c.fails_without = g.fails_without;
      c.without = std::string(g.without);
      return c;
    }
  c.kind = ImportClass::Kind::Unavailable;
  return c;
}

const std::vector<std::string>& known_capabilities() {
  static const std::vector<std::string> caps = {"wasi:cli/environment", "wasi:random", "wasi:filesystem"};
  return caps;
}

bool grant_covers(const std::vector<std::string>& grants, std::string_view capability) {
  for (const std::string& g : grants) {
    if (g == capability) return true;
    if (capability.size() > g.size() && capability.compare(0, g.size(), g) == 0 && capability[g.size()] == '/') return true;
  }
  return false;
}

std::vector<Finding> check_imports(const std::vector<std::string>& imports, const CapabilityPolicy& policy, std::string_view component) {
  std::vector<Finding> out;
  std::vector<std::string> reported;  // one finding per capability
  for (const std::string& name : imports) {
    ImportClass c = classify_import(name);
    switch (c.kind) {
      case ImportClass::Kind::Torvyn:
      case ImportClass::Kind::Always: break;
      case ImportClass::Kind::Unavailable: {
        Finding f;
        f.code = ErrorCode::CapabilityUnavailable;
        f.message = "component " + tick(component) + " imports " + tick(name) + ", which this host does not provide";
        f.help = unversioned(name).rfind("wasi:", 0) == 0
                     ? "the host provides wasi:io, wasi:clocks, wasi:cli, wasi:random and wasi:filesystem; rebuild the "
                       "component without this interface"
                     : "remove the import: a component can only import the Torvyn contracts and the WASI interfaces the "
                       "host provides";
        f.notes.push_back("the component will not instantiate");
        out.push_back(std::move(f));
        break;
      }
      case ImportClass::Kind::Gated: {
        if (!policy.deny_all || grant_covers(policy.grants, c.capability)) break;
        if (std::find(reported.begin(), reported.end(), c.capability) != reported.end()) break;
        reported.push_back(c.capability);
        Finding f;
        f.code = ErrorCode::CapabilityNotGranted;
        f.severity = c.fails_without ? Severity::Error : Severity::Warning;
        f.message = "component " + tick(component) + " imports " + tick(name) + " but is not granted " + tick(c.capability);
        f.notes.push_back("under deny-all it gets " + c.without);
        f.help = "grant it: [" + policy.grant_key + "] capabilities = [\"" + c.capability + "\"]";
        out.push_back(std::move(f));
        break;
      }
    }
  }
  return out;
}

std::vector<Finding> check_grants(const std::vector<std::string>& grants, const std::vector<std::string>* imports, std::string_view grant_key) {
  std::vector<Finding> out;
  const auto& known = known_capabilities();
  for (const std::string& g : grants) {
    bool is_known = false;
    for (const std::string& k : known)
      if (grant_covers({g}, k)) is_known = true;
    if (!is_known) {
      Finding f;
      f.code = ErrorCode::CapabilityGrantUnused;
      f.severity = Severity::Warning;
      f.message = "[" + std::string(grant_key) + "] grants " + tick(g) + ", which is not a capability this host knows";
      if (auto s = detail::suggest(g, known)) f.help = "did you mean " + tick(*s) + "?";
      else f.help = "known capabilities: wasi:cli/environment, wasi:random, wasi:filesystem";
      out.push_back(std::move(f));
      continue;
    }
    if (!imports) continue;
    bool used = false;
    for (const std::string& i : *imports) {
      ImportClass c = classify_import(i);
      if (c.kind == ImportClass::Kind::Gated && grant_covers({g}, c.capability)) used = true;
    }
    if (!used) {
      Finding f;
      f.code = ErrorCode::CapabilityGrantUnused;
      f.severity = Severity::Warning;
      f.message = "[" + std::string(grant_key) + "] grants " + tick(g) + ", but the component imports nothing that needs it";
      f.help = "remove the grant (least privilege: an unused grant only widens what a compromised component could do)";
      out.push_back(std::move(f));
    }
  }
  return out;
}

std::vector<std::string> imported_interfaces(const wit::World& world) {
  std::vector<std::string> out;
  for (const wit::WorldItem& i : world.imports)
    if (i.kind == wit::WorldItemKind::Interface && i.interface && !i.interface->name.empty())
      out.push_back(i.interface->id());
  return out;
}

}  // namespace torvyn::contracts
