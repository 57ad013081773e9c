#include "ir_precheck.h"

#include <wabt/binary-reader-nop.h>
#include <wabt/binary-reader.h>
#include <wabt/feature.h>
#include <wabt/opcode.h>

#include <cstdio>
#include <string>

namespace torvyn::wasm {
namespace {

// The instructions a constant expression may hold: the constants, global.get, ref.null and
// ref.func, the extended-const arithmetic (the validator decides whether that feature is on) and
// the closing `end`.
bool constant_instruction(wabt::Opcode op) {
  switch (op) {
    case wabt::Opcode::I32Const:
    case wabt::Opcode::I64Const:
    case wabt::Opcode::F32Const:
    case wabt::Opcode::F64Const:
    case wabt::Opcode::V128Const:
    case wabt::Opcode::GlobalGet:
    case wabt::Opcode::RefNull:
    case wabt::Opcode::RefFunc:
    case wabt::Opcode::I32Add:
    case wabt::Opcode::I32Sub:
    case wabt::Opcode::I32Mul:
    case wabt::Opcode::I64Add:
    case wabt::Opcode::I64Sub:
    case wabt::Opcode::I64Mul:
    case wabt::Opcode::End: return true;
    default: return false;
  }
}

class Prechecker : public wabt::BinaryReaderNop {
 public:
  explicit Prechecker(uint32_t limit) : limit_(limit) {}

  // Malformed input is the real decoder's to report; this pass stays quiet.
  bool OnError(const wabt::Error&) override { return true; }

  // ---- control nesting ----
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

  // ---- constant expressions ----
  wabt::Result BeginGlobalInitExpr(wabt::Index index) override { return begin_constant(Constant::Global, index); }
  wabt::Result EndGlobalInitExpr(wabt::Index) override { return end_constant(); }
  wabt::Result BeginElemSegmentInitExpr(wabt::Index index) override { return begin_constant(Constant::ElemOffset, index); }
  wabt::Result EndElemSegmentInitExpr(wabt::Index) override { return end_constant(); }
  wabt::Result BeginDataSegmentInitExpr(wabt::Index index) override { return begin_constant(Constant::DataOffset, index); }
  wabt::Result EndDataSegmentInitExpr(wabt::Index) override { return end_constant(); }
  wabt::Result OnOpcode(wabt::Opcode op) override {
    if (constant_ == Constant::None || constant_instruction(op)) return wabt::Result::Ok;
    failure_ = Failure::NotConstant;
    instruction_ = op.GetName();
    offset_ = at();
    return wabt::Result::Error;  // stops the reader
  }

  enum class Failure { None, TooDeep, NotConstant };
  enum class Constant { None, Global, ElemOffset, DataOffset };
  Failure failure() const { return failure_; }
  wabt::Index func() const { return func_; }
  size_t offset() const { return offset_; }
  // The constant expression that held the instruction, as a message names it.
  std::string constant() const {
    const std::string i = std::to_string(constant_index_);
    switch (constant_) {
      case Constant::Global: return "global " + i + "'s initializer";
      case Constant::ElemOffset: return "element segment " + i + "'s offset";
      case Constant::DataOffset: return "data segment " + i + "'s offset";
      case Constant::None: break;
    }
    return "a constant expression";
  }
  const std::string& instruction() const { return instruction_; }

 private:
  size_t at() const { return state ? state->offset : 0; }
  // (Never inside a constant expression: OnOpcode stops the reader at any control instruction there.)
  wabt::Result enter() {
    if (++depth_ > limit_) {
      failure_ = Failure::TooDeep;
      offset_ = at();
      return wabt::Result::Error;  // stops the reader
    }
    return wabt::Result::Ok;
  }
  wabt::Result leave() {
    if (depth_ > 0) --depth_;
    return wabt::Result::Ok;
  }
  wabt::Result begin_constant(Constant c, wabt::Index index) {
    constant_ = c;
    constant_index_ = index;
    return wabt::Result::Ok;
  }
  wabt::Result end_constant() {
    constant_ = Constant::None;
    return wabt::Result::Ok;
  }

  uint32_t limit_;
  uint32_t depth_ = 0;
  wabt::Index func_ = 0;
  Failure failure_ = Failure::None;
  size_t offset_ = 0;
  Constant constant_ = Constant::None;  // the constant expression being read
  wabt::Index constant_index_ = 0;
  std::string instruction_;
};

}  // namespace

Status precheck_module(std::span<const uint8_t> bytes, std::string_view name, uint32_t nesting_limit) {
  Prechecker check(nesting_limit);
  wabt::Features features;
  wabt::ReadBinaryOptions options(features, nullptr, /*read_debug_names=*/false, /*stop_on_first_error=*/true,
                                  /*fail_on_custom_section_error=*/false);
  (void)wabt::ReadBinary(bytes.data(), bytes.size(), &check, options);
  const std::string module(name.empty() ? "<module>" : name);
  char at[32];
  std::snprintf(at, sizeof at, "0x%zx", check.offset());
  switch (check.failure()) {
    case Prechecker::Failure::None: return {};
    case Prechecker::Failure::TooDeep:
      return Error(ErrorCode::WasmNestingTooDeep, module + ": function " + std::to_string(check.func()) + " nests blocks, loops and ifs more than " +
                                                      std::to_string(nesting_limit) + " deep (at byte offset " + at +
                                                      "); Torvyn refuses such modules so that no pass over them can exhaust the host's stack");
    case Prechecker::Failure::NotConstant:
      return Error(ErrorCode::WasmInvalid, module + ": invalid module: " + check.constant() + " contains `" + check.instruction() +
                                               "` (at byte offset " + at + "); a constant expression may hold only constant instructions");
  }
  return {};
}

}  // namespace torvyn::wasm
