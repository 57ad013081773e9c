// GET / (the web dashboard) on the inspection API: the embedded files, their security headers,
// and the one exception to the token rule (the static files, nothing else).
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "fake_source.h"
#include "torvyn/observability/inspection_api.h"
#include "torvyn/observability/inspection_server.h"

namespace torvyn::observability {
namespace {

using testing::FakeSource;

std::string header(const ApiResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

TEST(Dashboard, RootServesTheEmbeddedPageWithSecurityHeaders) {
  auto src = FakeSource::pipeline();
  InspectionApi api(*src, {});
  ApiResponse page = api.handle("GET", "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<script src=\"/dashboard.js\""), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("/dashboard.css"), std::string::npos);
  // Nothing from elsewhere: no absolute URLs to load, no inline script or style.
  EXPECT_EQ(page.body.find("http://"), std::string::npos);
  EXPECT_EQ(page.body.find("https://"), std::string::npos);
  EXPECT_EQ(page.body.find("<script>"), std::string::npos);
  EXPECT_EQ(page.body.find("style="), std::string::npos);
  std::string csp = header(page, "Content-Security-Policy");
  EXPECT_EQ(csp.rfind("default-src 'self';", 0), 0u) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(header(page, "X-Frame-Options"), "DENY");
  EXPECT_EQ(header(page, "Referrer-Policy"), "no-referrer");

  ApiResponse js = api.handle("GET", "/dashboard.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(js.body.find("Authorization"), std::string::npos);
  EXPECT_EQ(js.body.find("innerHTML"), std::string::npos) << "names are inserted as text only";
  ApiResponse css = api.handle("GET", "/dashboard.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
  EXPECT_EQ(api.handle("HEAD", "/").status, 200);
  EXPECT_EQ(api.handle("GET", "/dashboard.js/").status, 200);  // a trailing slash is ignored, as elsewhere
}

TEST(Dashboard, OnlyTheStaticFilesArePublic) {
  EXPECT_TRUE(InspectionApi::is_public("GET", "/"));
  EXPECT_TRUE(InspectionApi::is_public("HEAD", "/dashboard.js"));
  EXPECT_TRUE(InspectionApi::is_public("GET", "/dashboard.css"));
  EXPECT_FALSE(InspectionApi::is_public("POST", "/"));
  for (const char* path : {"/health", "/flows", "/flows/x", "/metrics", "/pools", "/components", "/index.html", "/nope",
                           "/dashboard.js/x", "/dashboard.css.map"})
    EXPECT_FALSE(InspectionApi::is_public("GET", path)) << path;
}

TEST(Dashboard, OverTcpThePageNeedsNoTokenButItsDataDoes) {
  auto src = FakeSource::pipeline();
  InspectionServer server(*src, {.tcp_address = "127.0.0.1:0", .token = "dash-token"});
  Status s = server.start();
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  httplib::Client cli("127.0.0.1", server.tcp_port());
  auto page = cli.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(page->get_header_value("Content-Security-Policy").rfind("default-src 'self'", 0), 0u);
  auto js = cli.Get("/dashboard.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  // The data: 401 without the token, even with the token in a query string (never read there).
  for (const char* path : {"/flows", "/health", "/flows?token=dash-token", "/?x=1&token=dash-token#y"}) {
    auto r = cli.Get(path);
    ASSERT_TRUE(r) << path;
    if (std::string(path).rfind("/?", 0) == 0) {
      EXPECT_EQ(r->status, 200) << path;  // still just the page
      EXPECT_EQ(r->body.find("ingest"), std::string::npos) << "the page carries no data";
    } else {
      EXPECT_EQ(r->status, 401) << path;
    }
  }
  auto post = cli.Post("/", "", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 401);
  auto flows = cli.Get("/flows", {{"Authorization", "Bearer dash-token"}});
  ASSERT_TRUE(flows);
  EXPECT_EQ(flows->status, 200);
  EXPECT_EQ(flows->get_header_value("X-Content-Type-Options"), "nosniff");
}

}  // namespace
}  // namespace torvyn::observability
