// sentences: an aggregator (world stream-aggregator) that joins tokens into sentences.
//
// ingest() adds a token to the sentence being built (words separated by one space, punctuation
// attached to the word before it) and emits the sentence when the token ends one ('.', '!' or
// '?'). At end of stream the runtime calls flush(), which emits any unfinished sentence, so a
// stream cut short (`torvyn run --limit 5`) still delivers what it had.
#include <torvyn/torvyn.hpp>

using namespace torvyn;

static Bytes g_sentence;

static Result<void> init(StringView) {
  g_sentence = Bytes();
  return {};
}

static void teardown() {}

static bool is_punct(uint8_t c) { return c == '.' || c == ',' || c == '!' || c == '?' || c == ';' || c == ':'; }
static bool ends_sentence(uint8_t c) { return c == '.' || c == '!' || c == '?'; }

static Result<OutputElement> take_sentence() {
  auto buf = make_buffer(g_sentence, "text/plain");
  if (!buf) return ProcessError::from(buf.error());
  g_sentence = Bytes();
  // The runtime numbers aggregates itself; the sequence here is advisory.
  return OutputElement{ElementMeta(0, 0, "text/plain"), buf.take()};
}

static Result<Option<OutputElement>> ingest(const StreamElement& in) {
  Bytes token = in.payload.read_all();
  if (token.empty()) return none;
  bool punctuation_only = true;
  for (uint8_t c : token) punctuation_only = punctuation_only && is_punct(c);
  if (!g_sentence.empty() && !punctuation_only) g_sentence += BytesView(" ");
  g_sentence += token;
  if (!ends_sentence(token[token.size() - 1])) return none;
  auto out = take_sentence();
  if (!out) return move(out.error());
  return Option<OutputElement>(out.take());
}

static Result<Vec<OutputElement>> flush() {
  Vec<OutputElement> rest;
  if (!g_sentence.empty()) {
    auto out = take_sentence();
    if (!out) return move(out.error());
    rest.push_back(out.take());
  }
  return rest;
}

TORVYN_AGGREGATOR(ingest, flush)
TORVYN_LIFECYCLE(init, teardown)
