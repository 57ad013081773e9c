// Component value types resolved for the Canonical ABI (CanonicalABI.md): no indices left, just a
// tree of types with their size, alignment and flattening computed once. Built by the
// instantiator from a component's type section; also constructible directly (host interfaces, tests).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace torvyn::component {

enum class AbiKind : uint8_t {
  Bool, S8, U8, S16, U16, S32, U32, S64, U64, F32, F64, Char, String,
  List, Record, Tuple, Variant, Enum, Option, Result, Flags, Own, Borrow,
};
const char* to_string(AbiKind k);

// Core value types of flattened signatures.
enum class FlatType : uint8_t { I32, I64, F32, F64 };

struct AbiType;
using AbiTypePtr = std::shared_ptr<const AbiType>;

struct AbiType {
  AbiKind kind = AbiKind::Bool;
  // Record fields / variant cases / enum cases / flags, in order.
  std::vector<std::string> labels;
  // Record: field types. Tuple: element types. Variant: case payloads (nullptr = no payload).
  // List / Option: [element]. Result: [ok, err] (nullptr = none).
  std::vector<AbiTypePtr> elems;
  // Own / Borrow: the resource type's runtime identity.
  uint32_t resource = 0;

  // Computed by finish(): byte size and alignment in linear memory, and the flattened core types.
  uint32_t size = 0;
  uint32_t align = 1;
  std::vector<FlatType> flat;

  std::string to_string() const;
};

// Constructors that compute layout. Variant-like kinds (Enum, Option, Result) follow the spec's
// despecialisation: enum = variant without payloads, option = variant{none, some(t)},
// result = variant{ok(t?), error(e?)}, tuple = record with unnamed fields.
namespace abi {
AbiTypePtr prim(AbiKind k);
AbiTypePtr list(AbiTypePtr elem);
AbiTypePtr record(std::vector<std::string> names, std::vector<AbiTypePtr> fields);
AbiTypePtr tuple(std::vector<AbiTypePtr> elems);
AbiTypePtr variant(std::vector<std::string> names, std::vector<AbiTypePtr> payloads);
AbiTypePtr enumeration(std::vector<std::string> names);
AbiTypePtr option(AbiTypePtr t);
AbiTypePtr result(AbiTypePtr ok, AbiTypePtr err);
AbiTypePtr flags(std::vector<std::string> names);
AbiTypePtr own(uint32_t resource);
AbiTypePtr borrow(uint32_t resource);

// Number of variant-like cases, and the discriminant width (1, 2 or 4 bytes) for n cases.
size_t case_count(const AbiType& t);
uint32_t discriminant_size(size_t cases);
// The payload type of case i of a variant-like type (nullptr when the case has none).
const AbiType* case_payload(const AbiType& t, size_t i);
// Byte offset of each record/tuple field, and of a variant's payload.
std::vector<uint32_t> field_offsets(const AbiType& t);
uint32_t payload_offset(const AbiType& t);
}  // namespace abi

// A component-level function signature.
struct AbiFuncType {
  std::vector<std::string> param_names;
  std::vector<AbiTypePtr> params;
  std::vector<AbiTypePtr> results;  // 0 or 1 in practice; named results are flattened like a tuple
  std::string to_string() const;
};

}  // namespace torvyn::component
