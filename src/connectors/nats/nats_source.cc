#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "nats_client.h"
#include "nats_stages.h"

namespace torvyn::connectors::nats {

namespace {

using Clock = std::chrono::steady_clock;

// How long a fetch waits for a first message when none is ready. The flow's thread waits with
// it, so this bounds how late a stop (drain, SIGTERM) is seen by an idle source.
constexpr int64_t kIdleWaitMs = 50;

class Source final : public reactor::Stage {
 public:
  Source(config::NatsConnectorConfig cfg, std::string name, resources::BufferPool& pool, resources::ReservationId reservation,
         std::unique_ptr<Client> client, natsSubscription* sub, std::shared_ptr<ConnectorStats> stats)
      : cfg_(std::move(cfg)), name_(std::move(name)), pool_(pool), client_(std::move(client)), sub_(sub), stats_(std::move(stats)) {
    owner_ = pool_.register_owner(name_, 0, reservation);
    keeper_ = std::thread([this] { keep_in_progress(); });
  }
  ~Source() override { (void)teardown(); }

  reactor::Role role() const override { return reactor::Role::Source; }
  const std::string& name() const override { return name_; }
  resources::OwnerId owner() const override { return owner_; }
  reactor::CallStatus init(std::string_view) override { return {}; }
  uint32_t max_batch() const override { return cfg_.batch; }
  bool batch_only() const override { return true; }

  reactor::CallStatus teardown() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (keeper_.joinable()) keeper_.join();
    std::lock_guard lock(mutex_);
    // Never acknowledged here: JetStream delivers them again (to this durable's other instances).
    for (auto& [seq, p] : pending_)
      for (natsMsg* m : p.msgs) natsMsg_Destroy(m);
    pending_.clear();
    stats_->pending_acks.set(0);
    if (client_) client_->flush();
    // Destroy, not Unsubscribe: the durable consumer outlives this instance.
    if (sub_) natsSubscription_Destroy(sub_);
    sub_ = nullptr;
    client_.reset();
    return {};
  }

  reactor::CallStatus pull_batch(uint32_t max, std::vector<reactor::OutElement>& out, bool& done) override {
    done = false;
    if (!sub_ || max == 0) return {};
    natsMsgList list{nullptr, 0};
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const Clock::time_point t0 = Clock::now();
    natsStatus s = natsSubscription_Fetch(&list, sub_, static_cast<int>(std::min<uint32_t>(max, cfg_.batch)), kIdleWaitMs, &jerr);
    if (s != NATS_OK) {
      natsMsgList_Destroy(&list);
      if (s == NATS_TIMEOUT) return {};  // nothing now
      if (s == NATS_NOT_FOUND || jerr == JSConsumerNotFoundErr)
        return {reactor::FailKind::Fatal,
                Error(ErrorCode::NatsFetchFailed, "durable consumer `" + cfg_.durable + "` of stream `" + cfg_.stream + "` no longer exists: " +
                                                      describe(s, jerr))
                    .to_string()};
      // The server is away or busy: the client reconnects; nothing is lost (nothing was taken).
      stats_->fetch_errors.add();
      std::this_thread::sleep_for(std::chrono::milliseconds(kIdleWaitMs));
      return {};
    }
    stats_->fetch_latency_ns.record(static_cast<uint64_t>((Clock::now() - t0).count()));
    stats_->fetched.add(static_cast<uint64_t>(list.Count));
    std::lock_guard lock(mutex_);
    for (int i = 0; i < list.Count; ++i) {
      natsMsg* m = list.Msgs[i];
      jsMsgMetaData* meta = nullptr;
      if (natsMsg_GetMetaData(&meta, m) != NATS_OK || !meta) {
        continue;  // not a JetStream message (cannot happen on a pull subscription): left to the list
      }
      const uint64_t seq = meta->Sequence.Stream;
      if (meta->NumDelivered > 1) stats_->redelivered.add();
      jsMsgMetaData_Destroy(meta);
      list.Msgs[i] = nullptr;  // ours now
      if (auto it = pending_.find(seq); it != pending_.end()) {
        // Delivered again while its first copy is still in flight here (ack_wait ran out): the
        // copy in flight settles both.
        it->second.msgs.push_back(m);
        continue;
      }
      const int len = natsMsg_GetDataLength(m);
      if (static_cast<uint64_t>(len) > resources::kMaxBufferBytes) {
        // Larger than any element can be: redelivering it would fail the same way forever, so
        // JetStream is told to stop (Term), and the message is counted as an error.
        (void)natsMsg_Term(m, nullptr);
        natsMsg_Destroy(m);
        stats_->too_large.add();
        continue;
      }
      auto id = pool_.allocate(owner_, static_cast<uint64_t>(len));
      if (!id) {
        // No buffer now: handed back at once, so JetStream offers it again (here or elsewhere).
        (void)natsMsg_Nak(m, nullptr);
        natsMsg_Destroy(m);
        continue;
      }
      if (len > 0) (void)pool_.write(*id, 0, natsMsg_GetData(m), static_cast<uint64_t>(len));
      (void)pool_.set_content_type(*id, cfg_.content_type);
      (void)pool_.freeze(*id);
      (void)pool_.transfer(*id, resources::kHostOwner);
      (void)pool_.set_state(*id, resources::BufferState::Transit);
      reactor::OutElement& e = out.emplace_back();
      e.content_type = cfg_.content_type;
      e.payload = *id;
      e.ack_id = seq;
      pending_.emplace(seq, Pending{{m}, Clock::now()});
    }
    stats_->pending_acks.set(pending_.size());
    natsMsgList_Destroy(&list);
    return {};
  }

