// deploy/grafana/torvyn.json: the operator's guide's dashboard ("Recommended Grafana
// Dashboards": throughput, latency percentiles, backpressure, pool availability per tier,
// per-component processing time, system memory) plus flow state and component errors, templated
// by flow and component. The structure is checked as Grafana reads it; then a real Prometheus
// scrapes a live `torvyn run` of examples/backpressure-demo (inspection API on loopback TCP, with
// its bearer token) and loads deploy/prometheus/torvyn-alerts.yml: each template variable's
// label_values() query finds values, every panel query returns data for a concrete flow and
// component and for "All", and every alert rule evaluates without error.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "torvyn_test/process.h"
#include "torvyn_test/prometheus_server.h"

namespace torvyn::deploy_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

const fs::path kDashboard = fs::path(TORVYN_DEPLOY_DIR) / "grafana" / "torvyn.json";
const fs::path kRules = fs::path(TORVYN_DEPLOY_DIR) / "prometheus" / "torvyn-alerts.yml";

json load_dashboard() {
  json d = json::parse(test::read_file(kDashboard), nullptr, false);
  return d;
}

// Every target of every panel (rows' nested panels included): {panel title, expr}.
std::vector<std::pair<std::string, std::string>> dashboard_queries(const json& d) {
  std::vector<std::pair<std::string, std::string>> out;
  std::function<void(const json&)> walk = [&](const json& panels) {
    for (const json& p : panels) {
      if (p.contains("panels")) walk(p["panels"]);
      for (const json& t : p.value("targets", json::array())) out.emplace_back(p.value("title", ""), t.value("expr", ""));
    }
  };
  walk(d.value("panels", json::array()));
  return out;
}

// label_values(<selector>, <label>) of a query variable: {selector, label}.
std::optional<std::pair<std::string, std::string>> label_values(const json& var) {
  std::string q = var["query"].is_object() ? var["query"].value("query", "") : var.value("query", "");
  static const std::regex re(R"(^\s*label_values\((.+),\s*(\w+)\s*\)\s*$)");
  std::smatch m;
  if (!std::regex_match(q, m, re)) return std::nullopt;
  return std::make_pair(m[1].str(), m[2].str());
}

