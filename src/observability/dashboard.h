// The inspection API's web dashboard (GET /, /dashboard.js, /dashboard.css), private to the
// layer. The files are the same constant bytes for every instance and carry no data: everything
// the page shows it fetches from the JSON endpoints with the bearer token the user gives it, so
// they are served without the token (a browser cannot attach one to a navigation); see
// README "Web dashboard".
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dashboard_assets.h"
#include "torvyn/observability/inspection_api.h"

namespace torvyn::observability::detail {

// The asset served at `path` (already without a trailing slash, except "/"), nullptr if none.
const DashboardAsset* dashboard_asset(std::string_view path);

ApiResponse dashboard_response(const DashboardAsset& asset);

// Content-Security-Policy default-src 'self' (and no framing, no base or form targets),
// X-Frame-Options DENY, Referrer-Policy no-referrer, and the cross-origin isolation pair.
void add_page_security_headers(std::vector<std::pair<std::string, std::string>>& headers);

}  // namespace torvyn::observability::detail
