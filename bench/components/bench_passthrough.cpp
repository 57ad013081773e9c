// Benchmark processor: reads the payload and emits a copy (the minimal real transform).
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static ProcessResult pass(const StreamElement& in) {
  Bytes data = in.payload.read_all();
  auto out = make_buffer(data, in.meta.content_type);
  if (!out) return ProcessError::from(out.error());
  return ProcessResult::emit({in.meta, out.take()});
}

TORVYN_PROCESSOR(pass)
