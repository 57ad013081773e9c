#include "translate.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>
#include <vector>

#include <wabt/apply-names.h>
#include <wabt/c-writer.h>
#include <wabt/cast.h>
#include <wabt/generate-names.h>
#include <wabt/stream.h>

#include "../common/module_ir.h"

namespace torvyn::wasm::aot {

extern const char* const kGlueAbiHeader;  // glue_abi.h, embedded at build time

namespace {

const char* c_type(wabt::Type t) {
  switch (t) {
    case wabt::Type::I32: return "u32";
    case wabt::Type::I64: return "u64";
    case wabt::Type::F32: return "f32";
    case wabt::Type::F64: return "f64";
    case wabt::Type::FuncRef: return "wasm_rt_funcref_t";
    case wabt::Type::ExternRef: return "wasm_rt_externref_t";
    default: return nullptr;
  }
}

char multi_letter(wabt::Type t) {
  switch (t) {
    case wabt::Type::I32: return 'i';
    case wabt::Type::I64: return 'j';
    case wabt::Type::F32: return 'f';
    case wabt::Type::F64: return 'd';
    case wabt::Type::FuncRef: return 'r';
    case wabt::Type::ExternRef: return 'e';
    default: return '?';
  }
}

bool uses_v128(const wabt::FuncSignature& sig) {
  for (auto t : sig.param_types) if (t == wabt::Type::V128) return true;
  for (auto t : sig.result_types) if (t == wabt::Type::V128) return true;
  return false;
}

std::string return_type(const wabt::FuncSignature& sig) {
  if (sig.result_types.empty()) return "void";
  if (sig.result_types.size() == 1) return c_type(sig.result_types[0]);
  std::string s = "struct wasm_multi_";
  for (auto t : sig.result_types) s += multi_letter(t);
  return s;
}

// Expression storing C value `expr` of type t into slot lvalue `slot`.
std::string to_slot(wabt::Type t, const std::string& expr, const std::string& slot) {
  switch (t) {
    case wabt::Type::I32: return slot + " = (uint64_t)(u32)(" + expr + ");";
    case wabt::Type::I64: return slot + " = (uint64_t)(" + expr + ");";
    case wabt::Type::F32: return "{ f32 v_ = " + expr + "; u32 b_; memcpy(&b_, &v_, 4); " + slot + " = b_; }";
    case wabt::Type::F64: return "{ f64 v_ = " + expr + "; memcpy(&" + slot + ", &v_, 8); }";
    case wabt::Type::FuncRef: return "{ wasm_rt_funcref_t v_ = " + expr + "; " + slot + " = torvyn_rt_funcref_to_slot(&v_); }";
    case wabt::Type::ExternRef: return slot + " = (uint64_t)(uintptr_t)(" + expr + ");";
    default: return "";
  }
}

// C expression reading slot `slot` as type t.
std::string from_slot(wabt::Type t, const std::string& slot) {
  switch (t) {
    case wabt::Type::I32: return "(u32)" + slot;
    case wabt::Type::I64: return "(u64)" + slot;
    case wabt::Type::F32: return "torvyn_f32(" + slot + ")";
    case wabt::Type::F64: return "torvyn_f64(" + slot + ")";
    case wabt::Type::FuncRef: return "torvyn_funcref(" + slot + ")";
    case wabt::Type::ExternRef: return "(wasm_rt_externref_t)(uintptr_t)" + slot;
    default: return "0";
  }
}

// Stores the results of a call held in C variable `r` into slots[0..].
std::string results_to_slots(const wabt::FuncSignature& sig, const std::string& r) {
  std::string s;
  if (sig.result_types.size() == 1) return to_slot(sig.result_types[0], r, "s[0]");
  for (size_t i = 0; i < sig.result_types.size(); ++i) {
    wabt::Type t = sig.result_types[i];
    s += to_slot(t, r + "." + multi_letter(t) + std::to_string(i), "s[" + std::to_string(i) + "]") + " ";
  }
  return s;
}

std::string param_list(const wabt::FuncSignature& sig) {
  std::string s;
  for (size_t i = 0; i < sig.param_types.size(); ++i) s += std::string(", ") + c_type(sig.param_types[i]) + " a" + std::to_string(i);
  return s;
}

std::string arg_names(const wabt::FuncSignature& sig) {
  std::string s;
  for (size_t i = 0; i < sig.param_types.size(); ++i) s += ", a" + std::to_string(i);
  return s;
}

std::string param_types(const wabt::FuncSignature& sig) {
  std::string s;
  for (auto t : sig.param_types) s += std::string(", ") + c_type(t);
  return s;
}

std::string import_func(size_t k, const wabt::FuncSignature& sig) {
  std::string ret = return_type(sig);
  std::string n = std::to_string(k);
  size_t nslots = std::max(sig.param_types.size(), sig.result_types.size());
  std::string c = ret + " Z_iZ_x" + n + "(struct Z_i_instance_t* c" + param_list(sig) + ") {\n";
  c += "  c = (struct Z_i_instance_t*)c->ctx.self;  /* see glue_abi.h */\n";
  c += "  torvyn_import_slot* sl = &c->ctx.slots[" + n + "];\n";
  c += "  if (sl->direct_fn) return ((" + ret + " (*)(void*" + param_types(sig) + "))sl->direct_fn)(sl->target" + arg_names(sig) + ");\n";
  c += "  uint64_t s[" + std::to_string(nslots ? nslots : 1) + "];\n";
  for (size_t i = 0; i < sig.param_types.size(); ++i) c += "  " + to_slot(sig.param_types[i], "a" + std::to_string(i), "s[" + std::to_string(i) + "]") + "\n";
  c += "  int t = sl->host(sl->env, c->ctx.owner, s);\n";
  c += "  if (t) wasm_rt_trap((wasm_rt_trap_t)t);\n";
  if (sig.result_types.size() == 1) {
    c += "  return " + from_slot(sig.result_types[0], "s[0]") + ";\n";
  } else if (sig.result_types.size() > 1) {
    c += "  " + ret + " r;\n";
    for (size_t i = 0; i < sig.result_types.size(); ++i) {
      wabt::Type t = sig.result_types[i];
      c += "  r." + std::string(1, multi_letter(t)) + std::to_string(i) + " = " + from_slot(t, "s[" + std::to_string(i) + "]") + ";\n";
    }
    c += "  return r;\n";
  }
  return c + "}\n";
}

std::string export_invoker(size_t k, const wabt::FuncSignature& sig) {
  std::string n = std::to_string(k);
  std::string c = "static void torvyn_invoke_e" + n + "(void* inst, uint64_t* s) {\n  ";
  std::string call = "Z_torvynZ_e" + n + "((Z_torvyn_instance_t*)inst";
  for (size_t i = 0; i < sig.param_types.size(); ++i) call += ", " + from_slot(sig.param_types[i], "s[" + std::to_string(i) + "]");
  call += ")";
  if (sig.result_types.empty()) {
    c += call + ";\n  (void)s;\n";
  } else {
    c += return_type(sig) + " r = " + call + ";\n  " + results_to_slots(sig, "r") + "\n";
  }
  return c + "}\n";
}

const char* kGluePrelude = R"(
#include <string.h>
#include "module.h"

struct Z_i_instance_t { torvyn_import_ctx ctx; };

static inline f32 torvyn_f32(uint64_t s) { u32 b = (u32)s; f32 v; memcpy(&v, &b, 4); return v; }
static inline f64 torvyn_f64(uint64_t s) { f64 v; memcpy(&v, &s, 8); return v; }
static inline wasm_rt_funcref_t torvyn_funcref(uint64_t s) { wasm_rt_funcref_t f; torvyn_rt_slot_to_funcref(s, &f); return f; }
)";
const char* kFuelAccessor = "u64* Z_iZ_fuel(struct Z_i_instance_t* c) { return (u64*)c->ctx.fuel; }\n";

}  // namespace

