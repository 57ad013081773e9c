// Capabilities: names of host powers a component may be granted ("wasi:random",
// "wasi:cli/environment", "wasi:filesystem", ...). The policy is deny-all: a capability is usable
// only when it, or one of its ancestors ("wasi:cli" covers "wasi:cli/environment"), was granted.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <string_view>

namespace torvyn::security {

// Called when a component first uses a capability, once per outcome (granted or denied).
using AuditFn = std::function<void(std::string_view component, std::string_view capability, bool granted)>;

// True when `grants` holds `capability` itself or an ancestor of it at a '/' boundary.
bool grant_covers(const std::set<std::string, std::less<>>& grants, std::string_view capability);

// The grants of one component instance, with first-use auditing. Not thread-safe: one gate serves
// one component instance, which never runs on two threads at once.
class CapabilityGate {
 public:
  CapabilityGate(std::string component, std::set<std::string, std::less<>> grants, AuditFn audit);

  // Whether `capability` is granted. The first check of each (capability, outcome) pair is
  // reported to the audit function; repeats are not, so a guest cannot flood the audit log.
  bool check(std::string_view capability);
  // Like check, without auditing (for deciding what to show, e.g. in diagnostics).
  bool granted(std::string_view capability) const { return grant_covers(grants_, capability); }

  const std::string& component() const { return component_; }

 private:
  std::string component_;
  std::set<std::string, std::less<>> grants_;
  AuditFn audit_;
  std::set<std::string, std::less<>> reported_granted_, reported_denied_;
};

}  // namespace torvyn::security
