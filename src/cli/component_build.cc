#include "component_build.h"

#include <sys/wait.h>

#include <array>
#include <atomic>
#include <thread>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "torvyn/base/find_program.h"
#include "torvyn/base/newest_file.h"
#include "torvyn/host/runtime.h"

namespace torvyn::cli {

namespace fs = std::filesystem;

fs::path sdk_dir() {
  if (const char* d = std::getenv("TORVYN_SDK_DIR"); d && *d) return d;
  return fs::path(TORVYN_SOURCE_DIR) / "sdk";
}

namespace {

bool is_js(const fs::path& p) { return p.extension() == ".js" || p.extension() == ".mjs"; }

bool is_source(const fs::path& p, bool js) {
  if (js) return is_js(p);
  std::string e = p.extension().string();
  return e == ".c" || e == ".cc" || e == ".cpp" || e == ".cxx";
}

std::vector<fs::path> sources_in(const fs::path& dir, bool js) {
  std::vector<fs::path> out;
  for (const fs::path& d : {dir, dir / "src"}) {
    std::error_code ec;
    if (!fs::is_directory(d, ec)) continue;
    for (const auto& e : fs::directory_iterator(d, ec))
      if (e.is_regular_file() && is_source(e.path(), js)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A JavaScript component is one ES module: `path` itself, else index.js/index.mjs, else the only
// .js/.mjs file in the folder or its src/. Empty with `why` set when there is no single entry.
fs::path js_entry(const fs::path& src, std::string& why) {
  std::error_code ec;
  if (is_js(src)) {
    if (fs::is_regular_file(src, ec)) return src;
    why = "no such file: " + src.string();
    return {};
  }
  auto found = sources_in(src, true);
  for (const auto& f : found)
    if (f.stem() == "index") return f;
  if (found.size() == 1) return found[0];
  why = found.empty() ? "no JavaScript module (*.js, *.mjs) in " + src.string() + " or its src/ folder"
                      : "several JavaScript modules in " + src.string() + " and none is index.js: name the entry module in `path`";
  return {};
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs a shell command, capturing stdout+stderr. Returns the exit status.
int run_capture(const std::string& cmd, std::string& output) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) output.append(buf.data(), n);
  int st = ::pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

}  // namespace

Result<std::string> component_world(const config::Config& cfg, const config::ComponentDecl& c) {
  if (!c.world.empty()) return c.world;
  static const std::pair<const char*, const char*> by_interface[] = {
      {"torvyn:streaming/processor", "transform"},      {"torvyn:streaming/source", "data-source"},
      {"torvyn:streaming/sink", "data-sink"},           {"torvyn:filtering/filter", "content-filter"},
      {"torvyn:filtering/router", "content-router"},    {"torvyn:aggregation/aggregator", "stream-aggregator"},
  };
  std::string found;
  for (const auto& f : cfg.flows)
    for (const auto& n : f.nodes) {
      if (n.component != c.name || n.interface.empty()) continue;
      std::string iface = n.interface.substr(0, n.interface.find('@'));
      for (const auto& [i, w] : by_interface)
        if (iface == i) {
          if (!found.empty() && found != w)
            return Error(ErrorCode::FlowBuildFailed, "component `" + c.name + "` is used as both " + found + " and " + w + "; set its `world`");
          found = w;
        }
    }
  if (found.empty())
    return Error(ErrorCode::FlowBuildFailed, "component `" + c.name +
                                                 "`: cannot tell which world to build; add `world = \"transform\"` (or data-source, data-sink, "
                                                 "managed-transform, content-filter, content-router, stream-aggregator) to its [[component]]");
  return found;
}

Result<std::vector<BuildOutcome>> build_components(const config::Config& cfg, const BuildOptions& options) {
  fs::path tool = sdk_dir() / "tools" / "torvyn-component-build";
  if (!fs::is_regular_file(tool))
    return Error(ErrorCode::EnvironmentError, "the Torvyn SDK was not found at " + sdk_dir().string() + " (set TORVYN_SDK_DIR)");
  for (const auto& name : options.only)
    if (!cfg.find_component(name)) return Error(ErrorCode::ConfigUnknownReference, "no [[component]] named `" + name + "`");

  std::vector<BuildOutcome> out;
  std::vector<std::pair<size_t, std::string>> jobs;  // outcome index, toolchain command
  bool needs_clang = false;                          // JavaScript components need only node
  for (const config::ComponentDecl& c : cfg.components) {
    if (!options.only.empty() && std::find(options.only.begin(), options.only.end(), c.name) == options.only.end()) continue;
    BuildOutcome o;
    o.component = c.name;
    fs::path src = c.path;
    if (src.extension() == ".wasm") {
      o.kind = fs::is_regular_file(src) ? BuildOutcome::Kind::Prebuilt : BuildOutcome::Kind::Failed;
      o.output = src;
      if (o.kind == BuildOutcome::Kind::Failed) o.log = "no such file: " + src.string();
      out.push_back(std::move(o));
      continue;
    }
    auto world = component_world(cfg, c);
    if (!world) {
      o.kind = BuildOutcome::Kind::Failed;
      o.log = world.error().message;
      out.push_back(std::move(o));
      continue;
    }
    o.world = *world;
    o.output = host::built_component_path(cfg, c);
    const bool js = c.language == "js";
    std::vector<fs::path> sources;
    if (js) {
      if (fs::path entry = js_entry(src, o.log); !entry.empty()) sources.push_back(entry);
    } else {
      sources = sources_in(src, false);
      if (sources.empty()) o.log = "no C/C++ sources (*.c, *.cc, *.cpp) in " + src.string() + " or its src/ folder";
    }
    if (sources.empty()) {
      o.kind = BuildOutcome::Kind::Failed;
      out.push_back(std::move(o));
      continue;
    }
    std::error_code ec;
    const fs::path watched = fs::is_directory(src, ec) ? src : src.parent_path();
    if (!options.force && fs::exists(o.output, ec) && fs::last_write_time(o.output, ec) >= newest_file_under(watched).time) {
      o.kind = BuildOutcome::Kind::UpToDate;
      out.push_back(std::move(o));
      continue;
    }
    fs::create_directories(o.output.parent_path(), ec);
    std::string cmd = quote(tool.string()) + " --world " + quote(o.world) + " -o " + quote(o.output.string());
    if (!js) cmd += " -I " + quote(src.string());
    if (!js && fs::is_directory(src / "include")) cmd += " -I " + quote((src / "include").string());
    if (c.wasi) cmd += " --wasi";
    if (options.verbose) cmd += " -v";
    for (const auto& s : sources) cmd += " " + quote(s.string());
    out.push_back(std::move(o));
    jobs.push_back({out.size() - 1, std::move(cmd)});
    needs_clang = needs_clang || !js;
  }
  // A missing guest toolchain is the machine's problem (exit 3), said once rather than as a
  // failure of every component.
  if (!jobs.empty()) {
    const char* clang_env = std::getenv("TORVYN_CLANG");
    const char* node_env = std::getenv("NODE");
    std::string clang = clang_env && *clang_env ? clang_env : "clang-19", node = node_env && *node_env ? node_env : "node";
    if (needs_clang && find_program(clang).empty())
      return Error(ErrorCode::EnvironmentError, "`torvyn build` needs " + clang + " to compile components, and it is not on PATH (apt-get install clang-19 lld-19; `torvyn doctor` checks the toolchain)");
    if (find_program(node).empty())
      return Error(ErrorCode::EnvironmentError, "`torvyn build` needs " + node + " (Node.js 20, for jco and componentize-js), and it is not on PATH (`torvyn doctor` checks the toolchain)");
  }
  // Progress is best effort: an observer that throws must not take a worker thread (and with it
  // the process) down.
  auto tell = [&](const BuildOutcome& o, bool started) noexcept {
    if (!options.on_progress) return;
    try {
      options.on_progress(o, started);
    } catch (...) {
    }
  };
  for (size_t i = 0, j = 0; i < out.size(); ++i) {
    if (j < jobs.size() && jobs[j].first == i) {
      ++j;
      continue;
    }
    tell(out[i], false);  // settled without running the toolchain
  }
  // Toolchain runs are independent: one per core.
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t j; (j = next.fetch_add(1)) < jobs.size();) {
      BuildOutcome& o = out[jobs[j].first];
      tell(o, true);
      auto t0 = std::chrono::steady_clock::now();
      int rc = run_capture(jobs[j].second, o.log);
      o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      o.kind = rc == 0 ? BuildOutcome::Kind::Built : BuildOutcome::Kind::Failed;
      tell(o, false);
    }
  };
  size_t n = std::min<size_t>(jobs.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> threads;
  for (size_t i = 1; i < n; ++i) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  return out;
}

}  // namespace torvyn::cli
