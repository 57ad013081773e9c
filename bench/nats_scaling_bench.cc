// Throughput of source -> processor -> sink through NATS JetStream with 1, 2 and 3 `torvyn run`
// instances sharing one durable consumer, beside the broker-free pipeline (the same processor
// between torvyn's file stages: `torvyn run --input --output`). Not a Google Benchmark: each
// measurement is whole processes and a real nats-server (started here on a free port).
//
//   build/bin/nats_scaling_bench [MESSAGES=20000] [ENGINE=aot]
//
// Prints elements per second for each configuration (from the first publish to the last message
// in the output stream). On a 2-core machine more instances cannot show scaling: the server, the
// publisher and the instances share two cores (README, Running several instances).
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "nats_fixture.h"

namespace fs = std::filesystem;
using namespace torvyn::test;
using Clock = std::chrono::steady_clock;

namespace {

std::string manifest(const std::string& url, const std::string& engine, bool broker) {
  std::string m = "[torvyn]\nname = \"nats-bench\"\nversion = \"0.1.0\"\ncontract_version = \"0.1.0\"\n\n[runtime]\nengine = \"" + engine +
                  "\"\n\n[flow.main]\n";
  m += "nodes.rename = { component = \"file://" + (fs::path(TORVYN_NATS_COMPONENTS) / "rename_fields.wasm").string() +
       "\", interface = \"torvyn:streaming/processor\", config = \"n=num\" }\n";
  if (!broker) return m;
  m += "nodes.in = { connector = \"nats-jetstream\", config = { url = \"" + url +
       "\", stream = \"IN\", subject = \"in.numbers\", durable = \"bench\", batch = 64 } }\n";
  m += "nodes.out = { connector = \"nats-jetstream\", config = { url = \"" + url + "\", stream = \"OUT\", subject = \"out.numbers\" } }\n";
  m += "edges = [{ from = { node = \"in\" }, to = { node = \"rename\" } }, { from = { node = \"rename\" }, to = { node = \"out\" } }]\n";
  return m;
}

std::vector<std::string> env(const fs::path& state) {
  return child_environment({{"TORVYN_STATE_DIR", state.string()}, {"XDG_CACHE_HOME", std::string(TORVYN_NATS_CACHE_HOME)}});
}

double broker_free(const fs::path& dir, uint64_t n, const std::string& engine) {
  fs::create_directories(dir);
  write_file(dir / "Torvyn.toml", manifest("", engine, false));
  std::string in;
  for (uint64_t i = 0; i < n; ++i) in += "{\"n\":" + std::to_string(i) + "}\n";
  write_file(dir / "in.txt", in);
  ProcOptions o;
  o.cwd = dir;
  o.env = env(dir / "state");
  // Once to compile (aot cache), then measured.
  (void)run(TORVYN_EXE, {"run", "--input", "in.txt", "--output", "out.txt"}, o);
  auto t0 = Clock::now();
  ProcResult r = run(TORVYN_EXE, {"run", "--input", "in.txt", "--output", "out.txt"}, o);
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (r.exit_code != 0) std::fprintf(stderr, "broker-free run failed: %s\n", r.err.c_str());
  return static_cast<double>(n) / s;
}

double through_nats(const fs::path& dir, uint64_t n, int instances, const std::string& engine) {
  fs::create_directories(dir / "store");
  NatsServer server;
  JsClient client;
  std::string why;
  if (!server.start(dir / "store", why) || !client.connect(server.url(), why) || !client.add_stream("IN", {"in.>"}, 120000, why) ||
      !client.add_stream("OUT", {"out.>"}, 600000, why)) {
    std::fprintf(stderr, "nats: %s\n", why.c_str());
    return 0;
  }
  write_file(dir / "Torvyn.toml", manifest(server.url(), engine, true));
  std::vector<std::unique_ptr<Process>> procs;
  for (int i = 0; i < instances; ++i) {
    ProcOptions o;
    o.cwd = dir;
    fs::path state = dir / ("state-" + std::to_string(i));
    o.env = env(state);
    procs.push_back(std::make_unique<Process>());
    procs.back()->start(TORVYN_EXE, {"run"}, o);
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));  // connected and bound
  auto t0 = Clock::now();
  if (!client.publish_numbers("in.numbers", 0, n, why)) std::fprintf(stderr, "publish: %s\n", why.c_str());
  while (client.stream_messages("OUT") < n && Clock::now() - t0 < std::chrono::minutes(10))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  for (auto& p : procs) {
    p->signal(SIGTERM);
    (void)p->wait(std::chrono::seconds(60));
  }
  return static_cast<double>(n) / s;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t n = argc > 1 ? std::stoull(argv[1]) : 20000;
  const std::string engine = argc > 2 ? argv[2] : "aot";
  if (NatsServer::missing()) {
    std::fprintf(stderr, "%s is not installed\n", kNatsServer);
    return 3;
  }
  TempDir tmp("torvyn-nats-bench");
  std::printf("messages: %llu, engine: %s, cores: %u\n", static_cast<unsigned long long>(n), engine.c_str(), std::thread::hardware_concurrency());
  std::printf("broker-free (--input/--output): %.0f elements/s\n", broker_free(tmp.path() / "free", n, engine));
  for (int k = 1; k <= 3; ++k)
    std::printf("nats-jetstream, %d instance%s:  %.0f elements/s\n", k, k > 1 ? "s" : " ", through_nats(tmp.path() / ("nats" + std::to_string(k)), n, k, engine));
  return 0;
}
