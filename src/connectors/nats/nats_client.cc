#include "nats_client.h"

namespace torvyn::connectors::nats {

std::string describe(natsStatus s, jsErrCode js) {
  std::string out = natsStatus_GetText(s);
  const char* last = nats_GetLastError(nullptr);
  if (last && *last && out != last) out += std::string(" (") + last + ")";
  if (js) out += " [JetStream error " + std::to_string(static_cast<int>(js)) + "]";
  return out;
}

Result<std::unique_ptr<Client>> Client::connect(const config::NatsConnectorConfig& cfg, const std::string& who) {
  std::unique_ptr<Client> c(new Client(cfg, who));
  natsStatus s = natsOptions_Create(&c->opts_);
  if (s != NATS_OK) return Error(ErrorCode::NatsUnreachable, who + ": cannot set up the NATS client: " + describe(s));
  s = natsOptions_SetURL(c->opts_, cfg.url.c_str());
  if (s != NATS_OK)
    return Error(ErrorCode::NatsBadUrl, who + ": `" + cfg.url + "` is not a NATS URL: " + describe(s) + "; write it as nats://host:4222");
  (void)natsOptions_SetTimeout(c->opts_, static_cast<int64_t>(cfg.timeout_ms));
  (void)natsOptions_SetName(c->opts_, ("torvyn " + who).c_str());
  // Once connected, a server that goes away is waited for (fetches return nothing meanwhile;
  // unacknowledged messages are redelivered by JetStream): the instance is stopped by its operator.
  (void)natsOptions_SetAllowReconnect(c->opts_, true);
  (void)natsOptions_SetMaxReconnect(c->opts_, -1);
  (void)natsOptions_SetReconnectWait(c->opts_, 250);
  s = natsConnection_Connect(&c->nc_, c->opts_);
  if (s == NATS_INVALID_ARG || s == NATS_ADDRESS_MISSING)
    return Error(ErrorCode::NatsBadUrl, who + ": `" + cfg.url + "` is not a NATS URL: " + describe(s) + "; write it as nats://host:4222");
  if (s != NATS_OK)
    return Error(ErrorCode::NatsUnreachable, who + ": cannot connect to the NATS server at " + cfg.url + ": " + describe(s) +
                                                 "; is nats-server running there (with -js)?");
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = static_cast<int64_t>(cfg.timeout_ms);
  s = natsConnection_JetStream(&c->js_, c->nc_, &jo);
  if (s != NATS_OK) return Error(ErrorCode::NatsUnreachable, who + ": cannot use JetStream on " + cfg.url + ": " + describe(s));
  return c;
}

Client::~Client() {
  if (js_) jsCtx_Destroy(js_);
  if (nc_) {
    natsConnection_Close(nc_);
    natsConnection_Destroy(nc_);
  }
  if (opts_) natsOptions_Destroy(opts_);
}

Status Client::require_stream(const std::string& stream) const {
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, js_, stream.c_str(), nullptr, &jerr);
  if (si) jsStreamInfo_Destroy(si);
  if (s == NATS_OK) return {};
  if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr)
    return Error(ErrorCode::NatsStreamMissing, who_ + ": JetStream stream `" + stream + "` does not exist on " + cfg_.url +
                                                   "; create it first (e.g. `nats stream add " + stream + " --subjects ...`)");
  if (s == NATS_NO_RESPONDERS || s == NATS_TIMEOUT)
    return Error(ErrorCode::NatsStreamMissing, who_ + ": the server at " + cfg_.url + " does not answer JetStream requests (" + describe(s) +
                                                   "); start nats-server with -js");
  return Error(ErrorCode::NatsStreamMissing, who_ + ": cannot look up stream `" + stream + "`: " + describe(s, jerr));
}

void Client::flush() const {
  if (nc_) (void)natsConnection_FlushTimeout(nc_, static_cast<int64_t>(cfg_.timeout_ms));
}

}  // namespace torvyn::connectors::nats