  void settled(uint64_t ack_id, bool failed) override {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(ack_id);
    if (it == pending_.end()) return;
    for (natsMsg* m : it->second.msgs) {
      if (natsMsg_Ack(m, nullptr) != NATS_OK) stats_->ack_errors.add();  // redelivered; the sink's Nats-Msg-Id de-duplicates
      natsMsg_Destroy(m);
    }
    pending_.erase(it);
    stats_->acked.add();
    if (failed) stats_->failed_acked.add();
    stats_->pending_acks.set(pending_.size());
  }

 private:
  struct Pending {
    std::vector<natsMsg*> msgs;       // the delivery in flight, and any redelivery of it meanwhile
    Clock::time_point since;          // fetched, or last told "in progress"
  };

  // Tells JetStream "in progress" for messages in flight longer than half their ack_wait, so a
  // long invocation (or a long wait in a full queue) does not make it redeliver them.
  void keep_in_progress() {
    const auto ack_wait = std::chrono::milliseconds(cfg_.ack_wait_ms);
    const auto period = std::max<Clock::duration>(ack_wait / 4, std::chrono::milliseconds(20));
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, period, [&] { return stopping_; });
      if (stopping_) break;
      const Clock::time_point now = Clock::now();
      for (auto& [seq, p] : pending_) {
        if (now - p.since < ack_wait / 2) continue;
        if (natsMsg_InProgress(p.msgs.front(), nullptr) == NATS_OK) stats_->in_progress.add();
        p.since = now;
      }
    }
  }

  config::NatsConnectorConfig cfg_;
  std::string name_;
  resources::BufferPool& pool_;
  resources::OwnerId owner_;
  std::unique_ptr<Client> client_;
  natsSubscription* sub_;
  std::shared_ptr<ConnectorStats> stats_;
  std::mutex mutex_;  // pending_ and stopping_: the flow's thread and the keeper
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<uint64_t, Pending> pending_;  // by stream sequence (the elements' ack_id)
  std::thread keeper_;
};

