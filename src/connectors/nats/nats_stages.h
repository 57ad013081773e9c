// The nats-jetstream connector's two stages.
//
// Source: reads a stream through a durable pull consumer that every instance of the flow shares
// (created with js_AddConsumer when missing, then bound; stopping an instance never deletes it).
// Each fetch asks for at most the free credit of the source's output (the flow hands pull_batch
// no more than that), so a full pipeline stops fetching and JetStream sees the backpressure as
// messages it has not delivered. A message becomes one element with ack_id = its stream sequence;
// it is acknowledged when the flow settles that element (Stage::settled): every element derived
// from it delivered or dropped, or failed and skipped. Elements still in flight when their
// ack_wait is half gone get an "in progress" acknowledgement (long invocations, full queues);
// what an instance never acknowledges (killed, failed) JetStream delivers again after ack_wait.
//
// Sink: publishes each element to a subject and waits for the stream's publish acknowledgement
// before the element counts as delivered. An element derived from a source message carries
// Nats-Msg-Id "<flow>/<sink node>/<source node>:<stream sequence>", so the stream's duplicate window
// drops a copy published again after a redelivery.
#pragma once

#include "torvyn/connectors/connectors.h"

namespace torvyn::connectors::nats {

Result<ConnectorNode> open_source(const config::NatsConnectorConfig& cfg, const std::string& flow, const std::string& node,
                                  resources::BufferPool& pool, resources::ReservationId reservation);
Result<ConnectorNode> open_sink(const config::NatsConnectorConfig& cfg, const std::string& flow, const std::string& node,
                                resources::BufferPool& pool);

}  // namespace torvyn::connectors::nats
