#include "module_ir.h"

#include "ir_precheck.h"
#include "torvyn/base/sha256.h"
#include "torvyn/wasm/validate.h"

#include <mutex>
#include <unordered_set>

#include <wabt/binary-reader-ir.h>
#include <wabt/cast.h>
#include <wabt/binary-reader.h>
#include <wabt/binary-writer.h>
#include <wabt/error-formatter.h>
#include <wabt/feature.h>
#include <wabt/interp/binary-reader-interp.h>
#include <wabt/stream.h>
#include <wabt/validator.h>

namespace torvyn::wasm {
namespace {

std::string format_errors(const wabt::Errors& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += "; ";
    if (e.loc.offset != wabt::kInvalidOffset) out += "at byte offset " + std::to_string(e.loc.offset) + ": ";
    out += e.message;
  }
  return out.empty() ? "unknown error" : out;
}

ExternType extern_type_of(const wabt::Module& m, wabt::ExternalKind kind, const wabt::Var& var) {
  ExternType t;
  switch (kind) {
    case wabt::ExternalKind::Func:
      t.kind = ExternKind::Func;
      t.func = func_type_of(m.GetFunc(var)->decl.sig);
      break;
    case wabt::ExternalKind::Table: {
      const wabt::Table* table = m.GetTable(var);
      t.kind = ExternKind::Table;
      t.table.elem = to_val_type(table->elem_type);
      t.table.limits = limits_of(table->elem_limits);
      break;
    }
    case wabt::ExternalKind::Memory:
      t.kind = ExternKind::Memory;
      t.memory.limits = limits_of(m.GetMemory(var)->page_limits);
      break;
    case wabt::ExternalKind::Global: {
      const wabt::Global* g = m.GetGlobal(var);
      t.kind = ExternKind::Global;
      t.global.type = to_val_type(g->type);
      t.global.is_mutable = g->mutable_;
      break;
    }
    case wabt::ExternalKind::Tag:
      t.kind = ExternKind::Tag;
      break;
  }
  return t;
}

// The modules this process has already checked and validated, by the SHA-256 of their bytes. A
// process may meet the same bytes several times — a tiered component loads on the interpreter and
// then on aot, and a project may use one component in several flows — and a 12 MB module takes
// about a second to validate. The same bytes with the same limit give the same verdict, so only the
// first decode checks; later ones only build the IR.
class ValidatedModules {
 public:
  static ValidatedModules& instance() {
    static ValidatedModules v;
    return v;
  }
  bool contains(const std::string& digest) {
    std::lock_guard lock(mu_);
    return digests_.count(digest) != 0;
  }
  void add(std::string digest) {
    std::lock_guard lock(mu_);
    if (digests_.size() >= kMaxRemembered) digests_.clear();  // a bound, not an eviction policy
    digests_.insert(std::move(digest));
  }

 private:
  static constexpr size_t kMaxRemembered = 4096;
  std::mutex mu_;
  std::unordered_set<std::string> digests_;
};

// How both readers read a guest module: wabt 1.0.32's default features (MVP + mutable globals,
// sat-conv, sign-ext, simd, multi-value, bulk memory, reference types), no debug names, stop at the
// first error, and a malformed custom section is an error.
wabt::ReadBinaryOptions guest_read_options() {
  return wabt::ReadBinaryOptions(wabt::Features(), nullptr, /*read_debug_names=*/false, /*stop_on_first_error=*/true,
                                 /*fail_on_custom_section_error=*/true);
}

}  // namespace

ValType to_val_type(wabt::Type t) {
  switch (t) {
    case wabt::Type::I32: return ValType::I32;
    case wabt::Type::I64: return ValType::I64;
    case wabt::Type::F32: return ValType::F32;
    case wabt::Type::F64: return ValType::F64;
    case wabt::Type::V128: return ValType::V128;
    case wabt::Type::FuncRef: return ValType::FuncRef;
    case wabt::Type::ExternRef: return ValType::ExternRef;
    default: return ValType::I32;  // validation rejects anything else before we get here
  }
}

Limits limits_of(const wabt::Limits& l) {
  Limits out;
  out.min = l.initial;
  if (l.has_max) out.max = l.max;
  return out;
}

FuncType func_type_of(const wabt::FuncSignature& sig) {
  FuncType ft;
  for (auto t : sig.param_types) ft.params.push_back(to_val_type(t));
  for (auto t : sig.result_types) ft.results.push_back(to_val_type(t));
  return ft;
}

