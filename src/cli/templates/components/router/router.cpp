// A router: even sequence numbers go to port "even", odd ones to "odd".
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static Result<Vec<String>> route(const StreamElement& in) {
  Vec<String> ports;
  ports.push_back(String(in.meta.sequence % 2 == 0 ? "even" : "odd"));
  return ports;
}

TORVYN_ROUTER(route)
TORVYN_DEFAULT_LIFECYCLE()
