// Router (world torvyn:filtering/content-router): routes by payload prefix.
//   "a:..." -> [alpha]   "b:..." -> [beta]   "*:..." -> [alpha, beta] (fan-out)
//   anything else -> [] (drop);  "!..." -> error invalid-input
// It also tags each decision with the flow id: a payload "f:" routes to the port named after
// flow-context.flow-id (exercises an import returning a string).
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static Result<Vec<String>> route(const StreamElement& in) {
  Bytes head = in.payload.read(0, 2);
  StringView p = head.as_string();
  Vec<String> ports;
  if (p.starts_with("!")) return ProcessError::invalid_input("refused");
  if (p == "a:" || p == "*:") ports.push_back(String("alpha"));
  if (p == "b:" || p == "*:") ports.push_back(String("beta"));
  if (p == "f:") ports.push_back(in.context.flow_id());
  return ports;
}

TORVYN_ROUTER(route)
TORVYN_DEFAULT_LIFECYCLE()
