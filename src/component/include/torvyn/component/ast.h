// The decoded form of a WebAssembly component binary (Component Model `Binary.md`), before
// instantiation. The decoder (binary_reader.h) fills it; validation (validate.h) checks index
// bounds and type well-formedness; the instantiator walks `sections` in order, because index
// spaces are built by definition order.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace torvyn::component {

using Index = uint32_t;

// ---- sorts ---------------------------------------------------------------------------------
enum class CoreSort : uint8_t { Func, Table, Memory, Global, Type, Module, Instance };
enum class Sort : uint8_t { CoreFunc, CoreTable, CoreMemory, CoreGlobal, CoreType, CoreModule, CoreInstance, Func, Value, Type, Component, Instance };

// ---- value types ---------------------------------------------------------------------------
enum class PrimValType : uint8_t { Bool, S8, U8, S16, U16, S32, U32, S64, U64, F32, F64, Char, String };

// A valtype is a primitive or an index into the component's type index space.
struct ValType {
  bool is_primitive = true;
  PrimValType prim = PrimValType::Bool;
  Index type_index = 0;
  static ValType primitive(PrimValType p) { return {true, p, 0}; }
  static ValType indexed(Index i) { return {false, PrimValType::Bool, i}; }
};

struct LabeledValType {
  std::string label;
  ValType type;
};
struct Case {
  std::string label;
  std::optional<ValType> type;
};

struct RecordType { std::vector<LabeledValType> fields; };
struct VariantType { std::vector<Case> cases; };
struct ListType { ValType element; };
struct TupleType { std::vector<ValType> elements; };
struct FlagsType { std::vector<std::string> labels; };
struct EnumType { std::vector<std::string> labels; };
struct OptionType { ValType type; };
struct ResultType { std::optional<ValType> ok, err; };
struct OwnType { Index resource_type; };
struct BorrowType { Index resource_type; };

using DefValType = std::variant<PrimValType, RecordType, VariantType, ListType, TupleType, FlagsType, EnumType, OptionType,
                                ResultType, OwnType, BorrowType>;

struct FuncType {
  std::vector<LabeledValType> params;
  // Either one unnamed result, or a (possibly empty) list of named results.
  std::optional<ValType> result;
  std::vector<LabeledValType> named_results;
};

// `resource (rep i32) (dtor <core func idx>)?`
struct ResourceType {
  std::optional<Index> dtor_core_func;
};

// ---- extern descriptors (imports/exports in types) ------------------------------------------
enum class TypeBoundKind : uint8_t { Eq, SubResource };
struct TypeBound {
  TypeBoundKind kind = TypeBoundKind::SubResource;
  Index type_index = 0;  // for Eq
};

struct ExternDesc {
  enum class Kind : uint8_t { CoreModule, Func, Value, Type, Component, Instance } kind = Kind::Func;
  Index type_index = 0;    // CoreModule (core type idx), Func, Component, Instance (type idx)
  ValType value;           // Value
  TypeBound bound;         // Type
};

// ---- core types (module types inside components; rare but legal) ---------------------------
struct CoreFuncType {
  std::vector<uint8_t> params;   // core valtype bytes: 0x7f i32, 0x7e i64, 0x7d f32, 0x7c f64, ...
  std::vector<uint8_t> results;
};
struct CoreModuleDecl {
  enum class Kind : uint8_t { Import, Type, Alias, Export } kind = Kind::Import;
  std::string module, name;  // Import: module+name; Export: name
  std::vector<uint8_t> desc_bytes;  // the raw core importdesc/exportdesc, kept opaque
  std::shared_ptr<struct CoreType> type;  // Type
  // Alias (outer): count + index
  uint32_t outer_count = 0;
  Index outer_index = 0;
};
struct CoreModuleType { std::vector<CoreModuleDecl> decls; };
struct CoreType { std::variant<CoreFuncType, CoreModuleType> def; };

// ---- aliases ------------------------------------------------------------------------------
struct Alias {
  Sort sort = Sort::Func;
  enum class Target : uint8_t { Export, CoreExport, Outer } target = Target::Export;
  Index instance = 0;     // Export: component instance idx; CoreExport: core instance idx
  std::string name;       // Export / CoreExport
  uint32_t outer_count = 0;  // Outer
  Index outer_index = 0;     // Outer
};

