// Processor that makes its outputs with build_buffer (tests/streaming): it upper-cases each
// payload straight into the output (in a batch, into the output batch's bytes), so the per-element
// and batch forms must give the same outputs. Some elements mix orders make_buffer's staging must
// survive: "keep" builds a buffer, keeps it and emits it one element later (after a younger
// build); "both" makes a buffer with make_buffer first and drops it. Misuse traps:
// "make-inside" calls make_buffer while its buffer is being built; "stale" reads the payload of
// the element before it, whose borrow ended with that element's call.
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static Buffer g_kept;
static BufferRef g_previous;  // the last element's payload (a borrow that has ended)

static uint8_t upper(uint8_t c) { return c >= 'a' && c <= 'z' ? uint8_t(c - 'a' + 'A') : c; }

static bool is(const PayloadView& v, const char* text) { return v.as_string() == StringView(text); }

static ProcessResult build(const StreamElement& in) {
  PayloadView bytes = in.payload.view();
  BufferRef previous = g_previous;
  g_previous = in.payload;
  if (is(bytes, "stale")) (void)previous.size();  // traps
  if (is(bytes, "both")) {
    auto scratch = make_buffer(bytes, "text/scratch");
    if (!scratch) return ProcessError::from(scratch.error());
  }
  bool misuse = is(bytes, "make-inside");
  // A kept buffer is emitted with another element's metadata: it carries a content type of its
  // own, which the element says too (a batch carries one content type per element).
  bool keep = is(bytes, "keep");
  auto made = build_buffer(bytes.size(), keep ? StringView("text/kept") : in.meta.content_type, [&](uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) p[i] = upper(bytes[i]);
    if (misuse) (void)make_buffer(BytesView("x", 1));  // traps
  });
  if (!made) return ProcessError::from(made.error());
  Buffer out = made.take();
  if (keep) {
    Buffer before = static_cast<Buffer&&>(g_kept);
    g_kept = static_cast<Buffer&&>(out);
    if (!before) return ProcessResult::drop();
    return ProcessResult::emit({ElementMeta(in.meta.sequence, in.meta.timestamp_ns, "text/kept"), static_cast<Buffer&&>(before)});
  }
  return ProcessResult::emit({in.meta, static_cast<Buffer&&>(out)});
}

TORVYN_PROCESSOR(build)
