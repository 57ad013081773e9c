#include "spectest_host.h"

#include "values.h"

namespace torvyn::spectest {

using namespace wasm;

std::optional<Extern> SpectestHost::get(std::string_view name) {
  if (auto it = made_.find(name); it != made_.end()) return it->second;
  std::optional<Extern> e = create(name);
  if (e) made_.emplace(std::string(name), *e);
  return e;
}

std::optional<Extern> SpectestHost::create(std::string_view name) {
  using V = ValType;
  static const std::map<std::string_view, FuncType> kPrints = {
      {"print", {{}, {}}},
      {"print_i32", {{V::I32}, {}}},
      {"print_i64", {{V::I64}, {}}},
      {"print_f32", {{V::F32}, {}}},
      {"print_f64", {{V::F64}, {}}},
      {"print_i32_f32", {{V::I32, V::F32}, {}}},
      {"print_f64_f64", {{V::F64, V::F64}, {}}},
  };
  if (auto it = kPrints.find(name); it != kPrints.end()) {
    PrintEnv& env = prints_.emplace_back(PrintEnv{this, std::string(name), it->second});
    return store_.new_host_func(env.type, &SpectestHost::print, &env);
  }

  Result<Extern> made = Error();
  // 666.6 is not exact in binary; the spec means the nearest f32 / f64 respectively.
  if (name == "global_i32") made = store_.new_global({V::I32, false}, slot_i32(666));
  else if (name == "global_i64") made = store_.new_global({V::I64, false}, slot_i64(666));
  else if (name == "global_f32") made = store_.new_global({V::F32, false}, slot_f32(666.6f));
  else if (name == "global_f64") made = store_.new_global({V::F64, false}, slot_f64(666.6));
  else if (name == "table") made = store_.new_table({V::FuncRef, {10, 20}});
  else if (name == "memory") made = store_.new_memory({{1, 2}});
  else return std::nullopt;

  if (!made.ok()) {
    if (log_) *log_ += "spectest: cannot create " + std::string(name) + ": " + made.error().to_string() + "\n";
    return std::nullopt;
  }
  return made.value();
}

TrapKind SpectestHost::print(void* env_ptr, HostContext&, Slot* slots) {
  auto* env = static_cast<PrintEnv*>(env_ptr);
  if (std::string* log = env->host->log_) {
    std::string line = "called host spectest." + env->name + "(";
    for (size_t i = 0; i < env->type.params.size(); ++i)
      line += (i ? ", " : "") + format_slot(env->type.params[i], slots[i]);
    *log += line + ")\n";
  }
  return TrapKind::None;
}

}  // namespace torvyn::spectest
