// Transform used by the tracing tests: replaces the payload with what flow-context told it,
// "<trace-id> <span-id> <deadline-ns>", so the host can check the ids a component sees.
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static ProcessResult stamp(const StreamElement& in) {
  String text = in.context.trace_id();
  text.push_back(' ');
  String span = in.context.span_id();
  text.append(span.data(), span.size());
  text.push_back(' ');
  uint64_t deadline = in.context.deadline_ns();
  char digits[24];
  int n = 0;
  do {
    digits[n++] = char('0' + deadline % 10);
    deadline /= 10;
  } while (deadline);
  while (n) text.push_back(digits[--n]);
  auto out = make_buffer(BytesView(reinterpret_cast<const uint8_t*>(text.data()), text.size()), in.meta.content_type);
  if (!out) return ProcessError::from(out.error());
  return ProcessResult::emit({in.meta, out.take()});
}

TORVYN_PROCESSOR(stamp)
