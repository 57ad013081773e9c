// WWW-Authenticate challenges (RFC 7235 auth-params), as registries send them with a 401:
// `Basic realm="…"` or `Bearer realm="https://auth/token",service="…",scope="repository:a/b:pull"`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace torvyn::packaging {

// The scheme ("bearer", "basic": lower case) and its auth-params (names lower case, quoted values
// unescaped). nullopt when the header cannot be parsed.
struct AuthChallenge {
  std::string scheme;
  std::vector<std::pair<std::string, std::string>> params;
  std::string param(const std::string& name) const;  // "" when absent
};
std::optional<AuthChallenge> parse_auth_challenge(std::string_view header);

}  // namespace torvyn::packaging
