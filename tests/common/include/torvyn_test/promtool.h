// `promtool check metrics` (Debian package prometheus) on a Prometheus text exposition. promtool
// parses the text and lints every family against the Prometheus naming conventions (counters end
// in _total, nothing else does, base units such as seconds, no abbreviated units), so a test that
// fails on any finding keeps /metrics what a Prometheus user expects. Shared by the exposition's
// unit test and the end-to-end scrape of a real `torvyn run`.
#pragma once

#include <optional>
#include <string>

namespace torvyn::test {

inline constexpr const char* kPromtool = "/usr/bin/promtool";

struct PromtoolResult {
  int exit_code = -1;    // 0 clean, 1 unparsable, 3 lint findings (-1: did not run to the end)
  std::string findings;  // everything it printed, stdout then stderr (empty when clean)
};

// Runs `promtool check metrics` with `exposition` on its stdin (promtool reads nothing else).
// nullopt when promtool is not installed, so the caller can skip.
std::optional<PromtoolResult> promtool_check_metrics(const std::string& exposition);

}  // namespace torvyn::test
