#include "spec_runner.h"

#include <algorithm>
#include <exception>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "link_check.h"
#include "spectest_host.h"
#include "trap_match.h"
#include "values.h"
#include "wast2json.h"

namespace torvyn::spectest {

namespace fs = std::filesystem;
using namespace wasm;
using nlohmann::json;

namespace {

constexpr uint64_t kPageSize = 65536;

// Skip reasons, shared by the counters and the --verbose breakdown.
constexpr const char* kSkipText = "text-format module";
constexpr const char* kSkipSimdFile = "simd file (--skip-simd)";

std::string trap_str(const Trap& t) {
  std::string s = to_string(t.kind);
  if (!t.message.empty()) s += " (" + t.message + ")";
  return s;
}

// What happened when an action (invoke / get) ran.
struct Outcome {
  enum class Kind { Returned, Trapped, Skipped, Error } kind = Kind::Error;
  std::string why;  // Skipped / Error: the reason
  Trap trap;        // Trapped
  std::vector<ValType> types;  // Returned
  std::vector<Slot> values;    // Returned
};

Outcome error_outcome(std::string why) { return {Outcome::Kind::Error, std::move(why), {}, {}, {}}; }
Outcome skipped_outcome(std::string why) { return {Outcome::Kind::Skipped, std::move(why), {}, {}, {}}; }

// The state of one script: its Store, the modules defined so far, and the registry for imports.
class ScriptRun {
 public:
  ScriptRun(Engine& engine, const RunnerOptions& options, fs::path dir, std::string display, FileResult& out)
      : engine_(engine), options_(options), dir_(std::move(dir)), display_(std::move(display)), out_(out) {
    store_ = engine_.new_store();
    store_->set_timeout(options_.call_timeout);
    spectest_ = std::make_unique<SpectestHost>(*store_, options_.verbose ? &out_.log : nullptr);
  }

  void execute(const json& cmd) {
    try {
      dispatch(cmd);
    } catch (const std::exception& e) {
      // A command the runner cannot interpret is the runner's (or script's) fault, never a reason to stop.
      fail(cmd, std::string("cannot interpret command: ") + e.what());
    }
  }

 private:
  void dispatch(const json& cmd) {
    const std::string type = cmd.at("type").get<std::string>();
    if (type == "module") return cmd_module(cmd);
    if (type == "register") return cmd_register(cmd);
    if (type == "action") return cmd_action(cmd);
    if (type == "assert_return") return cmd_assert_return(cmd);
    if (type == "assert_trap" || type == "assert_exhaustion") return cmd_assert_trap(cmd);
    if (type == "assert_invalid" || type == "assert_malformed") return cmd_assert_rejected(cmd);
    if (type == "assert_unlinkable") return cmd_assert_unlinkable(cmd);
    if (type == "assert_uninstantiable") return cmd_assert_uninstantiable(cmd);
    fail(cmd, "unknown command type \"" + type + "\"");
  }

  // ---- outcome counting ----------------------------------------------------------------------

  void pass() { ++out_.passed; }
  void skip(const std::string& reason) {
    ++out_.skipped;
    ++out_.skip_reasons[reason];
  }
  void fail(const json& cmd, const std::string& why) {
    ++out_.failed;
    if (!options_.verbose) return;
    out_.log += display_ + ":" + std::to_string(cmd.value("line", 0)) + ": " + cmd.value("type", "?") + ": " + why + "\n";
  }

  // ---- modules -------------------------------------------------------------------------------

  static bool is_text_module(const json& cmd) { return cmd.value("module_type", "binary") == "text"; }

  Result<std::shared_ptr<Module>> load(const json& cmd) {
    std::string filename = cmd.at("filename").get<std::string>();
    std::ifstream in(dir_ / filename, std::ios::binary);
    if (!in) return Error(ErrorCode::IoError, "cannot read " + filename);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Result<std::shared_ptr<Module>> m = engine_.load(bytes, filename);
    if (m.ok()) modules_.push_back(m.value());
    return m;
  }

