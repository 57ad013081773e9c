// tokens: a source (world data-source) that streams text one token per element, the way a
// language model streams its answer: words, with punctuation as tokens of their own
// ("The" "quick" ... "dog" "." "Torvyn" ...).
//
// Config: the text to stream (default: three sentences, one with a word the next stage blocks).
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static const char kDefaultText[] =
    "The quick brown fox jumps over the lazy dog. Torvyn streams every darn token fast! Can you spot the dropped word?";

static Vec<String> g_tokens;
static uint64_t g_next = 0;

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static bool is_punct(char c) { return c == '.' || c == ',' || c == '!' || c == '?' || c == ';' || c == ':'; }

// Splits on blanks; trailing punctuation becomes separate one-character tokens.
static void tokenize(StringView text) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    size_t end = i, word_end = end;
    while (word_end > start && is_punct(text[word_end - 1])) --word_end;
    if (word_end > start) g_tokens.push_back(String(StringView(text.data() + start, word_end - start)));
    for (size_t p = word_end; p < end; ++p) g_tokens.push_back(String(StringView(text.data() + p, 1)));
  }
}

static Result<void> init(StringView config) {
  g_tokens.clear();
  g_next = 0;
  tokenize(config.empty() ? StringView(kDefaultText) : config);
  return {};
}

static void teardown() { g_tokens.clear(); }

static Result<Option<OutputElement>> pull() {
  if (g_next >= g_tokens.size()) return none;
  auto buf = make_buffer(g_tokens[g_next].view(), "text/plain");
  if (!buf) return ProcessError::from(buf.error());
  return OutputElement{ElementMeta(g_next++, 0, "text/plain"), buf.take()};
}

static void notify(BackpressureSignal) {}

TORVYN_SOURCE(pull, notify)
TORVYN_LIFECYCLE(init, teardown)