// A fuel charge (fuel_pass.h) is `fuel -= n; if (fuel < 0) trap`, which wasm2c writes as a store
// and a second read of the counter: `(*instance->Z_iZ_fuel) = X;` then `X = (*instance->Z_iZ_fuel);`.
// The counter is volatile (the watchdog writes it from its thread), so the compiler must keep
// that read: two instructions of every charge, at every function entry and loop header. The
// value just stored is the one to check. A watchdog store landing between the two is seen at the
// next charge, a few instructions on; one overwritten by the charge's own store is repeated on
// the watchdog's next tick, which already covers a store landing between the read and the store.
std::string drop_fuel_rereads(const std::string& c, size_t* dropped) {
  static constexpr std::string_view kStore = "(*instance->Z_iZ_fuel) = ";
  static constexpr std::string_view kRead = " = (*instance->Z_iZ_fuel);\n";
  std::string out;
  out.reserve(c.size());
  size_t from = 0;
  *dropped = 0;
  for (size_t at; (at = c.find(kStore, from)) != std::string::npos;) {
    const size_t var = at + kStore.size();
    const size_t semi = c.find(';', var);
    if (semi == std::string::npos) break;
    const std::string_view name(c.data() + var, semi - var);
    size_t next = semi + 1;
    bool reread = next < c.size() && c[next] == '\n' && name.find_first_of(" \n") == std::string_view::npos;
    size_t line = ++next;  // the next line: indentation, then `name = (*instance->Z_iZ_fuel);`
    while (reread && line < c.size() && c[line] == ' ') ++line;
    reread = reread && c.compare(line, name.size(), name) == 0 && c.compare(line + name.size(), kRead.size(), kRead) == 0;
    if (!reread) {
      out.append(c, from, var - from);
      from = var;
      continue;
    }
    out.append(c, from, next - from);  // through the store's line
    from = line + name.size() + kRead.size();
    ++*dropped;
  }
  out.append(c, from, std::string::npos);
  return out;
}

