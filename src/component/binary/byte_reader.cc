#include "byte_reader.h"

#include <utility>

namespace torvyn::component::binary_detail {

std::string hex(uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), digits[v & 0xf]);
    v >>= 4;
  } while (v);
  return "0x" + s;
}

std::string hex_byte(uint8_t b) {
  static const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[b >> 4] + digits[b & 0xf];
}

// Strict UTF-8 (Unicode scalar values only): no overlong forms, no surrogates, nothing past
// U+10FFFF. The core spec's `name` is defined this way and names become host strings.
bool valid_utf8(std::span<const uint8_t> s) {
  size_t i = 0;
  while (i < s.size()) {
    uint8_t b = s[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((b & 0xe0) == 0xc0) {
      len = 2;
      cp = b & 0x1f;
    } else if ((b & 0xf0) == 0xe0) {
      len = 3;
      cp = b & 0x0f;
    } else if ((b & 0xf8) == 0xf0) {
      len = 4;
      cp = b & 0x07;
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      uint8_t c = s[i + k];
      if ((c & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    static const uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

ByteReader::ByteReader(DecodeState& state, size_t begin, size_t end, std::string where)
    : state_(&state), pos_(begin), end_(end), where_(std::move(where)) {}

namespace {
[[noreturn]] void fail(ErrorCode code, std::string_view kind, size_t at, const std::string& where,
                       std::string_view msg) {
  std::string m = "component binary ";
  m += kind;
  m += " at offset ";
  m += hex(at);
  m += " (";
  m += where;
  m += "): ";
  m += msg;
  throw DecodeFailure{Error(code, std::move(m))};
}
}  // namespace

void ByteReader::malformed(size_t at, std::string_view msg) const {
  fail(ErrorCode::ComponentMalformed, "malformed", at, where_, msg);
}
void ByteReader::invalid(size_t at, std::string_view msg) const {
  fail(ErrorCode::ComponentInvalid, "invalid", at, where_, msg);
}
void ByteReader::unsupported(size_t at, std::string_view msg) const {
  fail(ErrorCode::ComponentUnsupported, "unsupported", at, where_, msg);
}

std::string ByteReader::found(size_t at) const {
  if (at < end_) return "byte " + hex_byte(state_->base[at]);
  return end_ == state_->size ? "the end of the binary" : "the end of the section";
}

void ByteReader::expected(std::string_view what, size_t at) const {
  std::string m = "expected ";
  m += what;
  m += ", found ";
  m += found(at);
  malformed(at, m);
}

uint8_t ByteReader::peek(std::string_view what) const {
  if (pos_ >= end_) expected(what, pos_);
  return state_->base[pos_];
}

uint8_t ByteReader::byte(std::string_view what) {
  uint8_t b = peek(what);
  ++pos_;
  return b;
}

void ByteReader::expect_byte(uint8_t want, std::string_view what) {
  if (pos_ >= end_ || state_->base[pos_] != want) expected(what, pos_);
  ++pos_;
}

uint64_t ByteReader::leb_unsigned(unsigned bits, std::string_view what) {
  const size_t start = pos_;
  const unsigned max_bytes = (bits + 6) / 7;
  uint64_t result = 0;
  for (unsigned i = 0;; ++i) {
    if (pos_ >= end_) {
      if (i == 0) expected(what, pos_);
      malformed(pos_, "unexpected " + found(pos_) + " inside the LEB128 encoding of " + std::string(what));
    }
    uint8_t b = state_->base[pos_++];
    unsigned shift = 7 * i;
    if (i + 1 == max_bytes) {
      // The last permitted byte: no continuation, and no bits beyond the integer's width.
      if (b & 0x80) malformed(start, "LEB128 encoding of " + std::string(what) + " is longer than " +
                                         std::to_string(max_bytes) + " bytes");
      unsigned used = bits - shift;
      if (used < 7 && (b >> used) != 0)
        malformed(start, std::string(what) + " does not fit in " + std::to_string(bits) + " bits (LEB128 overflow)");
    }
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return result;
  }
}

uint32_t ByteReader::u32(std::string_view what) { return static_cast<uint32_t>(leb_unsigned(32, what)); }
uint64_t ByteReader::u64(std::string_view what) { return leb_unsigned(64, what); }

int64_t ByteReader::s33(std::string_view what) {
  const size_t start = pos_;
  int64_t result = 0;
  unsigned shift = 0;
  for (unsigned i = 0;; ++i) {
    if (pos_ >= end_) {
      if (i == 0) expected(what, pos_);
      malformed(pos_, "unexpected " + found(pos_) + " inside the LEB128 encoding of " + std::string(what));
    }
    uint8_t b = state_->base[pos_++];
    if (i == 4 && (b & 0x80)) malformed(start, "LEB128 encoding of " + std::string(what) + " is longer than 5 bytes");
    result |= static_cast<int64_t>(b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80)) {
      if (b & 0x40) result -= int64_t{1} << shift;  // sign-extend
      break;
    }
  }
  if (result < -(int64_t{1} << 32) || result > (int64_t{1} << 32) - 1)
    malformed(start, std::string(what) + " does not fit in 33 bits (LEB128 overflow)");
  return result;
}

uint32_t ByteReader::count(std::string_view what) {
  const size_t at = pos_;
  uint32_t n = u32(what);
  if (n > remaining())
    malformed(at, std::string(what) + " is " + std::to_string(n) + " but only " + std::to_string(remaining()) +
                      " bytes remain");
  state_->items += n;
  if (state_->items > state_->max_items)
    unsupported(at, "more than " + std::to_string(state_->max_items) +
                        " items in one component (implementation limit)");
  return n;
}

std::span<const uint8_t> ByteReader::take(size_t n, std::string_view what) {
  if (n > remaining())
    malformed(pos_, std::string(what) + " needs " + std::to_string(n) + " bytes but only " +
                        std::to_string(remaining()) + " remain");
  std::span<const uint8_t> s(state_->base + pos_, n);
  pos_ += n;
  return s;
}

std::string ByteReader::name(std::string_view what) {
  const size_t at = pos_;
  uint32_t len = u32(std::string("the length of ") + std::string(what));
  auto bytes = take(len, what);
  if (!valid_utf8(bytes)) malformed(at, std::string(what) + " is not valid UTF-8");
  return std::string(bytes.begin(), bytes.end());
}

ByteReader ByteReader::sub(size_t n, std::string where, std::string_view what) {
  const size_t begin = pos_;
  take(n, what);
  return ByteReader(*state_, begin, begin + n, std::move(where));
}

DepthGuard::DepthGuard(const ByteReader& r, size_t at) : state_(r.state()) {
  if (state_.depth >= state_.max_depth)
    r.unsupported(at, "nesting deeper than " + std::to_string(state_.max_depth) +
                          " levels (components or types inside each other; implementation limit)");
  ++state_.depth;
}

}  // namespace torvyn::component::binary_detail
