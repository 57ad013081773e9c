// Test helper: WebAssembly text to binary with libwabt's own parser.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <wabt/binary-writer.h>
#include <wabt/error-formatter.h>
#include <wabt/ir.h>
#include <wabt/stream.h>
#include <wabt/wast-lexer.h>
#include <wabt/wast-parser.h>

namespace torvyn::wasm::testing {

inline std::vector<uint8_t> wat(const std::string& text) {
  wabt::Errors errors;
  auto lexer = wabt::WastLexer::CreateBufferLexer("test.wat", text.data(), text.size(), &errors);
  std::unique_ptr<wabt::Module> module;
  wabt::Features features;
  wabt::WastParseOptions options(features);
  if (wabt::Failed(wabt::ParseWatModule(lexer.get(), &module, &errors, &options)))
    throw std::runtime_error("bad wat: " + wabt::FormatErrorsToString(errors, wabt::Location::Type::Text));
  wabt::MemoryStream stream;
  wabt::WriteBinaryOptions wopts;
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, module.get(), wopts))) throw std::runtime_error("cannot encode");
  return stream.output_buffer().data;
}

}  // namespace torvyn::wasm::testing
