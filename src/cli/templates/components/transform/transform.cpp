// A transform: upper-cases ASCII letters of every element.
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static ProcessResult process(const StreamElement& in) {
  Bytes data = in.payload.read_all();
  for (uint8_t& c : data)
    if (c >= 'a' && c <= 'z') c = uint8_t(c - 'a' + 'A');
  auto out = make_buffer(data, in.meta.content_type);
  if (!out) return ProcessError::from(out.error());
  return ProcessResult::emit({in.meta, out.take()});
}

TORVYN_PROCESSOR(process)
