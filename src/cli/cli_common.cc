#include <charconv>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include "cli.h"
#include "color.h"
#include "torvyn/base/json_text.h"
#include "torvyn/reactor/host_stages.h"

namespace torvyn::cli {

bool parse_overrides(const Globals& g, const std::vector<std::string>& overrides, config::LoadOptions& opts) {
  for (const std::string& kv : overrides) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      Diagnostic d;
      d.code = ErrorCode::ConfigEnvOverride;
      d.message = "--config expects KEY=VALUE";
      d.found = kv;
      d.help = "for example --config runtime.worker_threads=2";
      if (g.json())
        std::cout << render_json(std::vector<Diagnostic>{d}) << "\n";
      else
        std::cerr << g.err_text(render_human(d));
      return false;
    }
    opts.overrides.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return true;
}

std::optional<config::LoadResult> load_for_report(const Globals& g, const std::string& manifest, const std::vector<std::string>& overrides,
                                                  int& exit_code) {
  config::LoadOptions opts;
  if (!parse_overrides(g, overrides, opts)) {
    exit_code = kUsage;
    return std::nullopt;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(manifest, ec)) {
    print_error(g, Error(ErrorCode::IoError, "no manifest at " + manifest + " (run `torvyn init`, or pass --manifest)"));
    exit_code = kUsage;
    return std::nullopt;
  }
  return config::load(manifest, opts);
}

std::optional<config::Config> load_manifest(const Globals& g, const std::filesystem::path& manifest,
                                            const std::vector<std::string>& overrides, int& exit_code) {
  config::LoadOptions opts;
  if (!parse_overrides(g, overrides, opts)) {
    exit_code = kUsage;
    return std::nullopt;
  }
  config::LoadResult r = config::load(manifest, opts);
  if (g.json()) {
    if (!r.ok() || !r.diagnostics.empty()) std::cout << render_json(r.diagnostics) << "\n";
  } else {
    for (const Diagnostic& d : r.diagnostics)
      if (!g.quiet || d.severity == Severity::Error) std::cerr << g.err_text(render_human(d, r.source_for(d)));
  }
  if (!r.ok()) {
    exit_code = kUsage;
    return std::nullopt;
  }
  return std::move(r.config);
}

CLI::Validator whole_number(uint64_t lo, uint64_t hi) {
  std::string range = std::to_string(lo) + ".." + std::to_string(hi);
  return CLI::Validator(
      [lo, hi, range](std::string& text) -> std::string {
        uint64_t v = 0;
        const char* end = text.data() + text.size();
        auto [p, ec] = std::from_chars(text.data(), end, v);
        if (text.empty() || ec == std::errc::invalid_argument || p != end) return "`" + text + "` is not a whole number (" + range + ")";
        if (ec == std::errc::result_out_of_range || v < lo || v > hi) return "`" + text + "` is out of range (" + range + ")";
        return {};
      },
      "UINT:" + range);
}

CLI::Option* add_input_chunk_option(CLI::App* c, uint64_t& chunk) {
  return c->add_option("--input-chunk", chunk, "With --input: raw chunks of this many bytes instead of lines (output then raw too)")
      ->check(whole_number(1, reactor::kMaxFileElementBytes));
}

void print_error(const Globals& g, const Error& e) {
  if (g.json()) {
    nlohmann::json j{{"error", {{"code", std::string(error_code_id(e.code))}, {"message", e.message}}}};
    std::cout << torvyn::json_text(j) << "\n";
  } else {
    std::cerr << g.err_text(e.to_string()) << "\n";
  }
}

std::string Globals::err_text(std::string_view text) const {
  return !json() && color_enabled(color, STDERR_FILENO) ? colorize(text) : std::string(text);
}
std::string Globals::out_text(std::string_view text) const {
  return !json() && color_enabled(color, STDOUT_FILENO) ? colorize(text) : std::string(text);
}

}  // namespace torvyn::cli
