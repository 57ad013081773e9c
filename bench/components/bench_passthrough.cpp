// Benchmark processor: reads the payload and emits a copy (the minimal real transform). It reads
// through a view (in a batch the bytes are in guest memory already) and copies once, into the
// output.
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static ProcessResult pass(const StreamElement& in) {
  PayloadView data = in.payload.view();
  auto out = make_buffer(data);  // the content type travels in in.meta (see bench_source.cpp)
  if (!out) return ProcessError::from(out.error());
  return ProcessResult::emit({in.meta, out.take()});
}

TORVYN_PROCESSOR(pass)
