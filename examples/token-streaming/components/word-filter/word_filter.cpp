// word-filter: a content filter (world content-filter) that drops blocked tokens.
//
// Config: comma-separated blocked words, e.g. "darn,heck". A token is dropped when it equals a
// blocked word, ignoring ASCII case; every other token passes untouched (the filter only reads
// the payload, it never copies it into a new buffer).
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static Vec<String> g_blocked;

static Result<void> init(StringView config) {
  g_blocked.clear();
  size_t start = 0;
  while (start < config.size()) {
    size_t end = start;
    while (end < config.size() && config[end] != ',') ++end;
    size_t b = start, e = end;
    while (b < e && config[b] == ' ') ++b;
    while (e > b && config[e - 1] == ' ') --e;
    if (e > b) g_blocked.push_back(String(StringView(config.data() + b, e - b)));
    start = end + 1;
  }
  return {};
}

static void teardown() { g_blocked.clear(); }

static char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

static bool equal_ignoring_case(StringView a, StringView b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// true = keep the element, false = drop it.
static Result<bool> evaluate(const StreamElement& in) {
  Bytes token = in.payload.read_all();
  for (const String& word : g_blocked)
    if (equal_ignoring_case(token.as_string(), word.view())) return false;
  return true;
}

TORVYN_FILTER(evaluate)
TORVYN_LIFECYCLE(init, teardown)
