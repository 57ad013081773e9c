// rename-fields: a processor (world managed-transform) that renames keys of JSON objects.
//
// Config: comma-separated "from=to" pairs, e.g. "user_id=userId,msg=message", or a TOML table
// (`config = { user_id = "userId", msg = "message" }`, which reaches init() as JSON). Every
// object key equal to `from` (at any depth) becomes `to`; values, including strings that happen to
// spell a key, are left alone, and so is everything else in the text (spacing, order, escapes).
//
// There is no JSON library in a WASI-free guest, and none is needed: a key is a string token
// whose next non-blank character is ':'. The scanner below tracks only string boundaries
// (honouring backslash escapes) and bracket nesting, enough to find keys and to reject text that
// is clearly not JSON (unterminated string, unbalanced brackets). It is a scanner, not a
// validator: it does not check numbers or literals. Keys are compared as written, escapes
// included.
#include <torvyn/torvyn.hpp>

using namespace torvyn;

struct Rename {
  String from, to;
};
static Vec<Rename> g_renames;

static bool valid_name(StringView name) {
  if (name.empty()) return false;
  for (char c : name)
    if (c == '"' || c == '\\' || uint8_t(c) < 0x20) return false;
  return true;
}

static Result<void> add_rename(StringView from, StringView to) {
  if (!valid_name(from) || !valid_name(to))
    return ProcessError::invalid_input("rename-fields: key names must be non-empty, without quotes, backslashes or control characters");
  g_renames.push_back(Rename{String(from), String(to)});
  return {};
}

static bool is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The table form, which the runtime hands over as JSON: {"user_id":"userId","msg":"message"}.
static Result<void> parse_table(StringView s) {
  static const char kBad[] = "rename-fields: expected a table of \"from\" = \"to\" strings";
  size_t i = 1;  // past '{'
  auto skip = [&] {
    while (i < s.size() && is_space(uint8_t(s[i]))) ++i;
  };
  auto string = [&](StringView& out) {
    skip();
    if (i >= s.size() || s[i] != '"') return false;
    size_t start = ++i;
    while (i < s.size() && s[i] != '"' && s[i] != '\\') ++i;
    if (i >= s.size() || s[i] != '"') return false;  // (escapes never occur in valid names)
    out = StringView(s.data() + start, i++ - start);
    return true;
  };
  skip();
  if (i < s.size() && s[i] == '}') return {};
  for (;;) {
    StringView from, to;
    if (!string(from)) return ProcessError::invalid_input(kBad);
    skip();
    if (i >= s.size() || s[i++] != ':') return ProcessError::invalid_input(kBad);
    if (!string(to)) return ProcessError::invalid_input(kBad);
    auto r = add_rename(from, to);
    if (!r) return r;
    skip();
    if (i < s.size() && s[i] == ',') {
      ++i;
      continue;
    }
    if (i < s.size() && s[i] == '}') return {};
    return ProcessError::invalid_input(kBad);
  }
}

// The string form: "user_id=userId,msg=message".
static Result<void> parse_pairs(StringView config) {
  size_t start = 0;
  while (start < config.size()) {
    size_t end = start;
    while (end < config.size() && config[end] != ',') ++end;
    StringView pair(config.data() + start, end - start);
    if (!pair.empty()) {
      size_t eq = pair.find("=");
      if (eq >= pair.size())
        return ProcessError::invalid_input("rename-fields: expected \"from=to\" pairs, e.g. \"user_id=userId,msg=message\"");
      auto r = add_rename(StringView(pair.data(), eq), StringView(pair.data() + eq + 1, pair.size() - eq - 1));
      if (!r) return r;
    }
    start = end + 1;
  }
  return {};
}

static Result<void> init(StringView config) {
  g_renames.clear();
  auto r = config.starts_with("{") ? parse_table(config) : parse_pairs(config);
  if (!r) return r;
  if (g_renames.empty()) return ProcessError::invalid_input("rename-fields: no renames configured (config \"from=to,...\")");
  return {};
}

static void teardown() { g_renames.clear(); }

static const Rename* rename_for(StringView key) {
  for (const Rename& r : g_renames)
    if (r.from == key) return &r;
  return nullptr;
}

static ProcessResult process(const StreamElement& in) {
  Bytes text = in.payload.read_all();
  const size_t n = text.size();
  Bytes out;
  int depth = 0;
  size_t copied = 0;  // text[0, copied) is already in `out`
  for (size_t i = 0; i < n; ++i) {
    uint8_t c = text[i];
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth < 0) return ProcessError::invalid_input("rename-fields: unbalanced brackets");
    } else if (c == '"') {
      size_t open = i++;
      while (i < n && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
      if (i >= n) return ProcessError::invalid_input("rename-fields: unterminated string");
      size_t close = i;
      size_t next = close + 1;
      while (next < n && is_space(text[next])) ++next;
      if (next < n && text[next] == ':') {
        StringView key(reinterpret_cast<const char*>(text.data()) + open + 1, close - open - 1);
        if (const Rename* r = rename_for(key)) {
          out += BytesView(text.data() + copied, open + 1 - copied);  // up to and with the opening quote
          out += BytesView(r->to.view());
          copied = close;  // from the closing quote on
        }
      }
    }
  }
  if (depth != 0) return ProcessError::invalid_input("rename-fields: unbalanced brackets");
  out += BytesView(text.data() + copied, n - copied);
  auto buf = make_buffer(out, "application/json");
  if (!buf) return ProcessError::from(buf.error());
  return ProcessResult::emit({in.meta, buf.take()});
}

TORVYN_PROCESSOR(process)
TORVYN_LIFECYCLE(init, teardown)