// ---- component and instance types -----------------------------------------------------------
struct ComponentType;
struct InstanceType;

struct Type;  // forward
struct ComponentDecl {
  enum class Kind : uint8_t { CoreType, Type, Alias, Import, Export } kind = Kind::Type;
  std::shared_ptr<CoreType> core_type;  // CoreType
  std::shared_ptr<Type> type;           // Type
  Alias alias;                          // Alias
  std::string name;                     // Import / Export (the plain name; see ExternName)
  ExternDesc desc;                      // Import / Export
  std::string version_suffix;           // Import / Export: `versionsuffix'` of the 0x01 name form, else empty
};

struct ComponentType { std::vector<ComponentDecl> decls; };  // imports + exports + local decls
struct InstanceType { std::vector<ComponentDecl> decls; };   // never contains Import

struct Type {
  std::variant<DefValType, FuncType, ComponentType, InstanceType, ResourceType> def;
};

// ---- canonical functions --------------------------------------------------------------------
struct CanonOptions {
  enum class Encoding : uint8_t { Utf8, Utf16, Latin1Utf16 } encoding = Encoding::Utf8;
  std::optional<Index> memory;       // core memory idx
  std::optional<Index> realloc;      // core func idx
  std::optional<Index> post_return;  // core func idx
};

struct Canon {
  enum class Kind : uint8_t { Lift, Lower, ResourceNew, ResourceDrop, ResourceRep } kind = Kind::Lift;
  Index core_func = 0;   // Lift: the core function lifted
  Index func = 0;        // Lower: the component function lowered
  Index type_index = 0;  // Lift: func type idx; Resource*: resource type idx
  CanonOptions options;  // Lift / Lower
};

// ---- instances ------------------------------------------------------------------------------
struct CoreInstantiateArg {
  std::string name;
  Index instance = 0;  // core instance idx
};
struct CoreInlineExport {
  std::string name;
  CoreSort sort = CoreSort::Func;
  Index index = 0;
};
struct CoreInstance {
  enum class Kind : uint8_t { Instantiate, FromExports } kind = Kind::Instantiate;
  Index module = 0;                           // Instantiate
  std::vector<CoreInstantiateArg> args;       // Instantiate
  std::vector<CoreInlineExport> exports;      // FromExports
};

struct InstantiateArg {
  std::string name;
  Sort sort = Sort::Instance;
  Index index = 0;
};
struct InlineExport {
  std::string name;
  Sort sort = Sort::Func;
  Index index = 0;
  std::string version_suffix;  // `versionsuffix'` of the 0x01 name form, else empty
};
struct ComponentInstance {
  enum class Kind : uint8_t { Instantiate, FromExports } kind = Kind::Instantiate;
  Index component = 0;                 // Instantiate
  std::vector<InstantiateArg> args;    // Instantiate
  std::vector<InlineExport> exports;   // FromExports
};

struct Import {
  std::string name;  // e.g. "torvyn:streaming/types@0.1.0"
  ExternDesc desc;
  std::string version_suffix;  // `versionsuffix'` of the 0x01 name form, else empty
};
struct Export {
  std::string name;
  Sort sort = Sort::Func;
  Index index = 0;
  std::optional<ExternDesc> desc;  // ascribed type
  std::string version_suffix;      // `versionsuffix'` of the 0x01 name form, else empty
};

struct Start {
  Index func = 0;
  std::vector<Index> args;
  uint32_t results = 0;
};

struct Component;

struct CoreModule {
  std::span<const uint8_t> bytes;  // points into the buffer given to the decoder (kept alive by it)
  uint64_t offset = 0;             // byte offset of the module in the outermost binary
};

struct CustomSection {
  std::string name;
  std::span<const uint8_t> data;
};

// One definition in order. Sections of the same kind may repeat and interleave.
using Definition = std::variant<CustomSection, CoreModule, CoreInstance, std::shared_ptr<CoreType>, std::shared_ptr<Component>,
                                ComponentInstance, Alias, std::shared_ptr<Type>, Canon, Start, Import, Export>;

struct Component {
  uint64_t offset = 0;  // byte offset in the outermost binary
  std::vector<Definition> definitions;
  // offsets[i]: byte offset of definitions[i] in the outermost binary, so that validation and
  // instantiation errors can point at the definition (empty when built by hand).
  std::vector<uint64_t> offsets;
};

}  // namespace torvyn::component
