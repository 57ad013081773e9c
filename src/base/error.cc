#include "torvyn/base/error.h"

namespace torvyn {

std::string_view error_code_id(ErrorCode code) {
  switch (code) {
#define X(name, id, what) \
  case ErrorCode::name:   \
    return id;
#include "torvyn/base/error_codes.def"
#undef X
  }
  return "E0999";
}

std::string_view error_code_description(ErrorCode code) {
  switch (code) {
#define X(name, id, what) \
  case ErrorCode::name:   \
    return what;
#include "torvyn/base/error_codes.def"
#undef X
  }
  return "unknown error";
}

std::string Error::to_string() const {
  std::string s = "error[";
  s += error_code_id(code);
  s += "]: ";
  s += message;
  return s;
}

}  // namespace torvyn
