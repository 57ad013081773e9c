// A libFuzzer-compatible driver for builds without libFuzzer (GCC, the ordinary build): runs a
// target's LLVMFuzzerTestOneInput on every seed, then on random mutations of them (bit flips,
// byte changes, inserted, deleted and repeated runs, splices, boundary values) until a time budget
// is spent. It has no coverage feedback, so it is no substitute for the clang builds in
// fuzz/run-*-fuzz.sh; it gives every target a short run in each test suite and CI.
//
//   TARGET [--seconds N] [--max-len BYTES] [--seed N] SEED_FILE_OR_DIR...
//
// A crash kills the process (the test fails); the input being run is first written to
// fuzz-crash-<pid>.bin in the working directory, to replay with `TARGET --seconds 0 FILE`.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// The input being run, for the crash handler (set before every run).
const uint8_t* g_current = nullptr;
size_t g_current_size = 0;

void on_crash(int sig) {
  char name[64];
  std::snprintf(name, sizeof name, "fuzz-crash-%d.bin", static_cast<int>(::getpid()));
  int fd = ::open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd >= 0) {
    (void)!::write(fd, g_current, g_current_size);
    ::close(fd);
  }
  static const char msg[] = "fuzz_driver: crash; the input is in fuzz-crash-<pid>.bin\n";
  (void)!::write(2, msg, sizeof msg - 1);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void run_one(const std::vector<uint8_t>& input) {
  g_current = input.data();
  g_current_size = input.size();
  LLVMFuzzerTestOneInput(input.data(), input.size());
}

std::vector<uint8_t> read_file(const std::filesystem::path& p, size_t max_len) {
  std::ifstream in(p, std::ios::binary);
  std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
  if (bytes.size() > max_len) bytes.resize(max_len);
  return bytes;
}

class Mutator {
 public:
  Mutator(uint64_t seed, size_t max_len) : rng_(seed), max_len_(max_len) {}

  std::vector<uint8_t> mutate(std::vector<uint8_t> v, const std::vector<std::vector<uint8_t>>& seeds) {
    for (int n = 1 + static_cast<int>(below(6)); n > 0; --n) step(v, seeds);
    if (v.size() > max_len_) v.resize(max_len_);
    return v;
  }

 private:
  uint64_t below(uint64_t n) { return n ? std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_) : 0; }

  void step(std::vector<uint8_t>& v, const std::vector<std::vector<uint8_t>>& seeds) {
    static const uint8_t kBoundary[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x40, 0x0b, 0x02, 0x03, 0x04, '\n', '{', '}', '%'};
    switch (below(v.empty() ? 3 : 9)) {
      case 0:  // insert random bytes
      case 1: {
        size_t at = below(v.size() + 1), len = 1 + below(8);
        for (size_t i = 0; i < len; ++i) v.insert(v.begin() + static_cast<long>(at), static_cast<uint8_t>(below(256)));
        break;
      }
      case 2: {  // splice in a run of another seed
        if (seeds.empty()) break;
        const auto& other = seeds[below(seeds.size())];
        if (other.empty()) break;
        size_t from = below(other.size()), len = 1 + below(std::min<size_t>(other.size() - from, 256));
        size_t at = below(v.size() + 1);
        v.insert(v.begin() + static_cast<long>(at), other.begin() + static_cast<long>(from),
                 other.begin() + static_cast<long>(from + len));
        break;
      }
      case 3: v[below(v.size())] ^= static_cast<uint8_t>(1u << below(8)); break;  // flip a bit
      case 4: v[below(v.size())] = static_cast<uint8_t>(below(256)); break;       // change a byte
      case 5: v[below(v.size())] = kBoundary[below(sizeof kBoundary)]; break;     // a boundary value
      case 6: {  // delete a run
        size_t at = below(v.size()), len = 1 + below(std::min<size_t>(v.size() - at, 64));
        v.erase(v.begin() + static_cast<long>(at), v.begin() + static_cast<long>(at + len));
        break;
      }
      case 7: {  // repeat a run (deep nesting, long lists)
        size_t at = below(v.size()), len = 1 + below(std::min<size_t>(v.size() - at, 16));
        std::vector<uint8_t> run(v.begin() + static_cast<long>(at), v.begin() + static_cast<long>(at + len));
        for (size_t k = 1 + below(64); k > 0 && v.size() < max_len_; --k) v.insert(v.begin() + static_cast<long>(at), run.begin(), run.end());
        break;
      }
      default:  // truncate
        v.resize(below(v.size() + 1));
        break;
    }
  }

  std::mt19937_64 rng_;
  size_t max_len_;
};

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  size_t max_len = 1 << 16;
  uint64_t seed = 0x7f4a7c15;
  std::vector<std::filesystem::path> inputs;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--seconds") seconds = std::atof(value().c_str());
    else if (a == "--max-len") max_len = std::strtoull(value().c_str(), nullptr, 10);
    else if (a == "--seed") seed = std::strtoull(value().c_str(), nullptr, 10);
    else inputs.emplace_back(a);
  }
  for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE}) ::signal(sig, on_crash);

  std::vector<std::vector<uint8_t>> seeds;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (std::filesystem::is_directory(in, ec)) {
      for (const auto& e : std::filesystem::directory_iterator(in, ec))
        if (e.is_regular_file()) seeds.push_back(read_file(e.path(), max_len));
    } else if (std::filesystem::is_regular_file(in, ec)) {
      seeds.push_back(read_file(in, max_len));
    }
  }
  if (seeds.empty()) seeds.push_back({});
  for (const auto& s : seeds) run_one(s);

  Mutator mutator(seed, max_len);
  uint64_t runs = seeds.size();
  auto start = std::chrono::steady_clock::now();
  auto budget = std::chrono::duration<double>(seconds);
  for (uint64_t i = 0; std::chrono::steady_clock::now() - start < budget; ++i) {
    std::vector<uint8_t> input = mutator.mutate(seeds[i % seeds.size()], seeds);
    run_one(input);
    ++runs;
  }
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("fuzz_driver: %llu inputs (%zu seeds) in %.1f s, seed %llu: no crash\n", static_cast<unsigned long long>(runs),
              seeds.size(), took, static_cast<unsigned long long>(seed));
  return 0;
}