// The durable pull consumer: found, or created with this config. An existing one must be a pull
// consumer with explicit acks (and the configured filter subject, when one is given).
Result<std::string> ensure_consumer(const Client& c, const config::NatsConnectorConfig& cfg, const std::string& who) {
  jsConsumerInfo* ci = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetConsumerInfo(&ci, c.js(), cfg.stream.c_str(), cfg.durable.c_str(), nullptr, &jerr);
  if (s == NATS_NOT_FOUND || jerr == JSConsumerNotFoundErr) {
    jsConsumerConfig cc;
    jsConsumerConfig_Init(&cc);
    cc.Durable = cfg.durable.c_str();
    cc.AckPolicy = js_AckExplicit;
    cc.DeliverPolicy = js_DeliverAll;
    cc.AckWait = static_cast<int64_t>(cfg.ack_wait_ms) * 1000000;
    if (!cfg.subject.empty()) cc.FilterSubject = cfg.subject.c_str();
    jerr = static_cast<jsErrCode>(0);
    s = js_AddConsumer(&ci, c.js(), cfg.stream.c_str(), &cc, nullptr, &jerr);
    if (s != NATS_OK) {  // another instance may have created it at the same moment
      jerr = static_cast<jsErrCode>(0);
      s = js_GetConsumerInfo(&ci, c.js(), cfg.stream.c_str(), cfg.durable.c_str(), nullptr, &jerr);
    }
  }
  if (s != NATS_OK || !ci)
    return Error(ErrorCode::NatsConsumerFailed, who + ": cannot create or find durable consumer `" + cfg.durable + "` on stream `" +
                                                    cfg.stream + "`: " + describe(s, jerr));
  std::string problem, filter;
  if (ci->Config) {
    if (ci->Config->DeliverSubject && *ci->Config->DeliverSubject) problem = "it is a push consumer (it has a deliver subject)";
    else if (ci->Config->AckPolicy != js_AckExplicit) problem = "its ack policy is not explicit";
    if (ci->Config->FilterSubject) filter = ci->Config->FilterSubject;
    if (problem.empty() && !cfg.subject.empty() && filter != cfg.subject)
      problem = "its filter subject is `" + filter + "`, not `" + cfg.subject + "`";
  }
  jsConsumerInfo_Destroy(ci);
  if (!problem.empty())
    return Error(ErrorCode::NatsConsumerFailed, who + ": durable consumer `" + cfg.durable + "` on stream `" + cfg.stream + "` exists, but " +
                                                    problem + "; use another `durable` name, or delete the consumer");
  return filter;
}

}  // namespace

Result<ConnectorNode> open_source(const config::NatsConnectorConfig& cfg, const std::string& flow, const std::string& node,
                                  resources::BufferPool& pool, resources::ReservationId reservation) {
  const std::string who = "flow `" + flow + "` node `" + node + "`";
  auto client = Client::connect(cfg, who);
  if (!client) return client.error();
  if (auto s = (*client)->require_stream(cfg.stream); !s) return s.error();
  auto filter = ensure_consumer(**client, cfg, who);
  if (!filter) return filter.error();
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = cfg.stream.c_str();
  so.Consumer = cfg.durable.c_str();
  natsSubscription* sub = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const std::string subject = !cfg.subject.empty() ? cfg.subject : *filter;
  natsStatus s = js_PullSubscribe(&sub, (*client)->js(), subject.empty() ? nullptr : subject.c_str(), cfg.durable.c_str(), nullptr, &so, &jerr);
  if (s != NATS_OK)
    return Error(ErrorCode::NatsConsumerFailed, who + ": cannot bind to durable consumer `" + cfg.durable + "`: " + describe(s, jerr));
  auto stats = std::make_shared<ConnectorStats>();
  stats->connector = "nats-jetstream";
  stats->role = "source";
  ConnectorNode out;
  out.stats = stats;
  out.stage = std::make_unique<Source>(cfg, flow + "/" + node, pool, reservation, std::move(*client), sub, stats);
  return out;
}

}  // namespace torvyn::connectors::nats
