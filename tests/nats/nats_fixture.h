// A real NATS server for tests (`nats-server -js` on 127.0.0.1, a free port, a temporary store)
// and a small JetStream client over nats.c to set up streams, publish numbered messages and read
// back what a flow published. The server is stopped (and its store removed) with the fixture.
#pragma once

#include <nats/nats.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "torvyn_test/process.h"

namespace torvyn::test {

inline constexpr const char* kNatsServer = "/usr/sbin/nats-server";

class NatsServer {
 public:
  // False with `why` set when it cannot start; `missing()` says whether nats-server is not installed.
  bool start(const std::filesystem::path& store, std::string& why);
  static bool missing();
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  uint16_t port() const { return port_; }
  void kill9();

 private:
  Process proc_;
  uint16_t port_ = 0;
};

// A loopback TCP port nothing listens on right now.
uint16_t free_port();

struct ConsumerState {
  int64_t ack_pending = 0;
  uint64_t num_pending = 0;    // not yet delivered
  uint64_t ack_floor = 0;      // stream sequence everything up to which is acknowledged
  int64_t redelivered = 0;
};

class JsClient {
 public:
  JsClient() = default;
  ~JsClient();
  JsClient(const JsClient&) = delete;
  JsClient& operator=(const JsClient&) = delete;
  bool connect(const std::string& url, std::string& why);
  // A file-stored stream on `subjects` with a duplicate window of `duplicates_ms`.
  bool add_stream(const std::string& name, const std::vector<std::string>& subjects, int64_t duplicates_ms, std::string& why);
  // Publishes `{"n":i}` for i in [from, to) to `subject`, waiting for every publish ack.
  bool publish_numbers(const std::string& subject, uint64_t from, uint64_t to, std::string& why);
  bool publish(const std::string& subject, const std::string& payload, std::string& why);
  uint64_t stream_messages(const std::string& stream);
  // Every message's payload, in stream order.
  std::vector<std::string> read_stream(const std::string& stream);
  std::optional<ConsumerState> consumer(const std::string& stream, const std::string& durable);

 private:
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
};

// The number in a payload `{"<key>":N}` (-1 when there is none).
int64_t number_in(const std::string& payload, const std::string& key);

}  // namespace torvyn::test
