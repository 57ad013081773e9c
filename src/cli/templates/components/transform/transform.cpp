// A transform: upper-cases ASCII letters of every element.
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static uint8_t upper(uint8_t c) { return c >= 'a' && c <= 'z' ? uint8_t(c - 'a' + 'A') : c; }

static ProcessResult process(const StreamElement& in) {
  PayloadView data = in.payload.view();  // read in place when a batch brought the bytes
  // The output is written where it goes (in a batch: straight into the output batch).
  auto out = build_buffer(data.size(), in.meta.content_type, [&](uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) p[i] = upper(data[i]);
  });
  if (!out) return ProcessError::from(out.error());
  return ProcessResult::emit({in.meta, out.take()});
}

TORVYN_PROCESSOR(process)
