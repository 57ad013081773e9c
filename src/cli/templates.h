// The project templates of `torvyn init`, embedded at build time from src/cli/templates/.
#pragma once

#include <string_view>
#include <vector>

namespace torvyn::cli {

struct TemplateFile {
  std::string_view path;  // e.g. "transform/Torvyn.toml", "components/generator/generator.cpp"
  std::string_view text;
};

const std::vector<TemplateFile>& template_files();

}  // namespace torvyn::cli
