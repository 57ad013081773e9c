// One cold aot compile of a core module, measured: wall time and the peak resident memory of the
// largest compiler process (getrusage(RUSAGE_CHILDREN).ru_maxrss), for the README's table of
// module size -> compile time, peak RSS. Not a Google Benchmark: a compile is minutes, done once.
//
//   aot_compile_measure MODULE.wasm [--units N] [--jobs J] [--unit-bytes B] [--opt -O2]
//
// Compiles into a fresh private cache directory (removed afterwards), so every run is cold.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "torvyn/wasm/engine.h"

int main(int argc, char** argv) {
  using namespace torvyn::wasm;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODULE.wasm [--units N] [--jobs J] [--unit-bytes B] [--opt LEVEL]\n", argv[0]);
    return 2;
  }
  EngineConfig cfg;
  cfg.kind = EngineKind::Aot;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--units") cfg.compile_max_units = std::strtoull(v.c_str(), nullptr, 10);
    else if (k == "--jobs") cfg.compile_jobs = static_cast<unsigned>(std::strtoul(v.c_str(), nullptr, 10));
    else if (k == "--unit-bytes") cfg.compile_unit_bytes = std::strtoull(v.c_str(), nullptr, 10);
    else if (k == "--opt") cfg.opt_level = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.empty()) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  char tmpl[] = "/tmp/torvyn-aot-measure-XXXXXX";
  if (!::mkdtemp(tmpl)) return 2;
  cfg.cache_dir = std::string(tmpl) + "/cache";
  size_t units_total = 0;
  cfg.on_compile = [&](const CompileEvent& e) {
    if (e.kind != CompileEvent::Kind::Progress) return;
    units_total = e.units_total;
    std::fprintf(stderr, "\r%zu/%zu units compiled (%.0f s)", e.units_done, e.units_total,
                 std::chrono::duration<double>(e.elapsed).count());
  };
  auto engine = Engine::create(cfg);
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", engine.error().to_string().c_str());
    return 1;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto m = (*engine)->load(bytes, std::filesystem::path(argv[1]).filename().string());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "\n");
  struct rusage children{}, self{};
  ::getrusage(RUSAGE_CHILDREN, &children);
  ::getrusage(RUSAGE_SELF, &self);
  std::error_code ec;
  std::filesystem::remove_all(tmpl, ec);
  if (!m.ok()) {
    std::fprintf(stderr, "%s\n", m.error().to_string().c_str());
    return 1;
  }
  std::printf("module %.1f MiB, %zu compiler runs (+ link), %u jobs: %.1f s wall, %.1f s compiler CPU, peak RSS of one compiler %.0f MiB, "
              "of this process %.0f MiB\n",
              bytes.size() / 1048576.0, units_total ? units_total : 1, (*engine)->config().compile_jobs, seconds,
              children.ru_utime.tv_sec + children.ru_stime.tv_sec + (children.ru_utime.tv_usec + children.ru_stime.tv_usec) / 1e6,
              children.ru_maxrss / 1024.0, self.ru_maxrss / 1024.0);
  return 0;
}
