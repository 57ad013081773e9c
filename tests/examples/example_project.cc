#include "example_project.h"

namespace torvyn::test {

namespace fs = std::filesystem;

ProcResult torvyn(const std::vector<std::string>& args, const fs::path& cwd, std::chrono::seconds timeout,
                  const std::map<std::string, std::optional<std::string>>& extra_env) {
  ProcOptions o;
  o.cwd = cwd;
  std::map<std::string, std::optional<std::string>> env = extra_env;
  env.emplace("XDG_CACHE_HOME", std::string(TORVYN_TEST_CACHE_HOME));
  o.env = child_environment(env);
  o.timeout = timeout;
  return run(TORVYN_EXE, args, o);
}

void copy_project(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  for (auto it = fs::recursive_directory_iterator(from); it != fs::recursive_directory_iterator(); ++it) {
    fs::path rel = fs::relative(it->path(), from);
    if (it->is_directory() && rel == "target") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory()) fs::create_directories(to / rel);
    else fs::copy_file(it->path(), to / rel, fs::copy_options::overwrite_existing);
  }
}

nlohmann::json parse_json(const std::string& text) { return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false); }

void BuiltHelloWorld::SetUpTestSuite() {
  dir_ = new ExampleDir();
  project_ = dir_->path() / "hello";
  copy_project(std::filesystem::path(TORVYN_EXAMPLES_DIR) / "hello-world", project_);
  ProcResult b = torvyn({"build", "-q"}, project_);
  ASSERT_EQ(b.exit_code, 0) << describe({"build"}, b);
}

void BuiltHelloWorld::TearDownTestSuite() {
  delete dir_;
  dir_ = nullptr;
}

}  // namespace torvyn::test