  // The object an import names: a registered module's export, else the spectest host module's.
  Result<Extern> resolve_import(const ImportDesc& imp) {
    std::optional<Extern> e;
    if (auto it = registered_.find(imp.module); it != registered_.end()) {
      e = it->second->find_export(imp.name);
    } else if (imp.module == "spectest") {
      e = spectest_->get(imp.name);
    } else {
      return Error(ErrorCode::WasmUnlinkable, "unknown import module \"" + imp.module + "\"");
    }
    if (!e) return Error(ErrorCode::WasmUnlinkable, "unknown import \"" + imp.module + "\" \"" + imp.name + "\"");

    ExternType actual = store_->type_of(*e);
    // Memories and tables are typed by their current size (see link_check.h).
    if (actual.kind == ExternKind::Memory)
      actual.memory.limits.min = std::max<uint64_t>(actual.memory.limits.min, store_->memory(*e).size / kPageSize);
    if (actual.kind == ExternKind::Table)
      actual.table.limits.min = std::max<uint64_t>(actual.table.limits.min, store_->table_size(*e));
    if (std::optional<std::string> why = import_mismatch(imp.type, actual))
      return Error(ErrorCode::WasmUnlinkable, "incompatible import \"" + imp.module + "\" \"" + imp.name + "\": " + *why);
    return *e;
  }

  // Checked before Store::instantiate so that a type mismatch is caught even if the engine would
  // accept it (the spec requires rejection; assert_unlinkable tests exactly that).
  Result<std::vector<Extern>> resolve_imports(const Module& m) {
    std::vector<Extern> externs;
    for (const ImportDesc& imp : m.imports()) {
      Result<Extern> e = resolve_import(imp);
      if (!e.ok()) return e.take_error();
      externs.push_back(e.value());
    }
    return externs;
  }

  // Instance named `name` (a "$id" from the script), or the most recent module when absent.
  Result<Instance*> instance(const json& obj, const char* key) {
    if (obj.contains(key)) {
      std::string name = obj[key].get<std::string>();
      auto it = named_.find(name);
      if (it == named_.end()) return Error(ErrorCode::Internal, "unknown module " + name);
      if (!it->second) return Error(ErrorCode::Internal, "module " + name + " failed to load");
      return it->second;
    }
    if (!defined_any_) return Error(ErrorCode::Internal, "no module defined yet");
    if (!current_) return Error(ErrorCode::Internal, "the current module failed to load");
    return current_;
  }

  // ---- actions -------------------------------------------------------------------------------

  // Runs an invoke/get. `expected` (may be null) is only consulted to skip what slots cannot hold.
  Outcome perform(const json& action, const json* expected) {
    Result<Instance*> inst = instance(action, "module");
    if (!inst.ok()) return error_outcome(inst.error().message);
    const std::string field = action.at("field").get<std::string>();
    std::optional<Extern> ext = inst.value()->find_export(field);
    if (!ext) return error_outcome("no export \"" + field + "\"");
    const std::string type = action.at("type").get<std::string>();

    if (type == "get") {
      if (ext->kind != ExternKind::Global) return error_outcome("export \"" + field + "\" is not a global");
      ValType vt = store_->type_of(*ext).global.type;
      if (vt == ValType::V128) return skipped_outcome("v128 global (not readable through one slot)");
      return {Outcome::Kind::Returned, {}, {}, {vt}, {store_->global_get(*ext)}};
    }
    if (type != "invoke") return error_outcome("unknown action type \"" + type + "\"");
    if (ext->kind != ExternKind::Func) return error_outcome("export \"" + field + "\" is not a function");

    const json& args = action.at("args");
    for (const json& a : args)
      if (std::optional<std::string> why = unrepresentable(a, true)) return skipped_outcome(*why);
    if (expected)
      for (const json& e : *expected)
        if (std::optional<std::string> why = unrepresentable(e, false)) return skipped_outcome(*why);

    FuncType ft = store_->type_of(*ext).func;
    if (ft.params.size() != args.size())
      return error_outcome("\"" + field + "\" has type " + ft.to_string() + " but " + std::to_string(args.size()) +
                           " arguments were given");

    // Never hand the engine a null pointer, even for a () -> () function.
    // Slots, not values: a v128 takes two (see wasm::slot_count).
    std::vector<Slot> in(std::max<size_t>(1, slot_count(ft.params))), out(std::max<size_t>(1, slot_count(ft.results)));
    for (size_t i = 0, k = 0; i < args.size(); k += slot_count(ft.params[i]), ++i) {
      if (parse_val_type(args[i].at("type").get<std::string>()) != ft.params[i])
        return error_outcome("argument " + std::to_string(i) + " is " + args[i].at("type").get<std::string>() +
                             " but \"" + field + "\" has type " + ft.to_string());
      to_slots(args[i], &in[k]);
    }
    Trap trap = store_->call(*ext, in.data(), out.data());
    if (trap) return {Outcome::Kind::Trapped, {}, std::move(trap), {}, {}};
    out.resize(slot_count(ft.results));
    return {Outcome::Kind::Returned, {}, {}, ft.results, std::move(out)};
  }