Result<std::unique_ptr<wabt::Module>> decode_module(std::span<const uint8_t> bytes, std::string_view name, uint32_t nesting_limit) {
  // Only modules checked at the standard limit are remembered (tests decode at other limits).
  std::string digest = nesting_limit == kMaxControlNesting ? sha256_hex(bytes) : std::string();
  const bool checked = !digest.empty() && ValidatedModules::instance().contains(digest);
  // Before any IR exists: the IR is a tree that later passes (and its destructor) walk recursively.
  if (!checked)
    if (Status s = precheck_module(bytes, name, nesting_limit); !s) return s.take_error();
  auto module = std::make_unique<wabt::Module>();
  wabt::Errors errors;
  const wabt::ReadBinaryOptions options = guest_read_options();
  std::string filename(name.empty() ? "<module>" : name);
  if (wabt::Failed(wabt::ReadBinaryIr(filename.c_str(), bytes.data(), bytes.size(), options, &errors, module.get())))
    return Error(ErrorCode::WasmMalformed, filename + ": malformed module: " + format_errors(errors));
  if (checked) return module;
  wabt::ValidateOptions vopts(options.features);
  if (wabt::Failed(wabt::ValidateModule(module.get(), &errors, vopts)))
    return Error(ErrorCode::WasmInvalid, filename + ": invalid module: " + format_errors(errors));
  if (!digest.empty()) ValidatedModules::instance().add(std::move(digest));
  return module;
}

// Validation without building the IR. wabt's interpreter reader checks every instruction with the
// same SharedValidator that ValidateModule uses, as it reads, and builds no expression tree (nor
// frees one): about half the time of decode + validate for a 12 MB module, which `link` and
// `check` pay for every core module of a project. A module it refuses goes through decode_module,
// which gives the verdict and the message it always gave (malformed or invalid); one the IR path
// accepts after all is valid, as it always was.
Status validate_module(std::span<const uint8_t> bytes, std::string_view name) {
  std::string digest = sha256_hex(bytes);
  if (ValidatedModules::instance().contains(digest)) return {};
  if (Status s = precheck_module(bytes, name, kMaxControlNesting); !s) return s;
  {
    wabt::interp::ModuleDesc desc;
    wabt::Errors errors;
    std::string filename(name.empty() ? "<module>" : name);
    if (wabt::Succeeded(wabt::interp::ReadBinaryInterp(filename, bytes.data(), bytes.size(), guest_read_options(), &errors, &desc))) {
      ValidatedModules::instance().add(std::move(digest));
      return {};
    }
  }
  auto ir = decode_module(bytes, name);
  if (!ir) return ir.take_error();
  return {};
}

std::vector<ImportDesc> describe_imports(const wabt::Module& m) {
  std::vector<ImportDesc> out;
  for (const wabt::Import* imp : m.imports) {
    ImportDesc d;
    d.module = imp->module_name;
    d.name = imp->field_name;
    switch (imp->kind()) {
      case wabt::ExternalKind::Func:
        d.type.kind = ExternKind::Func;
        d.type.func = func_type_of(wabt::cast<wabt::FuncImport>(imp)->func.decl.sig);
        break;
      case wabt::ExternalKind::Table: {
        const auto& t = wabt::cast<wabt::TableImport>(imp)->table;
        d.type.kind = ExternKind::Table;
        d.type.table.elem = to_val_type(t.elem_type);
        d.type.table.limits = limits_of(t.elem_limits);
        break;
      }
      case wabt::ExternalKind::Memory:
        d.type.kind = ExternKind::Memory;
        d.type.memory.limits = limits_of(wabt::cast<wabt::MemoryImport>(imp)->memory.page_limits);
        break;
      case wabt::ExternalKind::Global: {
        const auto& g = wabt::cast<wabt::GlobalImport>(imp)->global;
        d.type.kind = ExternKind::Global;
        d.type.global.type = to_val_type(g.type);
        d.type.global.is_mutable = g.mutable_;
        break;
      }
      case wabt::ExternalKind::Tag:
        d.type.kind = ExternKind::Tag;
        break;
    }
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<ExportDesc> describe_exports(const wabt::Module& m) {
  std::vector<ExportDesc> out;
  for (const wabt::Export* e : m.exports) out.push_back({e->name, extern_type_of(m, e->kind, e->var)});
  return out;
}

Result<std::vector<uint8_t>> encode_module(const wabt::Module& m) {
  wabt::MemoryStream stream;
  wabt::WriteBinaryOptions options;
  options.features = wabt::Features();
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, &m, options)))
    return Error(ErrorCode::Internal, "cannot re-encode instrumented module");
  return std::move(stream.output_buffer().data);
}

}  // namespace torvyn::wasm