// What Grafana would send: the variables (`$name` and `${name}`) replaced by `values`, and
// $__rate_interval / $__interval by concrete windows for a 1 s scrape interval.
std::string substitute(std::string expr, const std::map<std::string, std::string>& values) {
  std::map<std::string, std::string> all = values;
  all["__rate_interval"] = "5s";
  all["__interval"] = "1s";
  // Longest names first, so $__rate_interval is not taken for $__rate followed by text.
  std::vector<std::pair<std::string, std::string>> ordered(all.begin(), all.end());
  std::sort(ordered.begin(), ordered.end(), [](auto& a, auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [name, value] : ordered)
    for (const std::string& pat : {"${" + name + "}", "$" + name})
      for (size_t at; (at = expr.find(pat)) != std::string::npos;) expr.replace(at, pat.size(), value);
  return expr;
}

TEST(Dashboard, IsAGrafanaDashboardWithTheGuidesPanels) {
  json d = load_dashboard();
  ASSERT_FALSE(d.is_discarded()) << kDashboard << " is not JSON";
  EXPECT_TRUE(d["schemaVersion"].is_number_integer());
  EXPECT_GE(d.value("schemaVersion", 0), 36);
  EXPECT_EQ(d.value("uid", ""), "torvyn-overview");
  EXPECT_FALSE(d.value("title", "").empty());
  EXPECT_TRUE(d["id"].is_null()) << "an importable dashboard carries no database id";

  // Exactly the guide's six panels, plus flow state and errors.
  std::vector<std::string> titles;
  std::set<int> ids;
  for (const json& p : d["panels"]) {
    titles.push_back(p.value("title", ""));
    ids.insert(p.value("id", 0));
    EXPECT_TRUE(p.contains("gridPos") && p["gridPos"].contains("w") && p["gridPos"].contains("h")) << p.value("title", "");
    EXPECT_EQ(p["datasource"].value("uid", ""), "${DS_PROMETHEUS}") << p.value("title", "");
    ASSERT_TRUE(p["targets"].is_array() && !p["targets"].empty()) << p.value("title", "");
    std::set<std::string> refs;
    for (const json& t : p["targets"]) {
      EXPECT_EQ(t["datasource"].value("uid", ""), "${DS_PROMETHEUS}") << p.value("title", "");
      EXPECT_FALSE(t.value("expr", "").empty()) << p.value("title", "");
      EXPECT_TRUE(refs.insert(t.value("refId", "")).second) << "duplicate refId in " << p.value("title", "");
    }
  }
  EXPECT_EQ(ids.size(), titles.size()) << "panel ids must be unique";
  EXPECT_EQ(titles, (std::vector<std::string>{"Flow state", "Throughput (flow.elements.total)",
                                              "Latency percentiles (flow.latency)",
                                              "Backpressure (stream.backpressure.duration_ns)",
                                              "Pool availability per tier (pool.available)",
                                              "Per-component processing time (component.processing_time)",
                                              "System memory (system.memory.total)", "Component errors (component.errors)"}));

  // Templated by data source, flow and component; flow and component from label_values().
  std::map<std::string, json> vars;
  for (const json& v : d["templating"]["list"]) vars[v.value("name", "")] = v;
  ASSERT_TRUE(vars.count("DS_PROMETHEUS") && vars.count("flow") && vars.count("component"));
  EXPECT_EQ(vars["DS_PROMETHEUS"].value("type", ""), "datasource");
  EXPECT_EQ(vars["DS_PROMETHEUS"].value("query", ""), "prometheus");
  for (const char* name : {"flow", "component"}) {
    const json& v = vars[name];
    EXPECT_EQ(v.value("type", ""), "query") << name;
    EXPECT_EQ(v["datasource"].value("uid", ""), "${DS_PROMETHEUS}") << name;
    auto lv = label_values(v);
    ASSERT_TRUE(lv) << name << " is not a label_values() query";
    EXPECT_EQ(lv->second, name);
    EXPECT_EQ(v.value("allValue", ""), ".*") << name << ": \"All\" must be a regex matching every value";
  }
  // Every query that can be narrowed down to a flow is: only process-wide metrics are not.
  for (const auto& [title, expr] : dashboard_queries(d)) {
    bool process_wide = expr.find("torvyn_pool_") != std::string::npos || expr.find("torvyn_system_") != std::string::npos;
    if (!process_wide) {
      EXPECT_NE(expr.find("flow=~\"$flow\""), std::string::npos) << title << ": " << expr;
    }
    if (expr.find("torvyn_component_") != std::string::npos) {
      EXPECT_NE(expr.find("component=~\"$component\""), std::string::npos) << title << ": " << expr;
    }
  }
}

// The inspection API over loopback TCP, as Prometheus scrapes it.
int api_status(int port, const std::string& token, const std::string& path) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(1);
  c.set_read_timeout(5);
  auto r = c.Get(path, httplib::Headers{{"Authorization", "Bearer " + token}});
  return r ? r->status : -1;
}

bool finite_value(const json& series) {
  if (!series.contains("value")) return false;
  double v = std::stod(series["value"][1].get<std::string>());
  return std::isfinite(v);
}

