// Processor that makes, keeps and emits buffers out of order (tests/streaming), so that in the
// batch form make_buffer's staging into the output batch meets every order it must survive:
//   - each element makes a scratch buffer from its bytes and drops it unused;
//   - it makes `cur` from its bytes (content type "text/cur") and reads it back;
//   - elements whose sequence is a multiple of 3 emit `cur` at once, while the buffer kept from
//     before stays kept (so it is emitted after a younger one);
//   - the others emit the buffer kept from before (made one or more calls earlier, perhaps in the
//     previous batch) and keep `cur` instead; with nothing kept yet, they keep `cur` and drop.
// The per-element and batch forms must give the same outputs.
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static Buffer g_kept;

static bool same(const Bytes& a, const Bytes& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a.data()[i] != b.data()[i]) return false;
  return true;
}

// The element's content type is the buffer's: a batch carries one content type per element.
static ElementMeta meta(const StreamElement& in) { return ElementMeta(in.meta.sequence, in.meta.timestamp_ns, "text/cur"); }

static ProcessResult juggle(const StreamElement& in) {
  Bytes data = in.payload.read_all();
  {
    auto scratch = make_buffer(data);  // made and dropped
    if (!scratch) return ProcessError::from(scratch.error());
  }
  auto made = make_buffer(data, "text/cur");
  if (!made) return ProcessError::from(made.error());
  Buffer cur = made.take();
  if (!same(cur.read_all(), data)) return ProcessError::fatal("a new buffer reads back different bytes");
  if (in.meta.sequence % 3 == 0) return ProcessResult::emit({meta(in), static_cast<Buffer&&>(cur)});
  Buffer out = static_cast<Buffer&&>(g_kept);
  g_kept = static_cast<Buffer&&>(cur);
  if (!out) return ProcessResult::drop();
  if (out.size() != out.read_all().size()) return ProcessError::fatal("a kept buffer lost its bytes");
  return ProcessResult::emit({meta(in), static_cast<Buffer&&>(out)});
}

TORVYN_PROCESSOR(juggle)
