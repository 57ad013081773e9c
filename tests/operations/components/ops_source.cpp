// ops_source (world data-source): the source of the operations tests.
//
// Config: count=<n> elements (0 = never exhausted: the flow runs until `torvyn run` is stopped),
// size=<bytes> per payload (default 16; at least the text "element #<seq>" is written, then 'x'
// padding), work=<rounds> of busy work per pull (default 0).
#include "ops_config.h"

using namespace torvyn;

static uint64_t g_count = 0, g_size = 16, g_work = 0;
static uint64_t g_next = 0;

static Result<void> init(StringView config) {
  StringView bad;
  const ops::Key keys[] = {{"count", &g_count}, {"size", &g_size}, {"work", &g_work}};
  if (!ops::parse_config(config, keys, bad)) return ProcessError::invalid_input("ops_source: bad config item (count=, size=, work=)");
  return {};
}

static void teardown() {}

static Result<Option<OutputElement>> pull() {
  if (g_count && g_next >= g_count) return none;
  ops::burn(g_work, g_next);
  String text("element #");
  char digits[20];
  size_t n = 0;
  uint64_t v = g_next;
  do digits[n++] = char('0' + v % 10);
  while (v /= 10);
  while (n) text += StringView(&digits[--n], 1);
  while (text.size() < g_size) text += StringView("x", 1);
  auto buf = make_buffer(text, "text/plain");
  if (!buf) return ProcessError::from(buf.error());
  return OutputElement{ElementMeta(g_next++, 0, "text/plain"), buf.take()};
}

static void notify(BackpressureSignal) {}

TORVYN_SOURCE(pull, notify)
TORVYN_LIFECYCLE(init, teardown)
