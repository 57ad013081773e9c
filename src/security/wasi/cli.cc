// wasi:cli: stdio, terminals, environment and exit.
#include "state.h"

namespace torvyn::security::wasi {

namespace {

std::shared_ptr<HostInstance> iface(const char* name) { return std::make_shared<HostInstance>(std::string(name) + kVersion); }

Error exited(WasiState& s, int code) {
  s.output.flush();  // the instance is over: its last partial line is final
  return Error(ErrorCode::ComponentExited, s.name() + ": component called exit(" + std::to_string(code) + ")");
}

}  // namespace

void define_cli(component::Linker& linker, const StatePtr& sp) {
  using namespace component::abi;
  WasiState& s = *sp;
  const Types& t = s.t;

  // ---- stdio: the guest's stdout/stderr go to the log sink, stdin is empty ----
  auto std_out = [sp](OutputStream::Kind kind) {
    return [sp, kind](const std::vector<Value>&, std::vector<Value>& r) -> Status {
      uint64_t rep = sp->new_rep();
      sp->outputs.insert(rep, OutputStream{kind, nullptr, 0, false});
      r = {own_handle(rep)};
      return {};
    };
  };
  auto stdout_i = iface("wasi:cli/stdout");
  add_function(*stdout_i, "get-stdout", {}, own(s.ids.output_stream), std_out(OutputStream::Kind::Stdout));
  linker.define(stdout_i);
  auto stderr_i = iface("wasi:cli/stderr");
  add_function(*stderr_i, "get-stderr", {}, own(s.ids.output_stream), std_out(OutputStream::Kind::Stderr));
  linker.define(stderr_i);
  auto stdin_i = iface("wasi:cli/stdin");
  add_function(*stdin_i, "get-stdin", {}, own(s.ids.input_stream), [sp](auto&, auto& r) -> Status {
    uint64_t rep = sp->new_rep();
    sp->inputs.insert(rep, InputStream{});
    r = {own_handle(rep)};
    return {};
  });
  linker.define(stdin_i);

  // ---- terminals: none is attached (so wasi-libc's isatty() is false) ----
  auto term_in = iface("wasi:cli/terminal-input");
  s.ids.terminal_input = term_in->add_resource("terminal-input", [](uint64_t) {});
  linker.define(term_in);
  auto term_out = iface("wasi:cli/terminal-output");
  s.ids.terminal_output = term_out->add_resource("terminal-output", [](uint64_t) {});
  linker.define(term_out);
  auto no_terminal = [](const std::vector<Value>&, std::vector<Value>& r) -> Status {
    r = {none()};
    return {};
  };
  auto t_stdin = iface("wasi:cli/terminal-stdin");
  add_function(*t_stdin, "get-terminal-stdin", {}, option(own(s.ids.terminal_input)), no_terminal);
  linker.define(t_stdin);
  auto t_stdout = iface("wasi:cli/terminal-stdout");
  add_function(*t_stdout, "get-terminal-stdout", {}, option(own(s.ids.terminal_output)), no_terminal);
  linker.define(t_stdout);
  auto t_stderr = iface("wasi:cli/terminal-stderr");
  add_function(*t_stderr, "get-terminal-stderr", {}, option(own(s.ids.terminal_output)), no_terminal);
  linker.define(t_stderr);

  // ---- environment: gated; a component has no arguments and no initial directory ----
  auto env = iface("wasi:cli/environment");
  add_function(*env, "get-environment", {}, list(tuple({t.string, t.string})), [sp](auto&, auto& r) -> Status {
    std::vector<Value> vars;
    if (sp->gate.check(kCapEnvironment))
      for (const auto& [k, v] : sp->opts->env) vars.push_back(Value::tuple({Value::string(k), Value::string(v)}));
    r = {Value::list(std::move(vars))};
    return {};
  });
  add_function(*env, "get-arguments", {}, list(t.string), [](auto&, auto& r) -> Status {
    r = {Value::list({})};
    return {};
  });
  add_function(*env, "initial-cwd", {}, option(t.string), [](auto&, auto& r) -> Status {
    r = {none()};
    return {};
  });
  linker.define(env);

  // ---- exit: stops the instance (a trap, so it is poisoned and the caller sees why) ----
  auto exit_i = iface("wasi:cli/exit");
  add_function(*exit_i, "exit", {result(nullptr, nullptr)}, nullptr,
               [sp](auto& a, auto&) -> Status { return exited(*sp, a[0].case_index == 0 ? 0 : 1); });
  add_function(*exit_i, "exit-with-code", {t.u8}, nullptr, [sp](auto& a, auto&) -> Status { return exited(*sp, int(a[0].u)); });
  linker.define(exit_i);
}

}  // namespace torvyn::security::wasi
