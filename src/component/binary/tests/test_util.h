// Shared helpers for the component binary tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "encoder.h"
#include "torvyn/component/binary_reader.h"
#include "torvyn/component/validate.h"

namespace torvyn::component::testenc {

// Decodes, failing the test with the decoder's message if it does not decode.
inline std::shared_ptr<const DecodedComponent> decode_ok(const Bytes& b) {
  auto r = decode_component(b);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  return r.ok() ? r.value() : nullptr;
}

// Decodes and validates; returns the message of whichever step failed ("" when both pass).
inline std::string load_error(const Bytes& b) {
  auto r = load_component(b);
  return r.ok() ? "" : r.error().to_string();
}

inline ErrorCode decode_code(const Bytes& b) {
  auto r = decode_component(b);
  return r.ok() ? ErrorCode::Internal : r.error().code;
}

template <typename T>
const T& def(const Component& c, size_t i) {
  return std::get<T>(c.definitions.at(i));
}

}  // namespace torvyn::component::testenc