namespace {

bool ident_char(char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; }

// The accessor names of wasm2c's DEFINE_LOAD/DEFINE_STORE lines (column 0), with their macro
// arguments: `i32_load` -> "u32, u32, u32".
std::vector<std::pair<std::string, std::string>> accessors(const std::string& c, std::string_view macro) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::string head = "\n" + std::string(macro) + "(";
  for (size_t at = c.find(head); at != std::string::npos; at = c.find(head, at + 1)) {
    const size_t name = at + head.size();
    const size_t comma = c.find(", ", name);
    const size_t close = c.find(")\n", name);
    if (comma == std::string::npos || close == std::string::npos || comma > close) continue;
    out.emplace_back(c.substr(name, comma - name), c.substr(comma + 2, close - comma - 2));
  }
  return out;
}

}  // namespace

// wasm2c passes every load and store the memory's struct (`i32_load(&instance->w2c_e0, a)`) and
// reads its data pointer at each one. Stores are byte copies, which may alias anything, the
// instance struct included, so the compiler must read that pointer again after every store: one
// more instruction per access. A memory's data never moves here (wasm_rt.cc reserves its whole
// range up front and grows it in place), so each function reads it once, into a local that no
// store can reach, and its accesses go through that (`i32_load_b(torvyn_mb_w2c_e0, a)`). Bounds
// stay the guard pages' (the _b forms exist only in that mode; anything else fails to compile).
std::string cache_memory_bases(const std::string& c, size_t* rewritten) {
  *rewritten = 0;
  const auto loads = accessors(c, "DEFINE_LOAD");
  const auto stores = accessors(c, "DEFINE_STORE");
  if (loads.empty() || stores.empty()) return c;
  std::set<std::string, std::less<>> names;
  std::string helpers =
      "\n#if !WASM_RT_MEMCHECK_SIGNAL_HANDLER || WABT_BIG_ENDIAN\n"
      "#error \"torvyn: cached memory bases need guard-page bounds checks on a little-endian target\"\n"
      "#endif\n"
      "#define TORVYN_LOAD_B(name, t1, t2, t3) static inline t3 name##_b(const u8* base, u64 addr) { t1 r; wasm_rt_memcpy(&r, base + addr, sizeof(t1)); wasm_asm(\"\" ::\"r\"(r)); return (t3)(t2)r; }\n"
      "#define TORVYN_STORE_B(name, t1, t2) static inline void name##_b(u8* base, u64 addr, t2 v) { t1 w = (t1)v; wasm_rt_memcpy(base + addr, &w, sizeof(t1)); }\n";
  for (const auto& [n, args] : loads) helpers += "TORVYN_LOAD_B(" + n + ", " + args + ")\n", names.insert(n);
  for (const auto& [n, args] : stores) helpers += "TORVYN_STORE_B(" + n + ", " + args + ")\n", names.insert(n);
  const std::string last = "\nDEFINE_STORE(" + stores.back().first + ", " + stores.back().second + ")\n";
  const size_t helpers_at = c.find(last);
  if (helpers_at == std::string::npos) return c;

  static constexpr std::string_view kPrologue = "\n  FUNC_PROLOGUE;\n";
  std::string out;
  out.reserve(c.size() + c.size() / 8);
  out.append(c, 0, helpers_at + last.size());
  out += helpers;
  size_t from = helpers_at + last.size();
  std::string text, decls;  // one function's, reused
  std::set<std::string, std::less<>> declared;
  static constexpr std::string_view kInstance = "instance->";
  for (size_t p; (p = c.find(kPrologue, from)) != std::string::npos;) {
    const size_t body = p + kPrologue.size();
    size_t end = c.find("\n}\n", body);
    if (end == std::string::npos) end = c.size();
    out.append(c, from, body - from);
    // Rewrite this body's accessor calls on instance memories; declare each base it uses.
    text.clear();
    decls.clear();
    declared.clear();
    // One forward pass over the body (a hostile module can make bodies huge: no search may
    // rescan what an earlier one passed). Each `instance->` is a memory argument when it is the
    // first argument of an accessor call: `name(&instance->m, ` or `name(instance->m, `.
    const std::string_view fn(c.data(), end);
    size_t k = body;
    for (size_t at; (at = fn.find(kInstance, k)) != std::string_view::npos;) {
      const size_t field = at + kInstance.size();
      const bool by_address = at >= k + 2 && c[at - 1] == '&' && c[at - 2] == '(';
      const bool by_pointer = !by_address && at >= k + 1 && c[at - 1] == '(';
      size_t open = at, name_start = at, field_end = field;
      if (by_address || by_pointer) {
        open = by_address ? at - 2 : at - 1;
        for (name_start = open; name_start > k && ident_char(c[name_start - 1]);) --name_start;
        while (field_end < end && ident_char(c[field_end])) ++field_end;
      }
      const std::string_view name(c.data() + name_start, open - name_start);
      if (name.empty() || !names.count(name) || field_end == field || c.compare(field_end, 2, ", ") != 0) {
        text.append(c, k, field - k);
        k = field;
        continue;
      }
      const std::string member = c.substr(field, field_end - field);
      const std::string var = (by_address ? "torvyn_mb_" : "torvyn_mbp_") + member;
      if (declared.insert(var).second)
        decls += "  u8* const " + var + " = instance->" + member + (by_address ? ".data;\n" : "->data;\n");
      text.append(c, k, open - k);
      text += "_b(" + var + ", ";
      k = field_end + 2;
      ++*rewritten;
    }
    text.append(c, k, end - k);
    out += decls;
    out += text;
    from = end;
  }
  out.append(c, from, std::string::npos);
  return out;
}