  // ---- commands ------------------------------------------------------------------------------

  void cmd_module(const json& cmd) {
    // Until it is instantiated, the new module is "current" and (if named) known by name, but
    // unusable: later commands that refer to it fail instead of silently using an older one.
    defined_any_ = true;
    current_ = nullptr;
    std::optional<std::string> name;
    if (cmd.contains("name")) name = cmd["name"].get<std::string>();
    if (name) named_[*name] = nullptr;

    Result<std::shared_ptr<Module>> m = load(cmd);
    if (!m.ok()) return fail(cmd, "load failed: " + m.error().to_string());
    Result<std::vector<Extern>> imports = resolve_imports(*m.value());
    if (!imports.ok()) return fail(cmd, "link failed: " + imports.error().message);
    Result<Instance*> inst = store_->instantiate(*m.value(), imports.value());
    if (!inst.ok()) return fail(cmd, "instantiate failed: " + inst.error().to_string());
    current_ = inst.value();
    if (name) named_[*name] = current_;
    pass();
  }

  void cmd_register(const json& cmd) {
    Result<Instance*> inst = instance(cmd, "name");
    if (!inst.ok()) return fail(cmd, inst.error().message);
    registered_[cmd.at("as").get<std::string>()] = inst.value();
    pass();
  }

  void cmd_action(const json& cmd) {
    Outcome o = perform(cmd.at("action"), nullptr);
    switch (o.kind) {
      case Outcome::Kind::Returned: return pass();
      case Outcome::Kind::Trapped: return fail(cmd, "trapped: " + trap_str(o.trap));
      case Outcome::Kind::Skipped: return skip(o.why);
      case Outcome::Kind::Error: return fail(cmd, o.why);
    }
  }

  void cmd_assert_return(const json& cmd) {
    const json& expected = cmd.at("expected");
    Outcome o = perform(cmd.at("action"), &expected);
    switch (o.kind) {
      case Outcome::Kind::Returned:
        break;
      case Outcome::Kind::Trapped: return fail(cmd, "trapped: " + trap_str(o.trap));
      case Outcome::Kind::Skipped: return skip(o.why);
      case Outcome::Kind::Error: return fail(cmd, o.why);
    }
    if (o.types.size() != expected.size())
      return fail(cmd, std::to_string(o.types.size()) + " results, expected " + std::to_string(expected.size()));
    for (size_t i = 0, k = 0; i < o.types.size(); k += slot_count(o.types[i]), ++i)
      if (std::optional<std::string> why = result_mismatch(expected[i], o.types[i], &o.values[k]))
        return fail(cmd, (o.types.size() > 1 ? "result " + std::to_string(i) + ": " : std::string()) + *why);
    pass();
  }

  // assert_trap and assert_exhaustion: the action must trap with a kind matching the message.
  void cmd_assert_trap(const json& cmd) {
    const std::string text = cmd.at("text").get<std::string>();
    if (!cmd.contains("action")) return cmd_assert_uninstantiable(cmd);  // the older module form
    const json& expected = cmd.value("expected", json::array());
    Outcome o = perform(cmd.at("action"), &expected);
    switch (o.kind) {
      case Outcome::Kind::Trapped:
        if (trap_matches(text, o.trap.kind)) return pass();
        return fail(cmd, "trapped with " + trap_str(o.trap) + ", expected \"" + text + "\"");
      case Outcome::Kind::Returned: {
        std::string got;
        for (size_t i = 0, k = 0; i < o.types.size(); k += slot_count(o.types[i]), ++i)
          got += (i ? ", " : "") + format_slot(o.types[i], o.values[k]);
        return fail(cmd, "returned (" + got + "), expected trap \"" + text + "\"");
      }
      case Outcome::Kind::Skipped: return skip(o.why);
      case Outcome::Kind::Error: return fail(cmd, o.why);
    }
  }

