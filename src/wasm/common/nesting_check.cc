#include "nesting_check.h"

#include <wabt/binary-reader-nop.h>
#include <wabt/binary-reader.h>
#include <wabt/feature.h>

#include <cstdio>
#include <string>

namespace torvyn::wasm {
namespace {

class NestingCounter : public wabt::BinaryReaderNop {
 public:
  explicit NestingCounter(uint32_t limit) : limit_(limit) {}

  // Malformed input is the real decoder's to report; this pass stays quiet.
  bool OnError(const wabt::Error&) override { return true; }

  wabt::Result BeginFunctionBody(wabt::Index index, wabt::Offset) override {
    func_ = index;
    depth_ = 0;
    return wabt::Result::Ok;
  }
  wabt::Result OnBlockExpr(wabt::Type) override { return enter(); }
  wabt::Result OnLoopExpr(wabt::Type) override { return enter(); }
  wabt::Result OnIfExpr(wabt::Type) override { return enter(); }
  wabt::Result OnTryExpr(wabt::Type) override { return enter(); }
  wabt::Result OnEndExpr() override { return leave(); }
  wabt::Result OnDelegateExpr(wabt::Index) override { return leave(); }  // `delegate` closes a try

  bool too_deep() const { return too_deep_; }
  wabt::Index func() const { return func_; }
  size_t offset() const { return offset_; }

 private:
  wabt::Result enter() {
    if (++depth_ > limit_) {
      too_deep_ = true;
      offset_ = state ? state->offset : 0;
      return wabt::Result::Error;  // stops the reader
    }
    return wabt::Result::Ok;
  }
  wabt::Result leave() {
    if (depth_ > 0) --depth_;
    return wabt::Result::Ok;
  }

  uint32_t limit_;
  uint32_t depth_ = 0;
  wabt::Index func_ = 0;
  bool too_deep_ = false;
  size_t offset_ = 0;
};

}  // namespace

Status check_control_nesting(std::span<const uint8_t> bytes, std::string_view name, uint32_t limit) {
  NestingCounter counter(limit);
  wabt::Features features;
  wabt::ReadBinaryOptions options(features, nullptr, /*read_debug_names=*/false, /*stop_on_first_error=*/true,
                                  /*fail_on_custom_section_error=*/false);
  (void)wabt::ReadBinary(bytes.data(), bytes.size(), &counter, options);
  if (!counter.too_deep()) return {};
  char at[32];
  std::snprintf(at, sizeof at, "0x%zx", counter.offset());
  return Error(ErrorCode::WasmNestingTooDeep,
               std::string(name.empty() ? "<module>" : name) + ": function " + std::to_string(counter.func()) +
                   " nests blocks, loops and ifs more than " + std::to_string(limit) + " deep (at byte offset " + at +
                   "); Torvyn refuses such modules so that no pass over them can exhaust the host's stack");
}

}  // namespace torvyn::wasm
