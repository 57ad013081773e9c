#include "torvyn_test/promtool.h"

#include <unistd.h>

#include "torvyn_test/process.h"

namespace torvyn::test {

std::optional<PromtoolResult> promtool_check_metrics(const std::string& exposition) {
  if (::access(kPromtool, X_OK) != 0) return std::nullopt;
  // Through a file rather than a pipe (test::run's children read a file), kept when the test
  // fails so the exposition promtool complained about can be looked at.
  TempDir dir("torvyn-promtool");
  write_file(dir.path() / "metrics.txt", exposition);
  ProcOptions o;
  o.cwd = dir.path();
  o.env = child_environment({});
  o.timeout = std::chrono::seconds(60);
  o.stdin_file = dir.path() / "metrics.txt";
  ProcResult r = run(kPromtool, {"check", "metrics"}, o);
  return PromtoolResult{r.exit_code, r.out + r.err};
}

}  // namespace torvyn::test