Result<Translation> translate(wabt::Module& m, bool metered) {
  // Predictable names: imports i.x<k> (the fuel import i.fuel), exports e<k>.
  size_t fuel_import = metered ? m.imports.size() - 1 : SIZE_MAX;  // instrument_fuel appends it last
  for (size_t k = 0; k < m.imports.size(); ++k) {
    m.imports[k]->module_name = "i";
    m.imports[k]->field_name = k == fuel_import ? "fuel" : "x" + std::to_string(k);
  }
  for (size_t k = 0; k < m.exports.size(); ++k) m.exports[k]->name = "e" + std::to_string(k);

  for (const wabt::FuncType* ft : [&] {
         std::vector<const wabt::FuncType*> v;
         for (auto* t : m.types)
           if (auto* f = wabt::dyn_cast<wabt::FuncType>(t)) v.push_back(f);
         return v;
       }()) {
    if (uses_v128(ft->sig)) return Error(ErrorCode::WasmUnsupported, "the aot engine (wasm2c 1.0.32) cannot run SIMD (v128) code; use engine = \"interp\"");
  }

  if (wabt::Failed(wabt::GenerateNames(&m))) return Error(ErrorCode::Internal, "wasm2c: naming failed");
  (void)wabt::ApplyNames(&m);  // like the wasm2c tool: a name that cannot be applied is skipped

  wabt::MemoryStream c_stream, h_stream;
  wabt::WriteCOptions options;
  options.module_name = "torvyn";
  if (wabt::Failed(wabt::WriteC(&c_stream, &h_stream, "module.h", &m, options)))
    return Error(ErrorCode::WasmUnsupported, "wasm2c cannot translate this module");
  Translation out;
  const auto& cb = c_stream.output_buffer().data;
  const auto& hb = h_stream.output_buffer().data;
  out.module_c.assign(cb.begin(), cb.end());
  out.module_h.assign(hb.begin(), hb.end());
  if (out.module_c.find("v128") != std::string::npos || out.module_c.find("simde") != std::string::npos)
    return Error(ErrorCode::WasmUnsupported, "the aot engine (wasm2c 1.0.32) cannot run SIMD (v128) code; use engine = \"interp\"");

  // The watchdog writes the fuel counter from another thread; the generated code must re-read it
  // at every check instead of keeping it in a register across a loop.
  if (metered) {
    const std::string fuel_field = "u64 *Z_iZ_fuel;";
    size_t pos = out.module_h.find(fuel_field);
    if (pos == std::string::npos) return Error(ErrorCode::Internal, "wasm2c output lacks the fuel import field");
    out.module_h.insert(pos, "volatile ");
    size_t dropped = 0;
    out.module_c = drop_fuel_rereads(out.module_c, &dropped);
  }
  size_t rewritten = 0;
  out.module_c = cache_memory_bases(out.module_c, &rewritten);

  std::string g = "/* Torvyn glue, generated. */\n";
  g += kGlueAbiHeader;
  g += kGluePrelude;
  if (metered) g += kFuelAccessor;
  for (size_t k = 0; k < m.imports.size(); ++k) {
    if (k == fuel_import) continue;
    const wabt::Import* imp = m.imports[k];
    std::string n = std::to_string(k);
    switch (imp->kind()) {
      case wabt::ExternalKind::Func:
        g += import_func(k, wabt::cast<wabt::FuncImport>(imp)->func.decl.sig);
        break;
      case wabt::ExternalKind::Memory:
        g += "wasm_rt_memory_t* Z_iZ_x" + n + "(struct Z_i_instance_t* c) { return (wasm_rt_memory_t*)c->ctx.slots[" + n + "].target; }\n";
        break;
      case wabt::ExternalKind::Table: {
        bool ext = wabt::cast<wabt::TableImport>(imp)->table.elem_type == wabt::Type::ExternRef;
        std::string tt = ext ? "wasm_rt_externref_table_t" : "wasm_rt_funcref_table_t";
        g += tt + "* Z_iZ_x" + n + "(struct Z_i_instance_t* c) { return (" + tt + "*)c->ctx.slots[" + n + "].target; }\n";
        break;
      }
      case wabt::ExternalKind::Global: {
        const char* ct = c_type(wabt::cast<wabt::GlobalImport>(imp)->global.type);
        if (!ct) return Error(ErrorCode::WasmUnsupported, "aot: unsupported global type");
        g += std::string(ct) + "* Z_iZ_x" + n + "(struct Z_i_instance_t* c) { return (" + ct + "*)c->ctx.slots[" + n + "].target; }\n";
        break;
      }
      case wabt::ExternalKind::Tag:
        return Error(ErrorCode::WasmUnsupported, "aot: tag imports (exceptions) are not supported");
    }
  }
  std::string table = "const torvyn_export_entry torvyn_exports[] = {\n";
  for (size_t k = 0; k < m.exports.size(); ++k) {
    const wabt::Export* e = m.exports[k];
    std::string n = std::to_string(k);
    if (e->kind == wabt::ExternalKind::Func) {
      g += export_invoker(k, m.GetFunc(e->var)->decl.sig);
      table += "  {(void*)&Z_torvynZ_e" + n + ", torvyn_invoke_e" + n + "},\n";
    } else if (e->kind == wabt::ExternalKind::Tag) {
      table += "  {0, 0},\n";
    } else {
      g += "static void* torvyn_export_ptr_e" + n + "(void* inst) { return (void*)Z_torvynZ_e" + n + "((Z_torvyn_instance_t*)inst); }\n";
      table += "  {(void*)&torvyn_export_ptr_e" + n + ", 0},\n";
    }
  }
  table += "  {0, 0}\n};\n";
  g += table;
  // wasm2c passes one import-context pointer per imported module name; with none, none.
  g += m.imports.empty() ? "#define TORVYN_IMPORT_ARG\n" : "#define TORVYN_IMPORT_ARG , (struct Z_i_instance_t*)ctx\n";
  g += R"(
const uint32_t torvyn_glue_abi_version = TORVYN_GLUE_ABI_VERSION;
size_t torvyn_instance_size(void) { return sizeof(Z_torvyn_instance_t); }
void torvyn_init_module(void) { Z_torvyn_init_module(); }
void torvyn_instantiate(void* inst, torvyn_import_ctx* ctx) {
  (void)ctx;
  Z_torvyn_instantiate((Z_torvyn_instance_t*)inst TORVYN_IMPORT_ARG);
}
void torvyn_free(void* inst) { Z_torvyn_free((Z_torvyn_instance_t*)inst); }
)";
  out.glue_c = std::move(g);
  return out;
}

}  // namespace torvyn::wasm::aot
