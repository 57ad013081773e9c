// A tiny component-binary encoder for tests: just enough to spell each production of Binary.md
// by hand. Byte vectors compose with cat(); nothing here validates anything.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace torvyn::component::testenc {

using Bytes = std::vector<uint8_t>;

inline Bytes leb(uint64_t v) {
  Bytes out;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out.push_back(v ? (b | 0x80) : b);
  } while (v);
  return out;
}

// Signed LEB128 (value types are s33: negative opcodes, non-negative type indices).
inline Bytes sleb(int64_t v) {
  Bytes out;
  bool more = true;
  while (more) {
    uint8_t b = v & 0x7f;
    v >>= 7;
    more = !((v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40)));
    out.push_back(more ? (b | 0x80) : b);
  }
  return out;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline Bytes str(std::string_view s) {
  Bytes out = leb(s.size());
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

// importname'/exportname' (0x00 form), and the 0x01 form with a version suffix.
inline Bytes ename(std::string_view s) { return cat({{0x00}, str(s)}); }
inline Bytes ename_v(std::string_view s, std::string_view suffix) { return cat({{0x01}, str(s), str(suffix)}); }

// vec(x): count then the items.
inline Bytes vec(std::initializer_list<Bytes> items) {
  Bytes out = leb(items.size());
  for (const auto& i : items) out.insert(out.end(), i.begin(), i.end());
  return out;
}

inline Bytes section(uint8_t id, const Bytes& body) { return cat({{id}, leb(body.size()), body}); }

inline Bytes preamble() { return {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00}; }
inline Bytes component(std::initializer_list<Bytes> sections) {
  Bytes out = preamble();
  for (const auto& s : sections) out.insert(out.end(), s.begin(), s.end());
  return out;
}
inline Bytes core_module_bytes() { return {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}; }

// Section ids.
enum : uint8_t {
  kCustom = 0, kCoreModule = 1, kCoreInstance = 2, kCoreType = 3, kComponent = 4, kInstance = 5,
  kAlias = 6, kType = 7, kCanon = 8, kStart = 9, kImport = 10, kExport = 11, kValue = 12
};

// Primitive value types.
enum : uint8_t {
  kBool = 0x7f, kS8 = 0x7e, kU8 = 0x7d, kS16 = 0x7c, kU16 = 0x7b, kS32 = 0x7a, kU32 = 0x79,
  kS64 = 0x78, kU64 = 0x77, kF32 = 0x76, kF64 = 0x75, kChar = 0x74, kString = 0x73
};

// Sorts as sortidx bytes.
inline Bytes sort_core(uint8_t core_sort) { return {0x00, core_sort}; }
inline const Bytes kSortFunc = {0x01}, kSortValue = {0x02}, kSortType = {0x03}, kSortComponent = {0x04},
                   kSortInstance = {0x05};
inline const Bytes kSortCoreFunc = {0x00, 0x00}, kSortCoreTable = {0x00, 0x01}, kSortCoreMemory = {0x00, 0x02},
                   kSortCoreGlobal = {0x00, 0x03}, kSortCoreType = {0x00, 0x10}, kSortCoreModule = {0x00, 0x11},
                   kSortCoreInstance = {0x00, 0x12};

// ---- types ----
inline Bytes idx(uint32_t i) { return sleb(i); }  // a valtype that is a type index
inline Bytes labeled(std::string_view l, const Bytes& t) { return cat({str(l), t}); }
inline Bytes record(std::initializer_list<Bytes> fields) { return cat({{0x72}, vec(fields)}); }
inline Bytes vcase(std::string_view l) { return cat({str(l), {0x00, 0x00}}); }
inline Bytes vcase(std::string_view l, const Bytes& t) { return cat({str(l), {0x01}, t, {0x00}}); }
inline Bytes variant(std::initializer_list<Bytes> cases) { return cat({{0x71}, vec(cases)}); }
inline Bytes list(const Bytes& t) { return cat({{0x70}, t}); }
inline Bytes tuple(std::initializer_list<Bytes> ts) { return cat({{0x6f}, vec(ts)}); }
inline Bytes flags(std::initializer_list<Bytes> labels) { return cat({{0x6e}, vec(labels)}); }
inline Bytes enum_(std::initializer_list<Bytes> labels) { return cat({{0x6d}, vec(labels)}); }
inline Bytes option(const Bytes& t) { return cat({{0x6b}, t}); }
inline Bytes opt(const Bytes& t) { return t.empty() ? Bytes{0x00} : cat({{0x01}, t}); }
inline Bytes result(const Bytes& ok, const Bytes& err) { return cat({{0x6a}, opt(ok), opt(err)}); }
inline Bytes own(uint32_t i) { return cat({{0x69}, leb(i)}); }
inline Bytes borrow(uint32_t i) { return cat({{0x68}, leb(i)}); }
// func (param...) (result t) / (func (param ...)) with no results (0x01 0x00).
inline Bytes func(std::initializer_list<Bytes> params, const Bytes& result_type) {
  return cat({{0x40}, vec(params), result_type.empty() ? Bytes{0x01, 0x00} : cat({{0x00}, result_type})});
}
inline Bytes func_named(std::initializer_list<Bytes> params, std::initializer_list<Bytes> results) {
  return cat({{0x40}, vec(params), {0x01}, vec(results)});
}
inline Bytes resource(bool dtor = false, uint32_t dtor_func = 0) {
  return dtor ? cat({{0x3f, 0x7f, 0x01}, leb(dtor_func)}) : Bytes{0x3f, 0x7f, 0x00};
}
inline Bytes component_type(std::initializer_list<Bytes> decls) { return cat({{0x41}, vec(decls)}); }
inline Bytes instance_type(std::initializer_list<Bytes> decls) { return cat({{0x42}, vec(decls)}); }

// Extern descriptors.
inline Bytes ed_core_module(uint32_t t) { return cat({{0x00, 0x11}, leb(t)}); }
inline Bytes ed_func(uint32_t t) { return cat({{0x01}, leb(t)}); }
inline Bytes ed_type_eq(uint32_t t) { return cat({{0x03, 0x00}, leb(t)}); }
inline Bytes ed_type_sub_resource() { return {0x03, 0x01}; }
inline Bytes ed_component(uint32_t t) { return cat({{0x04}, leb(t)}); }
inline Bytes ed_instance(uint32_t t) { return cat({{0x05}, leb(t)}); }

// Declarators (inside component/instance types).
inline Bytes decl_core_type(const Bytes& t) { return cat({{0x00}, t}); }
inline Bytes decl_type(const Bytes& t) { return cat({{0x01}, t}); }
inline Bytes decl_alias(const Bytes& a) { return cat({{0x02}, a}); }
inline Bytes decl_import(std::string_view n, const Bytes& ed) { return cat({{0x03}, ename(n), ed}); }
inline Bytes decl_export(std::string_view n, const Bytes& ed) { return cat({{0x04}, ename(n), ed}); }

// Aliases.
inline Bytes alias_export(const Bytes& sort, uint32_t inst, std::string_view n) {
  return cat({sort, {0x00}, leb(inst), str(n)});
}
inline Bytes alias_core_export(const Bytes& sort, uint32_t inst, std::string_view n) {
  return cat({sort, {0x01}, leb(inst), str(n)});
}
inline Bytes alias_outer(const Bytes& sort, uint32_t count, uint32_t i) {
  return cat({sort, {0x02}, leb(count), leb(i)});
}

// Core types.
inline Bytes core_func_type(Bytes params, Bytes results) {
  return cat({{0x60}, leb(params.size()), params, leb(results.size()), results});
}

// Instances.
inline Bytes core_instantiate(uint32_t module, std::initializer_list<Bytes> args) {
  return cat({{0x00}, leb(module), vec(args)});
}
inline Bytes core_arg(std::string_view n, uint32_t inst) { return cat({str(n), {0x12}, leb(inst)}); }
inline Bytes core_exports(std::initializer_list<Bytes> exports) { return cat({{0x01}, vec(exports)}); }
inline Bytes core_export(std::string_view n, uint8_t core_sort, uint32_t i) {
  return cat({str(n), {core_sort}, leb(i)});
}
inline Bytes instantiate(uint32_t comp, std::initializer_list<Bytes> args) {
  return cat({{0x00}, leb(comp), vec(args)});
}
inline Bytes arg(std::string_view n, const Bytes& sort, uint32_t i) { return cat({str(n), sort, leb(i)}); }
inline Bytes inline_exports(std::initializer_list<Bytes> exports) { return cat({{0x01}, vec(exports)}); }
inline Bytes inline_export(std::string_view n, const Bytes& sort, uint32_t i) { return cat({ename(n), sort, leb(i)}); }

// Canon.
inline Bytes opt_memory(uint32_t m) { return cat({{0x03}, leb(m)}); }
inline Bytes opt_realloc(uint32_t f) { return cat({{0x04}, leb(f)}); }
inline Bytes opt_post_return(uint32_t f) { return cat({{0x05}, leb(f)}); }
inline const Bytes kUtf8 = {0x00}, kUtf16 = {0x01}, kLatin1Utf16 = {0x02};
inline Bytes lift(uint32_t core_func, std::initializer_list<Bytes> opts, uint32_t type) {
  return cat({{0x00, 0x00}, leb(core_func), vec(opts), leb(type)});
}
inline Bytes lower(uint32_t func, std::initializer_list<Bytes> opts) { return cat({{0x01, 0x00}, leb(func), vec(opts)}); }
inline Bytes resource_new(uint32_t t) { return cat({{0x02}, leb(t)}); }
inline Bytes resource_drop(uint32_t t) { return cat({{0x03}, leb(t)}); }
inline Bytes resource_rep(uint32_t t) { return cat({{0x04}, leb(t)}); }

// Imports and exports.
inline Bytes import(std::string_view n, const Bytes& ed) { return cat({ename(n), ed}); }
inline Bytes export_(std::string_view n, const Bytes& sort, uint32_t i) { return cat({ename(n), sort, leb(i), {0x00}}); }
inline Bytes export_typed(std::string_view n, const Bytes& sort, uint32_t i, const Bytes& ed) {
  return cat({ename(n), sort, leb(i), {0x01}, ed});
}

// Hostile shapes.

// Component k (k >= 1) instantiates component k-1 `fan` times through an outer alias: components
// nest only two deep, instantiations chain `n` deep, and a few hundred bytes would make fan^n
// component instances.
inline Bytes instantiation_fan(uint32_t n, uint32_t fan) {
  Bytes out = component({section(kComponent, component({}))});
  for (uint32_t k = 1; k <= n; ++k) {
    Bytes copies = leb(fan);  // a vec of `fan` instantiations of the aliased component
    for (uint32_t i = 0; i < fan; ++i) {
      Bytes one = instantiate(0, {});
      copies.insert(copies.end(), one.begin(), one.end());
    }
    Bytes link = section(kComponent, component({
                                         section(kAlias, vec({alias_outer(kSortComponent, 1, k - 1)})),
                                         section(kInstance, copies),
                                     }));
    out.insert(out.end(), link.begin(), link.end());
  }
  Bytes top = section(kInstance, vec({instantiate(n, {})}));
  out.insert(out.end(), top.begin(), top.end());
  return out;
}

inline Bytes instantiation_chain(uint32_t n) { return instantiation_fan(n, 1); }

}  // namespace torvyn::component::testenc