TEST(Dashboard, EveryQueryReturnsDataFromALiveRunAndEveryAlertEvaluates) {
  if (!test::PrometheusServer::installed()) GTEST_SKIP() << "prometheus is not installed (Debian package prometheus)";
  const std::string components = TORVYN_DEPLOY_COMPONENTS;
  if (components.empty()) GTEST_SKIP() << "the example's components were not built (clang-19, node, jco)";
  json dashboard = load_dashboard();
  ASSERT_FALSE(dashboard.is_discarded());

  // examples/backpressure-demo, its source made endless (count=500 would end the run in a
  // moment) and its components the ones CMake built from its sources; inspection API on TCP.
  test::TempDir tmp("torvyn-deploy");
  const fs::path project = tmp.path() / "backpressure-demo";
  fs::copy(fs::path(TORVYN_EXAMPLES_DIR) / "backpressure-demo", project, fs::copy_options::recursive);
  fs::remove_all(project / "target");
  fs::create_directories(project / "target" / "components");
  for (const char* c : {"firehose", "slow-sink"})
    fs::copy_file(fs::path(components) / (std::string(c) + ".wasm"), project / "target" / "components" / (std::string(c) + ".wasm"));
  std::string manifest = test::read_file(project / "Torvyn.toml");
  const std::string finite = "config = \"count=500\"";
  size_t at = manifest.find(finite);
  ASSERT_NE(at, std::string::npos) << "examples/backpressure-demo/Torvyn.toml changed: update this test";
  manifest.replace(at, finite.size(), "config = \"count=1000000000000\"");
  const int api_port = test::free_tcp_port();
  ASSERT_NE(api_port, 0);
  const std::string token = "tok-" + std::to_string(std::random_device{}());
  manifest += "\n[observability]\nmetrics_enabled = true\nprometheus_enabled = true\n\n[inspection]\ntcp = \"127.0.0.1:" +
              std::to_string(api_port) + "\"\ntoken = \"" + token + "\"\n";
  test::write_file(project / "Torvyn.toml", manifest);

  test::ProcOptions o;
  o.cwd = project;
  o.env = test::child_environment({{"TORVYN_STATE_DIR", (tmp.path() / "state").string()},
                                   {"XDG_CACHE_HOME", std::string(TORVYN_DEPLOY_CACHE_HOME)},
                                   {"XDG_CONFIG_HOME", (tmp.path() / ".config").string()}});
  test::Process run;
  ASSERT_TRUE(run.start(TORVYN_EXE, {"run"}, o));
  auto output = [&] { return "--- torvyn run stdout:\n" + run.stdout_so_far() + "--- stderr:\n" + run.stderr_so_far(); };
  // The first run compiles the components for the aot engine (cached in the build tree).
  auto deadline = std::chrono::steady_clock::now() + 120s;
  while (api_status(api_port, token, "/health") != 200) {
    ASSERT_TRUE(run.running()) << "torvyn run exited\n" << output();
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the inspection API did not answer\n" << output();
    std::this_thread::sleep_for(50ms);
  }

  test::PrometheusServer prom(tmp.path(), test::prometheus_config("torvyn", "127.0.0.1:" + std::to_string(api_port), token, "1s",
                                                                  {kRules.string()}));
  ASSERT_TRUE(prom.started());
  // A few scrapes (a rate over 5 s needs at least two samples), and the rules evaluated once.
  deadline = std::chrono::steady_clock::now() + 30s;
  json rules;
  for (;;) {
    ASSERT_TRUE(prom.alive()) << "prometheus exited:\n" << prom.log_text();
    ASSERT_TRUE(run.running()) << "torvyn run exited\n" << output();
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no scrapes after 30 s:\n" << prom.log_text();
    json scrapes = prom.query("count_over_time(up{job=\"torvyn\"}[1m])");
    json up = prom.query("up{job=\"torvyn\"}");
    test::PromReply r = prom.get("rules");
    bool evaluated = r.ok && !r.data["groups"].empty() && r.data["groups"][0].value("lastEvaluation", "").rfind("0001", 0) != 0;
    if (evaluated && scrapes.is_array() && !scrapes.empty() && std::stod(scrapes[0]["value"][1].get<std::string>()) >= 4 &&
        !up.empty() && up[0]["value"][1] == "1") {
      rules = r.data;
      break;
    }
    std::this_thread::sleep_for(250ms);
  }

  // Each variable's label_values() finds values; the chosen ones are what the panels get.
  std::map<std::string, std::vector<std::string>> values;
  std::map<std::string, std::string> chosen;
  for (const json& v : dashboard["templating"]["list"]) {
    auto lv = label_values(v);
    if (!lv) continue;
    const std::string selector = substitute(lv->first, chosen);  // $flow in component's query
    test::PromReply r = prom.get("series", {{"match[]", selector}});
    ASSERT_TRUE(r.ok) << v["name"] << ": " << selector << ": " << r.error;
    std::set<std::string> found;
    for (const json& s : r.data) found.insert(s.value(lv->second, ""));
    found.erase("");
    ASSERT_FALSE(found.empty()) << "variable " << v["name"] << " (" << selector << ") has no values";
    values[v["name"]] = {found.begin(), found.end()};
    chosen[v["name"]] = *found.begin();
  }
  EXPECT_EQ(values["flow"], std::vector<std::string>{"main"});
  EXPECT_EQ(values["component"], (std::vector<std::string>{"firehose", "slow-sink"}));

  // Every panel query, for each component of the flow and for "All" (the variables' allValue).
  std::vector<std::map<std::string, std::string>> selections;
  for (const std::string& c : values["component"]) selections.push_back({{"flow", values["flow"][0]}, {"component", c}});
  selections.push_back({{"flow", ".*"}, {"component", ".*"}});
  const auto queries = dashboard_queries(dashboard);
  ASSERT_GE(queries.size(), 8u);
  for (const auto& sel : selections)
    for (const auto& [title, expr] : queries) {
      const std::string q = substitute(expr, sel);
      EXPECT_EQ(q.find('$'), std::string::npos) << q;
      test::PromReply r = prom.get("query", {{"query", q}});
      ASSERT_TRUE(r.ok) << title << ": " << q << ": " << r.error;
      const json& result = r.data["result"];
      EXPECT_TRUE(result.is_array() && !result.empty()) << title << ": no series for " << q;
      bool any_finite = false;
      for (const json& s : result) any_finite |= finite_value(s);
      EXPECT_TRUE(any_finite) << title << ": only NaN/Inf for " << q << "\n" << result.dump();
    }

  // The alert rules Prometheus loaded: all six, evaluated without error, and each expression
  // also answers an instant query (empty or not: the healthy demo need not fire anything).
  std::set<std::string> names;
  for (const json& g : rules["groups"])
    for (const json& rule : g["rules"]) {
      const std::string name = rule.value("name", "");
      names.insert(name);
      EXPECT_EQ(rule.value("health", ""), "ok") << name << ": " << rule.value("lastError", "");
      test::PromReply r = prom.get("query", {{"query", rule.value("query", "")}});
      EXPECT_TRUE(r.ok) << name << ": " << rule.value("query", "") << ": " << r.error;
      // Every metric the rule reads is one this run exposes (a misspelt name would never fire).
      static const std::regex metric(R"(torvyn_[a-z_]+)");
      const std::string query = rule.value("query", "");
      for (auto it = std::sregex_iterator(query.begin(), query.end(), metric); it != std::sregex_iterator(); ++it) {
        test::PromReply s = prom.get("series", {{"match[]", it->str()}});
        EXPECT_TRUE(s.ok && !s.data.empty()) << name << ": no series named " << it->str();
      }
    }
  EXPECT_EQ(names.size(), 6u);
  EXPECT_FALSE(names.count("TorvynFlowFailed") && !prom.query("ALERTS{alertname=\"TorvynFlowFailed\"}").empty())
      << "a healthy run must not fire TorvynFlowFailed";

  run.signal(SIGTERM);
  test::ProcResult end = run.wait(30s);
  EXPECT_EQ(end.exit_code, 0) << end.out << end.err;
}

}  // namespace
}  // namespace torvyn::deploy_test
