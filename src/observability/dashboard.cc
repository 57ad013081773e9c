// GET / of the inspection API: the web dashboard's static files, served from the binary with
// headers that keep the page to itself (no framing, no content sniffing, no script or style
// from anywhere but this origin, no Referer carrying the address away).
#include "dashboard.h"

#include "dashboard_assets.h"

namespace torvyn::observability::detail {
namespace {

std::string_view content_type_of(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

// The URL path of an asset: index.html is the root, the others sit beside it.
bool serves(const DashboardAsset& a, std::string_view path) {
  if (a.name == "index.html") return path == "/";
  return path.size() == a.name.size() + 1 && path.front() == '/' && path.substr(1) == a.name;
}

}  // namespace

const DashboardAsset* dashboard_asset(std::string_view path) {
  for (const DashboardAsset& a : dashboard_assets())
    if (serves(a, path)) return &a;
  return nullptr;
}

void add_page_security_headers(std::vector<std::pair<std::string, std::string>>& headers) {
  headers.emplace_back("Content-Security-Policy",
                       "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; "
                       "object-src 'none'");
  headers.emplace_back("X-Frame-Options", "DENY");
  headers.emplace_back("Referrer-Policy", "no-referrer");
  headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  headers.emplace_back("Cross-Origin-Resource-Policy", "same-origin");
}

ApiResponse dashboard_response(const DashboardAsset& asset) {
  ApiResponse r{200, std::string(content_type_of(asset.name)), std::string(asset.body), {}};
  add_page_security_headers(r.headers);
  return r;
}

}  // namespace torvyn::observability::detail
