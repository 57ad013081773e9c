// The web dashboard's static files (src/observability/dashboard), compiled into the binary by
// embed_dashboard.cmake. Private to the layer: InspectionApi serves them at GET /.
#pragma once

#include <string_view>
#include <vector>

namespace torvyn::observability::detail {

struct DashboardAsset {
  std::string_view name;  // file name, e.g. "index.html"
  std::string_view body;
};

const std::vector<DashboardAsset>& dashboard_assets();

}  // namespace torvyn::observability::detail
