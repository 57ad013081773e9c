// Error values: one catalog of stable codes (error_codes.def) plus a human message.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace torvyn {

enum class ErrorCode {
#define X(name, code, what) name,
#include "torvyn/base/error_codes.def"
#undef X
};

// "E0100" for ErrorCode::WasmMalformed.
std::string_view error_code_id(ErrorCode code);
// One-line description of what the code means.
std::string_view error_code_description(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::Internal;
  std::string message;

  Error() = default;
  Error(ErrorCode c, std::string msg) : code(c), message(std::move(msg)) {}

  // "error[E0100]: message"
  std::string to_string() const;
};

}  // namespace torvyn
