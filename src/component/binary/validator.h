// The validator's state: one Scope (the index spaces) per component or component/instance type
// being validated, and what is known about each indexed item. Shared by validate.cc (definitions)
// and validate_types.cc (type definitions and declarators).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "torvyn/base/error.h"
#include "torvyn/component/ast.h"

namespace torvyn::component::validate_detail {

// Thrown inside the validator only; validate_component() turns it into a Status.
struct ValidationFailure {
  Error error;
};

enum class TypeKind : uint8_t { Unknown, Value, Func, Component, Instance, Resource };

// What the Canonical ABI needs to know about a value type (or a parameter or result list).
struct ValueFacts {
  bool known = true;          // false when some referenced type's definition is not visible
  bool has_borrow = false;    // transitively contains borrow<..>
  bool needs_memory = false;  // transitively contains a string or a list
  uint32_t flat = 0;          // number of flattened core values (saturating)
};

struct ItemInfo;
using InfoPtr = std::shared_ptr<const ItemInfo>;
struct ExportEntry {
  Sort sort = Sort::Func;
  InfoPtr info;
};
using ExportTable = std::unordered_map<std::string, ExportEntry>;
using ImportList = std::vector<std::pair<std::string, Sort>>;

// Describes a type, or the type of a func/instance/component item. Unknown when it came through
// something the validator cannot see into (e.g. an export of an instantiated core module).
struct ItemInfo {
  TypeKind kind = TypeKind::Unknown;
  const void* resource_owner = nullptr;  // Resource from a resourcetype: the Scope that defined it
  ValueFacts value;                      // Value
  ValueFacts params, results;            // Func
  size_t param_count = 0, result_count = 0;
  std::shared_ptr<const ExportTable> exports;  // Instance, Component (null: unknown)
  std::shared_ptr<const ImportList> imports;   // Component (null: unknown)
};

enum class CoreTypeKind : uint8_t { Func, Module };
using CoreExports = std::unordered_map<std::string, CoreSort>;

struct Scope {
  enum class Kind : uint8_t { Component, ComponentType, InstanceType } kind = Kind::Component;
  std::vector<InfoPtr> types, funcs, instances, components;
  uint64_t values = 0, core_funcs = 0, core_tables = 0, core_memories = 0, core_globals = 0, core_modules = 0;
  std::vector<CoreTypeKind> core_types;
  std::vector<std::shared_ptr<const CoreExports>> core_instances;  // null: unknown exports
  std::unordered_set<std::string> import_names;
  std::shared_ptr<ExportTable> exports = std::make_shared<ExportTable>();
  std::shared_ptr<ImportList> imports = std::make_shared<ImportList>();
};

const char* sort_name(Sort s);
const char* plural(Sort s);

class Validator {
 public:
  // Validates a component (nested inside the components and types already on the scope stack)
  // and returns what its instantiations will import and export.
  InfoPtr component(const Component& c);

 private:
  // ---- diagnostics ----
  [[noreturn]] void fail(const std::string& msg) const;
  uint64_t offset_ = 0;
  std::string what_;  // "canon definition", "type definition, declaration 3", ...
  std::string nest_;  // " in the nested component at 0x40"

  // ---- scopes and index spaces ----
  std::vector<Scope*> scopes_;
  unsigned depth_ = 0;
  Scope& cur() { return *scopes_.back(); }
  uint64_t space_size(const Scope& s, Sort sort) const;
  void check_index(Sort sort, uint64_t index, const char* role);
  InfoPtr info_of(const Scope& s, Sort sort, Index index) const;
  void push(Sort sort, InfoPtr info, CoreTypeKind core_type_kind = CoreTypeKind::Func);
  void enter(Scope& s);
  void leave();

  // ---- definitions (validate.cc) ----
  void definition(const Definition& d);
  void core_instance(const CoreInstance& ci);
  void instance(const ComponentInstance& ci);
  void canon(const Canon& c);
  void start(const Start& s);
  void import(const std::string& name, const ExternDesc& desc);
  void export_(const Export& e);
  void alias(const Alias& a);
  void check_component_item_sort(Sort sort, const char* role);

  // ---- types (validate_types.cc) ----
  InfoPtr type_def(const Type& t);
  InfoPtr defvaltype(const DefValType& t);
  ValueFacts valtype(const ValType& v);
  InfoPtr functype(const FuncType& f);
  InfoPtr resourcetype(const ResourceType& r);
  InfoPtr decl_scope(const std::vector<ComponentDecl>& decls, Scope::Kind kind);
  CoreTypeKind core_type(const CoreType& t);
  // Checks an extern descriptor and returns the sort and info of the item it describes.
  ExportEntry externdesc(const ExternDesc& d);
  void check_label(const std::string& label, const char* role);
  void check_unique_labels(const std::vector<std::string>& labels, const char* role);
};

}  // namespace torvyn::component::validate_detail
