// Decoding of the type grammar of Binary.md (value types, func/component/instance/resource types,
// core types, extern descriptors, sorts and aliases) shared by the sections that embed them.
#pragma once

#include <memory>
#include <string>

#include "byte_reader.h"
#include "torvyn/component/ast.h"

namespace torvyn::component::binary_detail {

struct ExternName {
  std::string name;
  std::string version_suffix;
};

// `importname'` / `exportname'`: 0x00 name, or 0x01 name versionsuffix'. Instances' inline
// exports use the same prefixed form (that is what wasm-encoder writes and wasmparser reads).
ExternName read_extern_name(ByteReader& r, std::string_view what);

Sort read_sort(ByteReader& r);
CoreSort read_core_sort(ByteReader& r);
Alias read_alias(ByteReader& r);
ValType read_valtype(ByteReader& r);
ExternDesc read_externdesc(ByteReader& r);

// `type` (a deftype) and `core:type`.
std::shared_ptr<Type> read_type(ByteReader& r);
std::shared_ptr<CoreType> read_core_type(ByteReader& r, bool inside_module_type);

}  // namespace torvyn::component::binary_detail
