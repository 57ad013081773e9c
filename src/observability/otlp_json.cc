#include "torvyn/observability/otlp_json.h"

#include <cmath>
#include <set>
#include <type_traits>
#include "torvyn/base/json_text.h"

namespace torvyn::observability::otlp_json {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one (truncated, a
// stray continuation byte, an overlong form, a surrogate, or above U+10FFFF).
size_t utf8_sequence(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if (c >= 0xc2 && c <= 0xdf) n = 2, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef) n = 3, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4) n = 4, cp = c & 0x07;
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return 0;  // overlong
  if (cp >= 0xd800 && cp <= 0xdfff) return 0;                         // surrogate
  if (cp > 0x10ffff) return 0;
  return n;
}

Json string_of(std::string_view s) { return Json(valid_utf8(s)); }

std::string decimal(uint64_t v) { return std::to_string(v); }

Json double_value(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return d;
}

Json attribute(std::string_view key, const SpanAttribute& a) {
  Json kv = Json::object();
  kv["key"] = string_of(key);
  kv["value"] = any_value(a);
  return kv;
}

}  // namespace

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t n = utf8_sequence(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    } else {
      out.append(text, i, n);
      i += n;
    }
  }
  return out;
}

Json any_value(const SpanAttribute& attribute) {
  Json v = Json::object();
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) v["stringValue"] = string_of(x);
        else if constexpr (std::is_same_v<T, int64_t>) v["intValue"] = std::to_string(x);  // int64: a string
        else if constexpr (std::is_same_v<T, double>) v["doubleValue"] = double_value(x);
        else v["boolValue"] = x;
      },
      attribute.value);
  return v;
}

Json key_values(const std::vector<SpanAttribute>& attributes) {
  Json out = Json::array();
  std::set<std::string_view> seen;
  for (const SpanAttribute& a : attributes)
    if (seen.insert(a.key).second) out.push_back(attribute(a.key, a));
  return out;
}

Json span(const SpanRecord& r) {
  Json s = Json::object();
  s["traceId"] = to_hex(r.trace_id);
  s["spanId"] = to_hex(r.span_id);
  if (r.parent_span_id.valid()) s["parentSpanId"] = to_hex(r.parent_span_id);
  s["name"] = string_of(r.name);
  s["kind"] = static_cast<int>(r.kind);
  s["startTimeUnixNano"] = decimal(r.start_unix_ns);
  s["endTimeUnixNano"] = decimal(r.end_unix_ns);
  if (!r.attributes.empty()) s["attributes"] = key_values(r.attributes);
  if (r.status != SpanStatus::Unset || !r.status_message.empty()) {
    Json st = Json::object();
    st["code"] = static_cast<int>(r.status);
    if (!r.status_message.empty()) st["message"] = string_of(r.status_message);
    s["status"] = std::move(st);
  }
  return s;
}

Json resource(const TraceResource& res) {
  // service.name and service.version come from the dedicated fields; an extra attribute with
  // the same key is dropped rather than sent twice (OTLP keys must be unique).
  std::vector<SpanAttribute> all;
  all.push_back({"service.name", res.service_name});
  if (!res.service_version.empty()) all.push_back({"service.version", res.service_version});
  for (const SpanAttribute& a : res.attributes)
    if (a.key != "service.name" && a.key != "service.version") all.push_back(a);
  Json r = Json::object();
  r["attributes"] = key_values(all);
  return r;
}

Json export_request(const TraceResource& res, const std::vector<SpanRecord>& spans) {
  Json scope = Json::object();
  scope["name"] = string_of(res.scope_name);
  if (!res.service_version.empty()) scope["version"] = string_of(res.service_version);

  Json span_list = Json::array();
  for (const SpanRecord& r : spans) span_list.push_back(span(r));

  Json scope_spans = Json::object();
  scope_spans["scope"] = std::move(scope);
  scope_spans["spans"] = std::move(span_list);

  Json resource_spans = Json::object();
  resource_spans["resource"] = resource(res);
  resource_spans["scopeSpans"] = Json::array({std::move(scope_spans)});

  Json request = Json::object();
  request["resourceSpans"] = Json::array({std::move(resource_spans)});
  return request;
}

std::string span_line(const TraceResource& res, const SpanRecord& record) {
  Json s = span(record);
  s["serviceName"] = string_of(res.service_name);
  return dump(s);
}

std::string dump(const Json& json) {
  // Strings were made valid UTF-8 when the object was built; `replace` only guards against a
  // caller that built one by hand, so that serializing never throws on the export thread.
  return json_text(json);
}

}  // namespace torvyn::observability::otlp_json
