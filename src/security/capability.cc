#include "torvyn/security/capability.h"

namespace torvyn::security {

bool grant_covers(const std::set<std::string, std::less<>>& grants, std::string_view capability) {
  if (capability.empty()) return false;
  if (grants.count(capability)) return true;
  // Ancestors: "wasi:cli/environment" -> "wasi:cli"; "wasi:cli" has none (a bare namespace such
  // as "wasi" is not an ancestor: granting all of WASI by one word would defeat deny-all).
  std::string_view c = capability;
  for (size_t slash = c.rfind('/'); slash != std::string_view::npos && slash > 0; slash = c.rfind('/')) {
    c = c.substr(0, slash);
    if (grants.count(c)) return true;
  }
  return false;
}

CapabilityGate::CapabilityGate(std::string component, std::set<std::string, std::less<>> grants, AuditFn audit)
    : component_(std::move(component)), grants_(std::move(grants)), audit_(std::move(audit)) {}

bool CapabilityGate::check(std::string_view capability) {
  bool ok = grant_covers(grants_, capability);
  auto& reported = ok ? reported_granted_ : reported_denied_;
  if (!reported.count(capability)) {
    reported.emplace(capability);
    if (audit_) {
      try {
        audit_(component_, capability, ok);
      } catch (...) {
        // An audit sink that throws must not turn into a guest trap or unwind through guest frames.
      }
    }
  }
  return ok;
}

}  // namespace torvyn::security
