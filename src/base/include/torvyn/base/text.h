// Text from outside (a request path, a file name, a guest string) made safe to log: valid UTF-8 is
// kept, every byte that is not part of a valid sequence becomes the four characters \xNN, so the
// record stays valid UTF-8 without losing what was sent, and the result is capped in length.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace torvyn {

// Whether `s` is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view s);

// `s` with invalid bytes escaped as \xNN, cut (at a character boundary) to at most `max_bytes` of
// output plus a marker "...[N more bytes]" saying how much of the input was left out.
std::string printable_utf8(std::string_view s, size_t max_bytes = std::string::npos);

}  // namespace torvyn
