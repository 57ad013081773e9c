// deploy/prometheus/torvyn-alerts.yml: one alert per check of the operator's guide's runbook.
// promtool (Debian package prometheus) validates the rules and runs their unit tests
// (torvyn-alerts.test.yml); these tests also make sure the unit tests cover every alert both ways:
// each alert has a case where it fires and one where it must stay quiet, and an alert whose
// expression never fires makes `promtool test rules` fail.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "torvyn_test/process.h"
#include "torvyn_test/promtool.h"

namespace torvyn::deploy_test {
namespace {

namespace fs = std::filesystem;
const fs::path kRules = fs::path(TORVYN_DEPLOY_DIR) / "prometheus" / "torvyn-alerts.yml";
const fs::path kRuleTests = fs::path(TORVYN_DEPLOY_DIR) / "prometheus" / "torvyn-alerts.test.yml";

test::ProcResult promtool(const std::vector<std::string>& args, const fs::path& cwd) {
  test::ProcOptions o;
  o.cwd = cwd;
  o.env = test::child_environment({});
  o.timeout = std::chrono::seconds(60);
  return test::run(test::kPromtool, args, o);
}

struct Rule {
  std::string alert, expr;
  std::map<std::string, std::string> annotations;  // the single-line ones
};

// The rules of the file, read line by line (each `expr:` and annotation of ours is one line, or a
// folded `>-` block whose text is not needed here).
std::vector<Rule> read_rules(const std::string& text) {
  std::vector<Rule> rules;
  static const std::regex alert(R"(^\s*- alert:\s*(\S+)\s*$)"), expr(R"(^\s*expr:\s*(.+?)\s*$)"),
      annotation(R"(^\s*(summary|runbook):\s*\"(.*)\"\s*$)");
  std::istringstream in(text);
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_match(line, m, alert)) rules.push_back({m[1], "", {}});
    else if (!rules.empty() && std::regex_match(line, m, expr)) rules.back().expr = m[1];
    else if (!rules.empty() && std::regex_match(line, m, annotation)) rules.back().annotations[m[1]] = m[2];
  }
  return rules;
}

bool have_promtool() { return ::access(test::kPromtool, X_OK) == 0; }

TEST(AlertRules, PromtoolCheckRulesPasses) {
  if (!have_promtool()) GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  test::ProcResult r = promtool({"check", "rules", kRules.string()}, kRules.parent_path());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("SUCCESS: 6 rules found"), std::string::npos) << r.out << r.err;
}

TEST(AlertRules, PromtoolUnitTestsPass) {
  if (!have_promtool()) GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  test::ProcResult r = promtool({"test", "rules", kRuleTests.string()}, kRuleTests.parent_path());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("SUCCESS"), std::string::npos) << r.out << r.err;
}

// One alert per runbook entry of the brief (issue 17), each naming the runbook entry it comes from.
TEST(AlertRules, OneAlertPerRunbookCheckEachNamingItsEntry) {
  std::vector<Rule> rules = read_rules(test::read_file(kRules));
  std::set<std::string> names;
  for (const Rule& r : rules) {
    names.insert(r.alert);
    EXPECT_FALSE(r.expr.empty()) << r.alert;
    EXPECT_NE(r.annotations.count("summary"), 0u) << r.alert << " has no summary";
    auto rb = r.annotations.find("runbook");
    ASSERT_NE(rb, r.annotations.end()) << r.alert << " does not name its runbook entry";
    EXPECT_TRUE(rb->second.starts_with("Pipeline is not processing elements:") ||
                rb->second.starts_with("Latency is increasing:") || rb->second.starts_with("Memory usage is growing:"))
        << r.alert << ": " << rb->second;
  }
  EXPECT_EQ(names, (std::set<std::string>{"TorvynFlowFailed", "TorvynFlowPaused", "TorvynComponentErrorsRising",
                                          "TorvynSustainedBackpressure", "TorvynPoolExhaustion", "TorvynComponentMemoryRising"}));
}

// Every alert has an evaluation in the unit tests where it fires and one where it must not.
TEST(AlertRules, UnitTestsMakeEveryAlertFireAndStayQuiet) {
  std::vector<Rule> rules = read_rules(test::read_file(kRules));
  std::map<std::string, int> fires, quiet;
  std::istringstream in(test::read_file(kRuleTests));
  static const std::regex name(R"(^\s*alertname:\s*(\S+)\s*$)"), none(R"(^\s*exp_alerts:\s*\[\]\s*$)"),
      some(R"(^\s*exp_alerts:\s*$)");
  std::smatch m;
  std::string current;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_match(line, m, name)) current = m[1];
    else if (!current.empty() && std::regex_match(line, none)) ++quiet[current];
    else if (!current.empty() && std::regex_match(line, some)) ++fires[current];
  }
  ASSERT_FALSE(rules.empty());
  for (const Rule& r : rules) {
    EXPECT_GT(fires[r.alert], 0) << r.alert << " is never expected to fire in " << kRuleTests;
    EXPECT_GT(quiet[r.alert], 0) << r.alert << " is never expected to stay quiet in " << kRuleTests;
  }
}

// The firing cases really check each alert: with its expression replaced by one that never
// returns anything, `promtool test rules` fails.
TEST(AlertRules, UnitTestsFailWhenAnAlertCannotFire) {
  if (!have_promtool()) GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  const std::string text = test::read_file(kRules);
  for (const Rule& r : read_rules(text)) {
    test::TempDir dir("torvyn-alert-mutant");
    std::string mutant = text;
    size_t at = mutant.find("expr: " + r.expr, mutant.find("- alert: " + r.alert));
    ASSERT_NE(at, std::string::npos) << r.alert;
    mutant.replace(at, 6 + r.expr.size(), "expr: vector(0) > 1");
    test::write_file(dir.path() / "torvyn-alerts.yml", mutant);
    fs::copy_file(kRuleTests, dir.path() / "torvyn-alerts.test.yml");
    test::ProcResult res = promtool({"test", "rules", "torvyn-alerts.test.yml"}, dir.path());
    const std::string said = res.out + res.err;  // promtool reports failed tests on stderr
    EXPECT_NE(res.exit_code, 0) << r.alert << ": the unit tests still pass when it can never fire\n" << said;
    EXPECT_NE(said.find("alertname: " + r.alert), std::string::npos) << r.alert << "\n" << said;
  }
}

}  // namespace
}  // namespace torvyn::deploy_test
