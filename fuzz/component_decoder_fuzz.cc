// libFuzzer target: any bytes through the component decoder and, when they decode, the validator.
// Neither may crash, hang, leak or allocate without bound; errors are the expected outcome.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "torvyn/component/binary_reader.h"
#include "torvyn/component/validate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto decoded = torvyn::component::decode_component(std::vector<uint8_t>(data, data + size));
  if (decoded.ok()) {
    auto st = torvyn::component::validate_component(decoded.value()->component);
    if (!st.ok() && st.error().message.empty()) __builtin_trap();  // every error must say something
  } else if (decoded.error().message.empty()) {
    __builtin_trap();
  }
  return 0;
}
