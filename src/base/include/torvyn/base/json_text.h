// JSON text for values that may carry bytes from outside: request lines, file names, manifest text,
// guest strings. nlohmann's default dump() throws on invalid UTF-8, and a throw on the HTTP thread
// or in `--format json` output aborts the whole process; every dump in Torvyn goes through here,
// which replaces each invalid byte with U+FFFD instead.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace torvyn {

template <typename BasicJson>
std::string json_text(const BasicJson& j, int indent = -1) {
  return j.dump(indent, ' ', false, BasicJson::error_handler_t::replace);
}

}  // namespace torvyn
