// One connection to a NATS server with its JetStream context, and the mapping of nats.c statuses
// to Torvyn errors (E0932 bad URL, E0933 unreachable, E0934 missing stream, ...).
#pragma once

#include <nats/nats.h>

#include <memory>
#include <string>

#include "torvyn/base/result.h"
#include "torvyn/config/config.h"

namespace torvyn::connectors::nats {

// "what: <nats status text> (<last error detail>)" for a failed nats.c call.
std::string describe(natsStatus s, jsErrCode js = static_cast<jsErrCode>(0));

class Client {
 public:
  // Connects to cfg.url within cfg.timeout_ms. `who` names the node in messages ("flow/node").
  static Result<std::unique_ptr<Client>> connect(const config::NatsConnectorConfig& cfg, const std::string& who);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  natsConnection* connection() const { return nc_; }
  jsCtx* js() const { return js_; }
  // The stream exists (E0934 otherwise, naming JetStream when the server has it off).
  Status require_stream(const std::string& stream) const;
  // Sends whatever the client still buffers (acknowledgements) before the connection closes.
  void flush() const;

 private:
  Client(const config::NatsConnectorConfig& cfg, std::string who) : cfg_(cfg), who_(std::move(who)) {}
  config::NatsConnectorConfig cfg_;
  std::string who_;
  natsOptions* opts_ = nullptr;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
};

}  // namespace torvyn::connectors::nats
