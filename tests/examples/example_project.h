// What the tests under tests/examples share: running the real `torvyn` binary in a project
// directory, fresh temporary directories, and copying an example project (without its build
// output) into one.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "torvyn_test/process.h"

namespace torvyn::test {

// Runs `torvyn args...` in `cwd`, killed after `timeout`. The child's environment is ours minus
// TORVYN_* (a developer's TORVYN_RUNTIME_ENGINE must not change what the tests run;
// TORVYN_SDK_DIR is kept), plus the aot cache the tests share. `extra_env` is set on top.
ProcResult torvyn(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                  std::chrono::seconds timeout = std::chrono::seconds(300),
                  const std::map<std::string, std::optional<std::string>>& extra_env = {});

// A fresh temporary directory, kept (and named) when the test fails.
class ExampleDir : public TempDir {
 public:
  ExampleDir() : TempDir("torvyn-examples") {}
};

// Copies a project, leaving out build output (`target/`) a developer may have there.
void copy_project(const std::filesystem::path& from, const std::filesystem::path& to);

// nlohmann::json of `text`, discarded (is_discarded()) when it is not JSON.
nlohmann::json parse_json(const std::string& text);

// A suite whose tests share one copy of examples/hello-world (greeter -> console), built once
// when the suite starts: building takes seconds, and the tests only read or edit-and-restore it.
class BuiltHelloWorld : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  static const std::filesystem::path& project() { return project_; }

 private:
  static inline ExampleDir* dir_ = nullptr;
  static inline std::filesystem::path project_;
};

inline const std::vector<std::string> kInterp = {"--config", "runtime.engine=interp"};

inline std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace torvyn::test
