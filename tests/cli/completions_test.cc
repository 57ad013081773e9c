// `torvyn completions bash|zsh`: the script is loaded into a real bash, which is asked to
// complete command lines the way the shell does on Tab (COMP_WORDS / COMP_CWORD, then the
// completion function), and what it offers is compared with the commands' definitions.
#include <gtest/gtest.h>

#include <sstream>

#include "torvyn_test/process.h"

namespace torvyn {
namespace {

class Completions : public ::testing::Test {
 protected:
  test::TempDir dir{"torvyn-completions"};

  test::ProcResult torvyn(const std::vector<std::string>& args) {
    test::ProcOptions o;
    o.cwd = dir.path();
    o.env = test::child_environment({});
    o.timeout = std::chrono::seconds(30);
    return test::run(TORVYN_EXE, args, o);
  }
  // The words bash offers for `line` (the cursor at its end; a trailing space starts a new word).
  std::vector<std::string> complete(const std::string& line) {
    std::string script = dir.path() / "torvyn.bash";
    if (!std::filesystem::exists(script)) {
      test::ProcResult r = torvyn({"completions", "bash"});
      EXPECT_EQ(r.exit_code, 0) << r.err;
      test::write_file(script, r.out);
    }
    std::string program = "source '" + script + "'\n" +
                          "read -ra COMP_WORDS <<< \"$1\"\n"
                          "[[ \"$1\" == *' ' ]] && COMP_WORDS+=('')\n"
                          "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
                          "_torvyn\n"
                          "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
    test::ProcOptions o;
    o.cwd = dir.path();
    o.env = test::child_environment({});
    test::ProcResult r = test::run("/bin/bash", {"-c", program, "bash", line}, o);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> words;
    std::istringstream in(r.out);
    for (std::string w; std::getline(in, w);)
      if (!w.empty()) words.push_back(w);
    return words;
  }
  static bool has(const std::vector<std::string>& v, const std::string& w) { return std::find(v.begin(), v.end(), w) != v.end(); }
};

TEST_F(Completions, SubcommandsOptionsAndValues) {
  std::vector<std::string> subs = complete("torvyn ");
  for (const char* s : {"init", "build", "run", "check", "link", "inspect", "trace", "bench", "doctor", "completions", "pack", "key", "sign",
                        "verify", "publish", "pull", "lock", "top", "drain"})
    EXPECT_TRUE(has(subs, s)) << s;
  EXPECT_EQ(complete("torvyn be"), (std::vector<std::string>{"bench"}));
  // A subcommand's own options, and the global ones after it.
  std::vector<std::string> bench = complete("torvyn bench --");
  for (const char* o : {"--duration", "--warmup", "--baseline", "--compare", "--report", "--format", "--quiet"}) EXPECT_TRUE(has(bench, o)) << o;
  EXPECT_FALSE(has(bench, "--template")) << "init's option offered to bench";
  // Values of options that take one of a fixed set; the same letter means different options.
  EXPECT_EQ(complete("torvyn init demo --template f"), (std::vector<std::string>{"filter", "full-pipeline"}));
  EXPECT_EQ(complete("torvyn init demo -t em"), (std::vector<std::string>{"empty"}));
  EXPECT_FALSE(has(complete("torvyn run -t "), "empty")) << "run's -t is --timeout, not --template";
  EXPECT_EQ(complete("torvyn bench --report m"), (std::vector<std::string>{"markdown"}));
  EXPECT_EQ(complete("torvyn run --format j"), (std::vector<std::string>{"json"}));
  EXPECT_EQ(complete("torvyn inspect x.wasm --show c"), (std::vector<std::string>{"capabilities"}));
  EXPECT_EQ(complete("torvyn completions "), (std::vector<std::string>{"bash", "zsh"}));
  // Anything else is a path.
  test::write_file(dir.path() / "Torvyn.toml", "");
  EXPECT_EQ(complete("torvyn check --manifest Torv"), (std::vector<std::string>{"Torvyn.toml"}));
}

TEST_F(Completions, ZshLoadsTheBashScriptThroughBashcompinit) {
  test::ProcResult bash = torvyn({"completions", "bash"}), zsh = torvyn({"completions", "zsh"});
  ASSERT_EQ(zsh.exit_code, 0) << zsh.err;
  EXPECT_NE(zsh.out.find("autoload -U +X bashcompinit && bashcompinit\n"), std::string::npos) << zsh.out;
  EXPECT_NE(zsh.out.find(bash.out), std::string::npos) << "the same completion function";
  test::ProcResult bad = torvyn({"completions", "tcsh"});
  EXPECT_EQ(bad.exit_code, 2) << bad.out;
}

}  // namespace
}  // namespace torvyn
