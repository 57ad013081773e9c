#include "decode_types.h"

#include <utility>

namespace torvyn::component::binary_detail {

ExternName read_extern_name(ByteReader& r, std::string_view what) {
  const size_t at = r.pos();
  uint8_t prefix = r.byte("a name prefix (0x00, or 0x01 when a version suffix follows)");
  ExternName n;
  if (prefix == 0x00) {
    n.name = r.name(what);
  } else if (prefix == 0x01) {
    n.name = r.name(what);
    n.version_suffix = r.name("a version suffix");
  } else {
    r.expected("a name prefix (0x00, or 0x01 when a version suffix follows)", at);
  }
  return n;
}

CoreSort read_core_sort(ByteReader& r) {
  const size_t at = r.pos();
  switch (r.byte("a core sort")) {
    case 0x00: return CoreSort::Func;
    case 0x01: return CoreSort::Table;
    case 0x02: return CoreSort::Memory;
    case 0x03: return CoreSort::Global;
    case 0x04: r.unsupported(at, "core sort 0x04 (tag, exception handling) is not supported");
    case 0x10: return CoreSort::Type;
    case 0x11: return CoreSort::Module;
    case 0x12: return CoreSort::Instance;
    default: r.expected("a core sort (0x00-0x03 or 0x10-0x12)", at);
  }
}

Sort read_sort(ByteReader& r) {
  const size_t at = r.pos();
  switch (r.byte("a sort")) {
    case 0x00:
      switch (read_core_sort(r)) {
        case CoreSort::Func: return Sort::CoreFunc;
        case CoreSort::Table: return Sort::CoreTable;
        case CoreSort::Memory: return Sort::CoreMemory;
        case CoreSort::Global: return Sort::CoreGlobal;
        case CoreSort::Type: return Sort::CoreType;
        case CoreSort::Module: return Sort::CoreModule;
        case CoreSort::Instance: return Sort::CoreInstance;
      }
      break;
    case 0x01: return Sort::Func;
    case 0x02: return Sort::Value;
    case 0x03: return Sort::Type;
    case 0x04: return Sort::Component;
    case 0x05: return Sort::Instance;
    default: break;
  }
  r.expected("a sort (0x00-0x05)", at);
}

Alias read_alias(ByteReader& r) {
  Alias a;
  a.sort = read_sort(r);
  const size_t at = r.pos();
  switch (r.byte("an alias target")) {
    case 0x00:
      a.target = Alias::Target::Export;
      a.instance = r.u32("an instance index");
      a.name = r.name("an export name");
      break;
    case 0x01:
      a.target = Alias::Target::CoreExport;
      a.instance = r.u32("a core instance index");
      a.name = r.name("a core export name");
      break;
    case 0x02:
      a.target = Alias::Target::Outer;
      a.outer_count = r.u32("an outer alias count");
      a.outer_index = r.u32("an outer alias index");
      break;
    default: r.expected("an alias target (0x00 export, 0x01 core export, 0x02 outer)", at);
  }
  return a;
}

ValType read_valtype(ByteReader& r) {
  const size_t at = r.pos();
  uint8_t b = r.peek("a value type");
  if (b >= 0x73 && b <= 0x7f) {
    r.byte("a value type");
    return ValType::primitive(static_cast<PrimValType>(0x7f - b));
  }
  // Type opcodes are negative SLEB128 values; non-negative ones are type indices.
  if (b >= 0x40 && b < 0x80) r.expected("a value type", at);
  int64_t v = r.s33("a value type");
  if (v < 0) r.expected("a value type", at);
  return ValType::indexed(static_cast<Index>(v));
}

namespace {

std::optional<ValType> read_opt_valtype(ByteReader& r) {
  const size_t at = r.pos();
  switch (r.byte("0x00 or 0x01 (an optional value type)")) {
    case 0x00: return std::nullopt;
    case 0x01: return read_valtype(r);
    default: r.expected("0x00 or 0x01 (an optional value type)", at);
  }
}

std::vector<LabeledValType> read_labeled(ByteReader& r, std::string_view what) {
  std::vector<LabeledValType> out;
  uint32_t n = r.count(std::string("the number of ") + std::string(what));
  for (uint32_t i = 0; i < n; ++i) {
    LabeledValType lv;
    lv.label = r.name("a label");
    lv.type = read_valtype(r);
    out.push_back(std::move(lv));
  }
  return out;
}

std::vector<std::string> read_labels(ByteReader& r, std::string_view what) {
  std::vector<std::string> out;
  uint32_t n = r.count(std::string("the number of ") + std::string(what));
  for (uint32_t i = 0; i < n; ++i) out.push_back(r.name("a label"));
  return out;
}

DefValType read_defvaltype(ByteReader& r) {
  const size_t at = r.pos();
  uint8_t op = r.byte("a value type definition");
  if (op >= 0x73 && op <= 0x7f) return static_cast<PrimValType>(0x7f - op);
  switch (op) {
    case 0x72: return RecordType{read_labeled(r, "record fields")};
    case 0x71: {
      VariantType v;
      uint32_t n = r.count("the number of variant cases");
      for (uint32_t i = 0; i < n; ++i) {
        Case c;
        c.label = r.name("a case label");
        c.type = read_opt_valtype(r);
        const size_t rat = r.pos();
        uint8_t refines = r.byte("0x00 (the end of a variant case)");
        if (refines == 0x01) r.unsupported(rat, "variant case `refines` (removed from the component model) is not supported");
        if (refines != 0x00) r.expected("0x00 (the end of a variant case)", rat);
        v.cases.push_back(std::move(c));
      }
      return v;
    }
    case 0x70: return ListType{read_valtype(r)};
    case 0x6f: {
      TupleType t;
      uint32_t n = r.count("the number of tuple elements");
      for (uint32_t i = 0; i < n; ++i) t.elements.push_back(read_valtype(r));
      return t;
    }
    case 0x6e: return FlagsType{read_labels(r, "flags")};
    case 0x6d: return EnumType{read_labels(r, "enum cases")};
    case 0x6c: r.unsupported(at, "union types (0x6c, removed from the component model) are not supported");
    case 0x6b: return OptionType{read_valtype(r)};
    case 0x6a: {
      ResultType res;
      res.ok = read_opt_valtype(r);
      res.err = read_opt_valtype(r);
      return res;
    }
    case 0x69: return OwnType{r.u32("a resource type index")};
    case 0x68: return BorrowType{r.u32("a resource type index")};
    case 0x67: r.unsupported(at, "fixed-length list types (0x67) are not supported");
    case 0x66: r.unsupported(at, "stream types (0x66, async) are not supported");
    case 0x65: r.unsupported(at, "future types (0x65, async) are not supported");
    case 0x64: r.unsupported(at, "error-context types (0x64, async) are not supported");
    default: r.expected("a type definition", at);
  }
}

FuncType read_functype(ByteReader& r) {
  FuncType f;
  f.params = read_labeled(r, "parameters");
  const size_t at = r.pos();
  switch (r.byte("a result list (0x00 one result, 0x01 named results)")) {
    case 0x00: f.result = read_valtype(r); break;
    // Current encoders write 0x01 0x00 for "no results"; older ones wrote named results here.
    case 0x01: f.named_results = read_labeled(r, "named results"); break;
    default: r.expected("a result list (0x00 one result, 0x01 named results)", at);
  }
  return f;
}

std::vector<ComponentDecl> read_decls(ByteReader& r, bool component_type) {
  std::vector<ComponentDecl> decls;
  uint32_t n = r.count(component_type ? "the number of component type declarations"
                                      : "the number of instance type declarations");
  const char* want = component_type ? "a component type declaration (0x00-0x04)"
                                    : "an instance type declaration (0x00-0x02, 0x04)";
  for (uint32_t i = 0; i < n; ++i) {
    ComponentDecl d;
    const size_t at = r.pos();
    switch (r.byte(want)) {
      case 0x00:
        d.kind = ComponentDecl::Kind::CoreType;
        d.core_type = read_core_type(r, false);
        break;
      case 0x01:
        d.kind = ComponentDecl::Kind::Type;
        d.type = read_type(r);
        break;
      case 0x02:
        d.kind = ComponentDecl::Kind::Alias;
        d.alias = read_alias(r);
        break;
      case 0x03: {
        if (!component_type) r.expected(want, at);
        d.kind = ComponentDecl::Kind::Import;
        auto n2 = read_extern_name(r, "an import name");
        d.name = std::move(n2.name);
        d.version_suffix = std::move(n2.version_suffix);
        d.desc = read_externdesc(r);
        break;
      }
      case 0x04: {
        d.kind = ComponentDecl::Kind::Export;
        auto n2 = read_extern_name(r, "an export name");
        d.name = std::move(n2.name);
        d.version_suffix = std::move(n2.version_suffix);
        d.desc = read_externdesc(r);
        break;
      }
      default: r.expected(want, at);
    }
    decls.push_back(std::move(d));
  }
  return decls;
}

// Core value types of the MVP plus SIMD and the two reference types; GC references are not.
uint8_t read_core_valtype(ByteReader& r) {
  const size_t at = r.pos();
  uint8_t b = r.byte("a core value type");
  switch (b) {
    case 0x7f: case 0x7e: case 0x7d: case 0x7c: case 0x7b: case 0x70: case 0x6f: return b;
    case 0x64: case 0x63: case 0x6e: case 0x6d: case 0x6c: case 0x6b: case 0x6a: case 0x71: case 0x72: case 0x73:
    case 0x74: case 0x69:
      r.unsupported(at, "core GC reference type " + hex_byte(b) + " is not supported");
    default: r.expected("a core value type", at);
  }
}

void read_limits(ByteReader& r, bool memory) {
  const size_t at = r.pos();
  uint8_t flags = r.byte("limits flags");
  // bit 0: has max; bit 1: shared (memories); bit 2: 64-bit; bit 3: custom page size (memories).
  uint8_t allowed = memory ? 0x0f : 0x05;
  if (flags & ~allowed) r.expected(memory ? "memory limits flags (0x00-0x0f)" : "table limits flags", at);
  bool is64 = flags & 0x04;
  auto read_bound = [&](const char* what) { is64 ? (void)r.u64(what) : (void)r.u32(what); };
  read_bound("a minimum size");
  if (flags & 0x01) read_bound("a maximum size");
  if (flags & 0x08) r.u32("a page size exponent");
}

// A core importdesc, kept as raw bytes in the AST: its only consumer is instantiation, which
// hands core modules to the engine anyway.
std::vector<uint8_t> read_core_importdesc(ByteReader& r) {
  const size_t at = r.pos();
  switch (r.byte("a core import kind (0x00-0x04)")) {
    case 0x00: r.u32("a core type index"); break;
    case 0x01: {
      const size_t rat = r.pos();
      uint8_t rt = r.byte("a reference type");
      if (rt == 0x64 || rt == 0x63) r.unsupported(rat, "core GC reference types are not supported");
      if (rt != 0x70 && rt != 0x6f) r.expected("a reference type (0x70 funcref, 0x6f externref)", rat);
      read_limits(r, false);
      break;
    }
    case 0x02: read_limits(r, true); break;
    case 0x03: {
      read_core_valtype(r);
      const size_t mat = r.pos();
      uint8_t m = r.byte("a global mutability (0x00 or 0x01)");
      if (m > 1) r.expected("a global mutability (0x00 or 0x01)", mat);
      break;
    }
    case 0x04: r.expect_byte(0x00, "0x00 (exception tag attribute)"); r.u32("a core type index"); break;
    default: r.expected("a core import kind (0x00-0x04)", at);
  }
  return std::vector<uint8_t>(r.state().base + at, r.state().base + r.pos());
}

CoreModuleType read_core_moduletype(ByteReader& r) {
  CoreModuleType mt;
  uint32_t n = r.count("the number of module type declarations");
  for (uint32_t i = 0; i < n; ++i) {
    CoreModuleDecl d;
    const size_t at = r.pos();
    switch (r.byte("a module type declaration (0x00-0x03)")) {
      case 0x00:
        d.kind = CoreModuleDecl::Kind::Import;
        d.module = r.name("a core import module name");
        d.name = r.name("a core import name");
        d.desc_bytes = read_core_importdesc(r);
        break;
      case 0x01:
        d.kind = CoreModuleDecl::Kind::Type;
        d.type = read_core_type(r, true);
        break;
      case 0x02: {
        d.kind = CoreModuleDecl::Kind::Alias;
        const size_t sat = r.pos();
        if (read_core_sort(r) != CoreSort::Type) r.invalid(sat, "module type declarations may only alias core types");
        r.expect_byte(0x01, "0x01 (an outer alias)");
        d.outer_count = r.u32("an outer alias count");
        d.outer_index = r.u32("an outer alias index");
        break;
      }
      case 0x03:
        d.kind = CoreModuleDecl::Kind::Export;
        d.name = r.name("a core export name");
        d.desc_bytes = read_core_importdesc(r);
        break;
      default: r.expected("a module type declaration (0x00-0x03)", at);
    }
    mt.decls.push_back(std::move(d));
  }
  return mt;
}

}  // namespace

ExternDesc read_externdesc(ByteReader& r) {
  ExternDesc d;
  const size_t at = r.pos();
  switch (r.byte("an extern descriptor (0x00-0x05)")) {
    case 0x00:
      r.expect_byte(0x11, "0x11 (the core module sort)");
      d.kind = ExternDesc::Kind::CoreModule;
      d.type_index = r.u32("a core type index");
      break;
    case 0x01:
      d.kind = ExternDesc::Kind::Func;
      d.type_index = r.u32("a type index");
      break;
    case 0x02: r.unsupported(at, "value imports and exports are not supported");
    case 0x03: {
      d.kind = ExternDesc::Kind::Type;
      const size_t bat = r.pos();
      switch (r.byte("a type bound (0x00 eq, 0x01 sub resource)")) {
        case 0x00:
          d.bound.kind = TypeBoundKind::Eq;
          d.bound.type_index = r.u32("a type index");
          break;
        case 0x01: d.bound.kind = TypeBoundKind::SubResource; break;
        default: r.expected("a type bound (0x00 eq, 0x01 sub resource)", bat);
      }
      break;
    }
    case 0x04:
      d.kind = ExternDesc::Kind::Component;
      d.type_index = r.u32("a type index");
      break;
    case 0x05:
      d.kind = ExternDesc::Kind::Instance;
      d.type_index = r.u32("a type index");
      break;
    default: r.expected("an extern descriptor (0x00-0x05)", at);
  }
  return d;
}

std::shared_ptr<Type> read_type(ByteReader& r) {
  const size_t at = r.pos();
  auto t = std::make_shared<Type>();
  switch (r.peek("a type definition")) {
    case 0x40:
      r.byte("");
      t->def = read_functype(r);
      break;
    case 0x43: r.unsupported(at, "async function types (0x43) are not supported");
    case 0x41: {
      r.byte("");
      DepthGuard guard(r, at);
      t->def = ComponentType{read_decls(r, true)};
      break;
    }
    case 0x42: {
      r.byte("");
      DepthGuard guard(r, at);
      t->def = InstanceType{read_decls(r, false)};
      break;
    }
    case 0x3f: {
      r.byte("");
      r.expect_byte(0x7f, "0x7f (a resource's rep i32)");
      ResourceType rt;
      const size_t dat = r.pos();
      switch (r.byte("0x00 or 0x01 (an optional destructor)")) {
        case 0x00: break;
        case 0x01: rt.dtor_core_func = r.u32("a core func index"); break;
        default: r.expected("0x00 or 0x01 (an optional destructor)", dat);
      }
      t->def = rt;
      break;
    }
    case 0x3e: r.unsupported(at, "resource types with an async destructor (0x3e) are not supported");
    default: t->def = read_defvaltype(r); break;
  }
  return t;
}

std::shared_ptr<CoreType> read_core_type(ByteReader& r, bool inside_module_type) {
  const size_t at = r.pos();
  auto t = std::make_shared<CoreType>();
  switch (r.byte("a core type (0x60 func, 0x50 module)")) {
    case 0x60: {
      CoreFuncType f;
      uint32_t np = r.count("the number of core parameters");
      for (uint32_t i = 0; i < np; ++i) f.params.push_back(read_core_valtype(r));
      uint32_t nr = r.count("the number of core results");
      for (uint32_t i = 0; i < nr; ++i) f.results.push_back(read_core_valtype(r));
      t->def = std::move(f);
      break;
    }
    case 0x50: {
      if (inside_module_type) r.invalid(at, "a core module type cannot be declared inside a module type");
      DepthGuard guard(r, at);
      t->def = read_core_moduletype(r);
      break;
    }
    case 0x5e: case 0x5f: case 0x4e: case 0x4f: case 0x4d:
      r.unsupported(at, "core GC types (struct, array, rec, sub) are not supported");
    default: r.expected("a core type (0x60 func, 0x50 module)", at);
  }
  return t;
}

}  // namespace torvyn::component::binary_detail
