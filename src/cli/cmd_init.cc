// torvyn init: a new project from a template that `torvyn build && torvyn run` runs as is.
#include <fstream>
#include <iostream>
#include <regex>
#include <set>

#include "cli.h"
#include "templates.h"

namespace torvyn::cli {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kTemplates = {"source", "sink", "transform", "transform-js", "filter", "router", "aggregator", "full-pipeline", "empty"};

struct InitArgs {
  std::string name;
  std::string templ = "transform";
  std::string directory;  // default: ./<name>
  bool force = false;
};

std::string substitute(std::string_view text, const std::string& name) {
  std::string s(text);
  for (size_t at; (at = s.find("{{name}}")) != std::string::npos;) s.replace(at, 8, name);
  return s;
}

std::string readme(const std::string& name, const std::string& templ) {
  return "# " + name +
         "\n\nA Torvyn project (template `" + templ +
         "`).\n\n```sh\ntorvyn build        # compile components/ into target/components/*.wasm\ntorvyn run          # run every flow and print a summary\n"
         "torvyn run --output -   # ... and print each element the flow delivers\n```\n\n"
         "Components are C++ sources under `components/<name>/`, built against the Torvyn SDK (`torvyn/torvyn.hpp`) for the WIT world "
         "named by `world` in `Torvyn.toml`" +
         std::string(templ.size() > 3 && templ.compare(templ.size() - 3, 3, "-js") == 0
                         ? "; a component with `language = \"js\"` is one JavaScript module (`components/<name>/index.js`), built by "
                           "componentize-js against the same world"
                         : "") +
         ". Flows, queue depths, limits and policies are configured in `Torvyn.toml`.\n";
}

bool valid_name(const std::string& n) { return std::regex_match(n, std::regex("[A-Za-z][A-Za-z0-9_-]*")); }

int init(const Globals& g, const InitArgs& a) {
  if (!valid_name(a.name)) {
    print_error(g, Error(ErrorCode::ConfigInvalidValue, "project name `" + a.name + "` must start with a letter and use letters, digits, - or _"));
    return kUsage;
  }
  if (std::find(kTemplates.begin(), kTemplates.end(), a.templ) == kTemplates.end()) {
    std::string list;
    for (const auto& t : kTemplates) list += (list.empty() ? "" : ", ") + t;
    print_error(g, Error(ErrorCode::ConfigInvalidValue, "unknown template `" + a.templ + "` (templates: " + list + ")"));
    return kUsage;
  }
  fs::path dir = a.directory.empty() ? fs::path(a.name) : fs::path(a.directory);
  std::error_code ec;
  if (fs::exists(dir / "Torvyn.toml", ec) && !a.force) {
    print_error(g, Error(ErrorCode::IoError, (dir / "Torvyn.toml").string() + " already exists (use --force to overwrite)"));
    return kUsage;
  }
  // The template's manifest, then every component folder it names.
  std::string manifest;
  for (const auto& f : template_files())
    if (f.path == a.templ + "/Torvyn.toml") manifest = substitute(f.text, a.name);
  std::set<std::string> components;
  std::regex path_re("path = \"components/([a-z-]+)\"");
  for (std::sregex_iterator it(manifest.begin(), manifest.end(), path_re), end; it != end; ++it) components.insert((*it)[1]);

  std::vector<std::pair<fs::path, std::string>> out = {{"Torvyn.toml", manifest}, {"README.md", readme(a.name, a.templ)},
                                                       {".gitignore", "target/\n"}};
  for (const auto& f : template_files()) {
    std::string_view p = f.path;
    if (p.rfind("components/", 0) != 0) continue;
    std::string comp(p.substr(11, p.find('/', 11) - 11));
    if (components.count(comp)) out.push_back({fs::path(std::string(p)), substitute(f.text, a.name)});
  }
  for (const auto& [rel, text] : out) {
    fs::path target = dir / rel;
    fs::create_directories(target.parent_path(), ec);
    std::ofstream o(target, std::ios::binary);
    o << text;
    if (!o) {
      print_error(g, Error(ErrorCode::IoError, "cannot write " + target.string()));
      return kUsage;
    }
  }
  if (g.json()) {
    std::cout << "{\"project\":\"" << a.name << "\",\"template\":\"" << a.templ << "\",\"directory\":\"" << dir.string() << "\"}\n";
  } else if (!g.quiet) {
    std::cout << "created " << a.templ << " project `" << a.name << "` in " << dir.string() << "\n\n  cd " << dir.string()
              << "\n  torvyn build\n  torvyn run\n";
  }
  return kOk;
}

}  // namespace

void add_init(CLI::App& app, const Globals& g, int& exit_code) {
  auto a = std::make_shared<InitArgs>();
  CLI::App* c = app.add_subcommand("init", "Create a new Torvyn project from a template");
  c->add_option("name", a->name, "Project name (and directory)")->required();
  offer(c->add_option("--template,-t", a->templ, "source|sink|transform|transform-js|filter|router|aggregator|full-pipeline|empty")->capture_default_str(),
        std::vector<std::string>(kTemplates.begin(), kTemplates.end()));
  c->add_option("--dir", a->directory, "Directory to create the project in (default: ./<name>)");
  c->add_flag("--force", a->force, "Overwrite an existing Torvyn.toml");
  c->callback([&g, &exit_code, a] { exit_code = init(g, *a); });
}

}  // namespace torvyn::cli
