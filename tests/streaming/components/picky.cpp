// Processor with every outcome, chosen by the payload's first word (tests/streaming):
//   "drop..." -> drop, "err..." -> invalid-input("rejected <payload>"), "fatal..." -> fatal("stop"),
//   anything else -> emit the payload uppercased, content type "text/upper".
// The same function serves process and process-batch (the SDK exports both).
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static ProcessResult picky(const StreamElement& in) {
  Bytes data = in.payload.read_all();
  StringView text = data.as_string();
  if (text.starts_with("drop")) return ProcessResult::drop();
  if (text.starts_with("err")) {
    String m("rejected ");
    m += text;
    return ProcessError::invalid_input(m);
  }
  if (text.starts_with("fatal")) return ProcessError::fatal("stop");
  for (uint8_t& c : data)
    if (c >= 'a' && c <= 'z') c = uint8_t(c - 'a' + 'A');
  auto out = make_buffer(data, "text/upper");
  if (!out) return ProcessError::from(out.error());
  return ProcessResult::emit({ElementMeta(in.meta.sequence, in.meta.timestamp_ns, "text/upper"), out.take()});
}

TORVYN_PROCESSOR(picky)
