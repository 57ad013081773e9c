#include "nats_client.h"
#include "nats_stages.h"

namespace torvyn::connectors::nats {

namespace {

class Sink final : public reactor::Stage {
 public:
  Sink(config::NatsConnectorConfig cfg, std::string flow, std::string node, resources::BufferPool& pool, std::unique_ptr<Client> client,
       std::shared_ptr<ConnectorStats> stats)
      : cfg_(std::move(cfg)), flow_(std::move(flow)), node_(std::move(node)), name_(flow_ + "/" + node_), pool_(pool),
        client_(std::move(client)), stats_(std::move(stats)) {}
  ~Sink() override { (void)teardown(); }

  reactor::Role role() const override { return reactor::Role::Sink; }
  const std::string& name() const override { return name_; }
  resources::OwnerId owner() const override { return resources::kHostOwner; }
  reactor::CallStatus init(std::string_view) override { return {}; }

  reactor::CallStatus teardown() override {
    if (client_) client_->flush();
    client_.reset();
    return {};
  }

  // Synchronous: the element is delivered once the stream has stored it (or recognised it as a
  // duplicate), so the source message behind it is acknowledged only after that.
  reactor::CallStatus push(const reactor::InElement& in, bool& pause) override {
    pause = false;
    if (!client_) return {reactor::FailKind::Fatal, "the NATS connection is closed"};
    const resources::Buffer* b = pool_.get(in.payload);
    if (!b) return {reactor::FailKind::Internal, "the element's buffer no longer exists"};
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = static_cast<int64_t>(cfg_.timeout_ms);
    std::string id;
    if (in.origin) {
      id = flow_ + "/" + node_ + "/" + std::string(in.origin_node) + ":" + std::to_string(in.origin);
      po.MsgId = id.c_str();
    }
    if (!cfg_.stream.empty()) po.ExpectStream = cfg_.stream.c_str();
    jsPubAck* ack = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_Publish(&ack, client_->js(), cfg_.subject.c_str(), b->data, static_cast<int>(b->size), &po, &jerr);
    if (s == NATS_OK) {
      stats_->published.add();
      if (ack && ack->Duplicate) stats_->duplicates.add();
      if (ack) jsPubAck_Destroy(ack);
      return {};
    }
    if (ack) jsPubAck_Destroy(ack);
    stats_->publish_errors.add();
    std::string why = s == NATS_NO_RESPONDERS ? "no JetStream stream captures subject `" + cfg_.subject + "` (" + describe(s) + ")"
                                              : describe(s, jerr);
    return {reactor::FailKind::Unavailable,
            Error(ErrorCode::NatsPublishFailed, "cannot publish to `" + cfg_.subject + "` on " + cfg_.url + ": " + why).to_string()};
  }

  reactor::CallStatus complete() override {
    if (client_) client_->flush();
    return {};
  }

 private:
  config::NatsConnectorConfig cfg_;
  std::string flow_, node_, name_;
  resources::BufferPool& pool_;
  std::unique_ptr<Client> client_;
  std::shared_ptr<ConnectorStats> stats_;
};

}  // namespace

Result<ConnectorNode> open_sink(const config::NatsConnectorConfig& cfg, const std::string& flow, const std::string& node,
                                resources::BufferPool& pool) {
  const std::string who = "flow `" + flow + "` node `" + node + "`";
  auto client = Client::connect(cfg, who);
  if (!client) return client.error();
  if (!cfg.stream.empty())
    if (auto s = (*client)->require_stream(cfg.stream); !s) return s.error();
  auto stats = std::make_shared<ConnectorStats>();
  stats->connector = "nats-jetstream";
  stats->role = "sink";
  ConnectorNode out;
  out.stats = stats;
  out.stage = std::make_unique<Sink>(cfg, flow, node, pool, std::move(*client), stats);
  return out;
}

}  // namespace torvyn::connectors::nats