  // assert_invalid / assert_malformed: the engine must refuse to load the binary.
  void cmd_assert_rejected(const json& cmd) {
    if (is_text_module(cmd)) return skip(kSkipText);
    Result<std::shared_ptr<Module>> m = load(cmd);
    if (m.ok()) return fail(cmd, "module loaded, expected \"" + cmd.value("text", "") + "\"");
    pass();
  }

  void cmd_assert_unlinkable(const json& cmd) {
    if (is_text_module(cmd)) return skip(kSkipText);
    Result<std::shared_ptr<Module>> m = load(cmd);
    if (!m.ok()) return fail(cmd, "load failed (the module is valid): " + m.error().to_string());
    Result<std::vector<Extern>> imports = resolve_imports(*m.value());
    if (!imports.ok()) return pass();
    // Our check found nothing wrong; the engine may still know better (it is told to treat any
    // instantiation error here as a link error).
    Result<Instance*> inst = store_->instantiate(*m.value(), imports.value());
    if (!inst.ok()) return pass();
    fail(cmd, "module linked and instantiated, expected \"" + cmd.value("text", "") + "\"");
  }

  // The module links but instantiation (segment initialisation or start) must fail.
  void cmd_assert_uninstantiable(const json& cmd) {
    if (is_text_module(cmd)) return skip(kSkipText);
    Result<std::shared_ptr<Module>> m = load(cmd);
    if (!m.ok()) return fail(cmd, "load failed (the module is valid): " + m.error().to_string());
    Result<std::vector<Extern>> imports = resolve_imports(*m.value());
    if (!imports.ok()) return fail(cmd, "link failed: " + imports.error().message);
    Result<Instance*> inst = store_->instantiate(*m.value(), imports.value());
    if (!inst.ok()) return pass();
    fail(cmd, "module instantiated, expected \"" + cmd.value("text", "") + "\"");
  }

  Engine& engine_;
  const RunnerOptions& options_;
  const fs::path dir_;
  const std::string display_;
  FileResult& out_;

  // Declared before the Store so they outlive it: instances refer to their modules.
  std::vector<std::shared_ptr<Module>> modules_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<SpectestHost> spectest_;  // after store_: its objects live in the Store

  bool defined_any_ = false;
  Instance* current_ = nullptr;                // null: the most recent module failed
  std::map<std::string, Instance*> named_;     // "$id" -> instance; null: failed
  std::map<std::string, Instance*> registered_;  // `register` name -> instance
};

bool is_simd_file(const fs::path& p) { return p.filename().string().rfind("simd_", 0) == 0; }

}  // namespace

FileResult run_wast_file(Engine& engine, const fs::path& wast, const std::string& display,
                         const RunnerOptions& options) {
  FileResult res;
  auto file_error = [&](const std::string& what) {
    ++res.failed;
    res.log += display + ": " + what + "\n";
  };
  try {
    Result<ScratchDir> dir = ScratchDir::create(options.scratch_root);
    if (!dir.ok()) {
      file_error(dir.error().to_string());
    } else if (Result<json> script = wast_to_json(wast, dir.value().path()); !script.ok()) {
      file_error(script.error().to_string());
    } else if (!script.value().contains("commands") || !script.value()["commands"].is_array()) {
      file_error("wast2json output has no \"commands\" array");
    } else {
      const json& commands = script.value()["commands"];
      if (options.skip_simd && is_simd_file(wast)) {
        // Counted, not run: an engine without SIMD would only fail to load every module.
        res.skipped += commands.size();
        res.skip_reasons[kSkipSimdFile] += commands.size();
      } else {
        ScriptRun run(engine, options, dir.value().path(), display, res);
        for (const json& cmd : commands) {
          if (options.before_command) options.before_command(cmd.value("line", 0), res);
          run.execute(cmd);
        }
      }
    }
  } catch (const std::exception& e) {
    file_error(std::string("runner error: ") + e.what());
  }
  return res;
}

}  // namespace torvyn::spectest
