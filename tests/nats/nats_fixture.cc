#include "nats_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace torvyn::test {

uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) close(fd);
    return 0;
  }
  close(fd);
  return ntohs(a.sin_port);
}

bool NatsServer::missing() { return access(kNatsServer, X_OK) != 0; }

bool NatsServer::start(const std::filesystem::path& store, std::string& why) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_port();
    ProcOptions o;
    o.cwd = store;
    o.env = child_environment({});
    if (!proc_.start(kNatsServer, {"-js", "-a", "127.0.0.1", "-p", std::to_string(port_), "-sd", store.string()}, o)) {
      why = "cannot start " + std::string(kNatsServer);
      return false;
    }
    // Ready once it accepts a client.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline && proc_.running()) {
      natsConnection* nc = nullptr;
      if (natsConnection_ConnectTo(&nc, url().c_str()) == NATS_OK) {
        natsConnection_Destroy(nc);
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    why = "nats-server did not start: " + proc_.stderr_so_far();
    proc_.signal(SIGKILL);
    (void)proc_.wait(std::chrono::seconds(5));
  }
  return false;
}

void NatsServer::kill9() {
  proc_.signal(SIGKILL);
  (void)proc_.wait(std::chrono::seconds(5));
}

JsClient::~JsClient() {
  if (js_) jsCtx_Destroy(js_);
  if (nc_) natsConnection_Destroy(nc_);
}

bool JsClient::connect(const std::string& url, std::string& why) {
  natsStatus s = natsConnection_ConnectTo(&nc_, url.c_str());
  if (s == NATS_OK) s = natsConnection_JetStream(&js_, nc_, nullptr);
  if (s != NATS_OK) why = std::string("connect: ") + natsStatus_GetText(s);
  return s == NATS_OK;
}

bool JsClient::add_stream(const std::string& name, const std::vector<std::string>& subjects, int64_t duplicates_ms, std::string& why) {
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = name.c_str();
  std::vector<const char*> subs;
  for (const auto& s : subjects) subs.push_back(s.c_str());
  cfg.Subjects = subs.data();
  cfg.SubjectsLen = static_cast<int>(subs.size());
  cfg.Storage = js_FileStorage;
  cfg.Duplicates = duplicates_ms * 1000000;
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_AddStream(&si, js_, &cfg, nullptr, &jerr);
  if (si) jsStreamInfo_Destroy(si);
  if (s != NATS_OK) why = "add stream " + name + ": " + natsStatus_GetText(s) + " " + std::to_string(jerr);
  return s == NATS_OK;
}

bool JsClient::publish(const std::string& subject, const std::string& payload, std::string& why) {
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_Publish(nullptr, js_, subject.c_str(), payload.data(), static_cast<int>(payload.size()), nullptr, &jerr);
  if (s != NATS_OK) why = std::string("publish: ") + natsStatus_GetText(s);
  return s == NATS_OK;
}

bool JsClient::publish_numbers(const std::string& subject, uint64_t from, uint64_t to, std::string& why) {
  for (uint64_t i = from; i < to; ++i) {
    std::string p = "{\"n\":" + std::to_string(i) + "}";
    natsStatus s = js_PublishAsync(js_, subject.c_str(), p.data(), static_cast<int>(p.size()), nullptr);
    if (s != NATS_OK) {
      why = std::string("publish async: ") + natsStatus_GetText(s);
      return false;
    }
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = 60000;
  natsStatus s = js_PublishAsyncComplete(js_, &po);
  if (s != NATS_OK) why = std::string("publish async complete: ") + natsStatus_GetText(s);
  return s == NATS_OK;
}

uint64_t JsClient::stream_messages(const std::string& stream) {
  jsStreamInfo* si = nullptr;
  if (js_GetStreamInfo(&si, js_, stream.c_str(), nullptr, nullptr) != NATS_OK || !si) return 0;
  uint64_t n = si->State.Msgs;
  jsStreamInfo_Destroy(si);
  return n;
}

std::vector<std::string> JsClient::read_stream(const std::string& stream) {
  std::vector<std::string> out;
  jsStreamInfo* si = nullptr;
  if (js_GetStreamInfo(&si, js_, stream.c_str(), nullptr, nullptr) != NATS_OK || !si) return out;
  const uint64_t first = si->State.FirstSeq, last = si->State.LastSeq;
  jsStreamInfo_Destroy(si);
  for (uint64_t seq = first; seq && seq <= last; ++seq) {
    natsMsg* m = nullptr;
    if (js_GetMsg(&m, js_, stream.c_str(), seq, nullptr, nullptr) != NATS_OK || !m) continue;
    out.emplace_back(natsMsg_GetData(m), static_cast<size_t>(natsMsg_GetDataLength(m)));
    natsMsg_Destroy(m);
  }
  return out;
}

std::optional<ConsumerState> JsClient::consumer(const std::string& stream, const std::string& durable) {
  jsConsumerInfo* ci = nullptr;
  if (js_GetConsumerInfo(&ci, js_, stream.c_str(), durable.c_str(), nullptr, nullptr) != NATS_OK || !ci) return std::nullopt;
  ConsumerState s{ci->NumAckPending, ci->NumPending, ci->AckFloor.Stream, ci->NumRedelivered};
  jsConsumerInfo_Destroy(ci);
  return s;
}

int64_t number_in(const std::string& payload, const std::string& key) {
  const std::string k = "\"" + key + "\":";
  size_t at = payload.find(k);
  if (at == std::string::npos) return -1;
  at += k.size();
  int64_t v = 0;
  bool any = false;
  while (at < payload.size() && payload[at] >= '0' && payload[at] <= '9') {
    v = v * 10 + (payload[at++] - '0');
    any = true;
  }
  return any ? v : -1;
}

}  // namespace torvyn::test
