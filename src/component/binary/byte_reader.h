// A bounds-checked cursor over the component binary: LEB128, names and UTF-8, and the one place
// that formats decoder errors. Every position is an absolute offset into the outermost binary, so
// messages point at the same byte a hex dump shows, however deeply the component is nested.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "torvyn/base/error.h"

namespace torvyn::component::binary_detail {

// Limits and counters shared by every reader of one decode.
struct DecodeState {
  const uint8_t* base = nullptr;  // the outermost binary
  size_t size = 0;
  uint32_t max_depth = 100;
  uint64_t max_items = 1'000'000;
  uint32_t depth = 0;
  uint64_t items = 0;
};

// Thrown inside the decoder only; decode_component() turns it into a Result. Throwing keeps each
// read site a single line instead of a check-and-return after every byte.
struct DecodeFailure {
  Error error;
};

class ByteReader {
 public:
  // Reads [begin, end) of the outermost binary; `where` names the section for messages.
  ByteReader(DecodeState& state, size_t begin, size_t end, std::string where);

  size_t pos() const { return pos_; }
  size_t end() const { return end_; }
  size_t remaining() const { return end_ - pos_; }
  bool at_end() const { return pos_ == end_; }
  const std::string& where() const { return where_; }
  DecodeState& state() const { return *state_; }

  uint8_t peek(std::string_view what) const;
  uint8_t byte(std::string_view what);
  void expect_byte(uint8_t expected, std::string_view what);
  uint32_t u32(std::string_view what);
  uint64_t u64(std::string_view what);
  // The signed 33-bit LEB128 used for value types: negative = type opcode, else a type index.
  int64_t s33(std::string_view what);
  // A vector length: at most one element per remaining byte, and charged to the item budget so
  // a hostile count can neither reserve memory nor make the decoder loop for long.
  uint32_t count(std::string_view what);
  // A length-prefixed UTF-8 string (`core:name`).
  std::string name(std::string_view what);
  std::span<const uint8_t> take(size_t n, std::string_view what);
  // Consumes the next n bytes and returns a reader over them.
  ByteReader sub(size_t n, std::string where, std::string_view what);
  void skip_to_end() { pos_ = end_; }

  [[noreturn]] void malformed(size_t at, std::string_view msg) const;
  [[noreturn]] void invalid(size_t at, std::string_view msg) const;
  [[noreturn]] void unsupported(size_t at, std::string_view msg) const;
  // "expected <what>, found byte 0x4f" / "..., found the end of the section".
  [[noreturn]] void expected(std::string_view what, size_t at) const;
  // Describes the byte at `at` for "found ..." messages.
  std::string found(size_t at) const;

 private:
  uint64_t leb_unsigned(unsigned bits, std::string_view what);

  DecodeState* state_;
  size_t pos_;
  size_t end_;
  std::string where_;
};

// "0x1a3"
std::string hex(uint64_t v);
// "0x4f"
std::string hex_byte(uint8_t b);
bool valid_utf8(std::span<const uint8_t> s);

// Raised for nesting (components in components, types in types) beyond DecodeState::max_depth.
class DepthGuard {
 public:
  DepthGuard(const ByteReader& r, size_t at);
  ~DepthGuard() { --state_.depth; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;

 private:
  DecodeState& state_;
};

}  // namespace torvyn::component::binary_detail
