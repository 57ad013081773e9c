#include "torvyn/connectors/connectors.h"

#include "nats_stages.h"

namespace torvyn::connectors {

Result<ConnectorNode> make_connector(const config::NodeDecl& node, const std::string& flow, resources::BufferPool& pool,
                                     resources::ReservationId reservation) {
  if (node.connector == "nats-jetstream" && node.nats) {
    if (node.connector_role == config::ConnectorRole::Source) return nats::open_source(*node.nats, flow, node.id, pool, reservation);
    if (node.connector_role == config::ConnectorRole::Sink) return nats::open_sink(*node.nats, flow, node.id, pool);
  }
  return Error(ErrorCode::ConnectorNodeInvalid, "node `" + node.id + "`: connector `" + node.connector +
                                                    "` is not one this host implements as a source or sink here");
}

}  // namespace torvyn::connectors
