// Built-in connector nodes: `nodes.<id> = { connector = "nats-jetstream", config = { ... } }`.
// The host builds them like its --input/--output file stages; what they count is exposed as
// metrics (ConnectorStats) next to the flow's own.
#pragma once

#include <memory>
#include <string>

#include "torvyn/base/result.h"
#include "torvyn/base/stats.h"
#include "torvyn/config/config.h"
#include "torvyn/reactor/stage.h"
#include "torvyn/resources/buffer_pool.h"

namespace torvyn::connectors {

// Read by the inspection API while the flow runs (counters are atomics).
struct ConnectorStats {
  std::string connector;   // "nats-jetstream"
  std::string role;        // "source" | "sink"
  // Source.
  Counter fetched;         // messages fetched
  Counter acked;           // messages acknowledged (every element derived from them settled)
  Counter failed_acked;    // ... of which an element failed and was skipped (error_policy = "skip")
  Counter redelivered;     // messages JetStream delivered more than once (NumDelivered > 1)
  Counter pending_acks;    // fetched, not yet acknowledged (gauge)
  Counter in_progress;     // "in progress" acknowledgements sent for elements still in flight
  Counter ack_errors;      // acknowledgements the client could not send (the message comes again)
  Counter fetch_errors;    // fetches that failed (server away: the client reconnects meanwhile)
  Counter too_large;       // messages larger than the largest element (terminated, never redelivered)
  Histogram fetch_latency_ns;  // per fetch that returned messages
  // Sink.
  Counter published;       // messages the stream acknowledged
  Counter duplicates;      // ... that the stream recognised by Nats-Msg-Id and did not store again
  Counter publish_errors;
};

struct ConnectorNode {
  std::unique_ptr<reactor::Stage> stage;
  std::shared_ptr<ConnectorStats> stats;
};

// Connects and binds what the node needs (server, stream, durable consumer) now, so that a flow
// that cannot run fails before it starts, with E0932-E0935.
Result<ConnectorNode> make_connector(const config::NodeDecl& node, const std::string& flow, resources::BufferPool& pool,
                                     resources::ReservationId reservation);

}  // namespace torvyn::connectors
