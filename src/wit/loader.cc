// Reading WIT from the filesystem (parse_directory) or memory (parse_source[s]) into resolver input.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

#include "resolver.h"
#include "torvyn/wit/resolve.h"

namespace torvyn::wit {

namespace fs = std::filesystem;

namespace {

Diagnostic io_error(const std::string& file, std::string message, std::string help) {
  Diagnostic d;
  d.code = ErrorCode::IoError;
  d.message = std::move(message);
  d.location.file = file;
  d.location.line = 0;
  d.location.column = 0;
  d.help = std::move(help);
  return d;
}

bool is_wit_file(const fs::path& p) {
  std::error_code ec;
  return p.extension() == ".wit" && fs::is_regular_file(p, ec);
}

// The *.wit files directly inside `dir`, sorted by name so results do not depend on the filesystem.
std::vector<fs::path> wit_files(const fs::path& dir, std::error_code* ec) {
  std::vector<fs::path> out;
  for (fs::directory_iterator it(dir, *ec), end; !*ec && it != end; it.increment(*ec))
    if (is_wit_file(it->path())) out.push_back(it->path());
  std::sort(out.begin(), out.end());
  return out;
}

// Reads `path` into the input; returns its index, or -1 after recording an I/O diagnostic.
int read_into(detail::Input* in, const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    in->diagnostics.push_back(io_error(path.string(), "cannot read `" + path.string() + "`",
                                       "check that the file exists and is readable"));
    return -1;
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  in->files.push_back(SourceText{path.string(), ss.str()});
  return static_cast<int>(in->files.size() - 1);
}

}  // namespace

std::string ResolveResult::render() const {
  std::string out;
  for (const auto& d : diagnostics) {
    if (!out.empty()) out += "\n";
    auto it = sources.find(d.location.file);
    out += render_human(d, it == sources.end() ? std::string() : it->second);
  }
  return out;
}

ResolveResult parse_directory(const fs::path& dir) {
  detail::Input in;
  std::error_code ec;
  if (fs::is_regular_file(dir, ec)) {
    int i = read_into(&in, dir);
    in.groups.push_back(i < 0 ? std::vector<uint32_t>{} : std::vector<uint32_t>{static_cast<uint32_t>(i)});
    return detail::resolve(std::move(in));
  }
  if (!fs::is_directory(dir, ec)) {
    in.diagnostics.push_back(io_error(dir.string(), "`" + dir.string() + "` is not a directory or a .wit file",
                                      "pass the folder holding the package's *.wit files (and its deps/)"));
    return detail::resolve(std::move(in));
  }
  auto add_group = [&](const fs::path& folder) {
    std::error_code lec;
    std::vector<uint32_t> group;
    for (const auto& p : wit_files(folder, &lec)) {
      int i = read_into(&in, p);
      if (i >= 0) group.push_back(static_cast<uint32_t>(i));
    }
    if (lec)
      in.diagnostics.push_back(io_error(folder.string(), "cannot list `" + folder.string() + "`: " + lec.message(), ""));
    return group;
  };
  std::vector<uint32_t> root = add_group(dir);
  if (root.empty() && !has_errors(in.diagnostics))
    in.diagnostics.push_back(io_error(dir.string(), "no .wit files in `" + dir.string() + "`",
                                      "a package folder holds the package's *.wit files directly (dependencies go in deps/)"));
  in.groups.push_back(std::move(root));
  fs::path deps = dir / "deps";
  if (fs::is_directory(deps, ec)) {
    std::vector<fs::path> entries;
    for (fs::directory_iterator it(deps, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(it->path());
    std::sort(entries.begin(), entries.end());
    for (const auto& e : entries) {
      std::error_code dec;
      if (fs::is_directory(e, dec)) {
        std::vector<uint32_t> g = add_group(e);
        if (!g.empty()) in.groups.push_back(std::move(g));
      } else if (is_wit_file(e)) {
        int i = read_into(&in, e);
        if (i >= 0) in.groups.push_back({static_cast<uint32_t>(i)});
      }
    }
  }
  return detail::resolve(std::move(in));
}

ResolveResult parse_sources(std::vector<SourceText> root, std::vector<std::vector<SourceText>> deps) {
  detail::Input in;
  std::vector<uint32_t> g;
  for (auto& s : root) {
    in.files.push_back(std::move(s));
    g.push_back(static_cast<uint32_t>(in.files.size() - 1));
  }
  in.groups.push_back(std::move(g));
  for (auto& dep : deps) {
    std::vector<uint32_t> dg;
    for (auto& s : dep) {
      in.files.push_back(std::move(s));
      dg.push_back(static_cast<uint32_t>(in.files.size() - 1));
    }
    in.groups.push_back(std::move(dg));
  }
  return detail::resolve(std::move(in));
}

ResolveResult parse_source(std::string_view text, std::string file_name) {
  return parse_sources({SourceText{std::move(file_name), std::string(text)}});
}

}  // namespace torvyn::wit
