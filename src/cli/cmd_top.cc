// torvyn top: a running instance's flows, stages, streams and pools, refreshed in place like
// top(1), read from its inspection API.
//
//   torvyn top [--socket PATH | --tcp HOST:PORT [--token T]] [--interval SECONDS] [--once]
//
// The instance: --socket (default: the socket `torvyn run` uses without [inspection] socket:
// $TORVYN_STATE_DIR/torvyn.sock, else $XDG_RUNTIME_DIR/torvyn/torvyn.sock, else
// /tmp/torvyn-<uid>/torvyn.sock), or --tcp with the bearer token from --token or
// $TORVYN_INSPECTION_TOKEN (the variable the manifest's `token = "${TORVYN_INSPECTION_TOKEN}"`
// reads; prefer it: a --token argument is visible to other local users in the process list).
//
// On a terminal: the alternate screen, redrawn every interval and at once on a resize; `q` (or
// Ctrl-C) quits and restores the terminal. Stdout not a terminal, or --once: one frame, plain
// (or JSON with --format json), from two polls one interval apart so the rates are real.
//
// Exit codes: 0 quit or printed; 2 the API cannot be reached or answered something else (E0900),
// before or while watching (the instance stopped), refused the token (E0953), or a usage error.
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "cli.h"
#include "top_view.h"
#include "torvyn/base/json_text.h"
#include "torvyn/observability/inspection_client.h"
#include "torvyn/observability/inspection_server.h"

namespace torvyn::cli {
namespace {

using nlohmann::json;
using observability::InspectionTarget;
using Clock = std::chrono::steady_clock;

struct TopArgs {
  std::string socket;
  std::string tcp;
  std::string token;
  double interval = 1.0;
  bool once = false;
};

std::atomic<bool> g_quit{false};
std::atomic<bool> g_resized{false};

extern "C" void on_quit_signal(int) { g_quit.store(true); }
extern "C" void on_winch(int) { g_resized.store(true); }

// Without SA_RESTART: a signal interrupts poll() so a resize redraws and Ctrl-C quits at once.
void install_handlers() {
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_quit_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  sa.sa_handler = on_winch;
  sigaction(SIGWINCH, &sa, nullptr);
}

Result<json> get_json(const InspectionTarget& t, const std::string& path) {
  Result<observability::HttpReply> r = observability::inspection_get(t, path);
  if (!r) return r.take_error();
  if (r->status != 200)
    return Error(ErrorCode::IoError,
                 "GET " + path + " at " + t.describe() + " answered HTTP " + std::to_string(r->status));
  json j = json::parse(r->body, nullptr, false);
  if (j.is_discarded())
    return Error(ErrorCode::IoError, "GET " + path + " at " + t.describe() + " did not answer JSON");
  return j;
}

std::string percent_encoded(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

double now_seconds() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

Result<top::TopSample> poll_once(const InspectionTarget& t) {
  top::TopSample s;
  Result<json> health = get_json(t, "/health");
  if (!health) return health.take_error();
  Result<json> flows = get_json(t, "/flows");
  if (!flows) return flows.take_error();
  if (flows->is_array()) {
    for (const json& f : *flows) {
      if (!f.is_object() || !f.contains("id") || !f["id"].is_string()) continue;
      Result<json> detail = get_json(t, "/flows/" + percent_encoded(f["id"].get<std::string>()));
      if (!detail) return detail.take_error();
      s.flows.push_back(std::move(*detail));
    }
  }
  Result<json> pools = get_json(t, "/pools");
  if (!pools) return pools.take_error();
  s.health = std::move(*health);
  s.pools = std::move(*pools);
  s.seconds = now_seconds();
  return s;
}

void terminal_size(int& width, int& height) {
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
    width = ws.ws_col;
    height = ws.ws_row;
  } else {
    width = 120;
    height = 40;
  }
}

// Raw keys (no echo, no line buffering) and the alternate screen while top runs; restored on
// every way out of run_interactive (the destructor), so the shell gets its terminal back.
class TerminalSession {
 public:
  TerminalSession() {
    keys_ = ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved_) == 0;
    if (keys_) {
      termios raw = saved_;
      raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
      raw.c_cc[VMIN] = 0;
      raw.c_cc[VTIME] = 0;
      ::tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    }
    write_out("\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J");  // alternate screen, cursor hidden, cleared
  }
  ~TerminalSession() {
    write_out("\x1b[?25h\x1b[?1049l");
    if (keys_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  TerminalSession(const TerminalSession&) = delete;
  TerminalSession& operator=(const TerminalSession&) = delete;

  bool reads_keys() const { return keys_; }

  static void write_out(std::string_view s) {
    while (!s.empty()) {
      ssize_t n = ::write(STDOUT_FILENO, s.data(), s.size());
      if (n > 0) s.remove_prefix(static_cast<size_t>(n));
      else if (n < 0 && errno == EINTR) continue;
      else return;
    }
  }

 private:
  termios saved_{};
  bool keys_ = false;
};

void draw(const top::TopView& view) {
  int width = 0, height = 0;
  terminal_size(width, height);
  std::vector<std::string> lines = top::render(view, width, height - 1);
  std::string frame = "\x1b[H";
  for (const std::string& l : lines) frame += l + "\x1b[K\r\n";
  frame += "\x1b[7m q quit \x1b[0m\x1b[K\x1b[J";  // the key help on the last line, the rest cleared
  TerminalSession::write_out(frame);
}

int fail(const Globals& g, const Error& e) {
  print_error(g, e);
  return kUsage;
}

int run_interactive(const Globals& g, const InspectionTarget& target, const TopArgs& a) {
  // The first poll before the screen switches: a wrong socket or token is a plain error message.
  Result<top::TopSample> first = poll_once(target);
  if (!first) return fail(g, first.error());
  std::optional<top::TopSample> previous;
  top::TopSample current = std::move(*first);
  std::optional<Error> gone;
  {
    TerminalSession term;
    top::TopView view = top::make_view(nullptr, current, target.describe());
    draw(view);
    auto next_poll = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(a.interval));
    while (!g_quit.load()) {
      if (g_resized.exchange(false)) draw(view);
      auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_poll - Clock::now()).count();
      if (wait <= 0) {
        Result<top::TopSample> s = poll_once(target);
        if (!s) {
          gone = s.take_error();
          break;
        }
        previous = std::move(current);
        current = std::move(*s);
        view = top::make_view(&*previous, current, target.describe());
        draw(view);
        next_poll = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(a.interval));
        continue;
      }
      pollfd p{term.reads_keys() ? STDIN_FILENO : -1, POLLIN, 0};
      int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(wait, 1000)));
      if (n > 0 && (p.revents & POLLIN)) {
        char keys[64];
        ssize_t got = ::read(STDIN_FILENO, keys, sizeof keys);
        for (ssize_t i = 0; i < got; ++i)
          if (keys[i] == 'q' || keys[i] == 'Q') g_quit.store(true);
        if (got == 0) g_quit.store(true);  // the terminal went away
      } else if (n > 0 && (p.revents & (POLLHUP | POLLERR))) {
        g_quit.store(true);
      }
    }
  }  // the terminal is restored here, before any message
  if (gone) {
    Error e = *gone;
    e.message = "the instance stopped answering (it ended or was stopped): " + e.message;
    return fail(g, e);
  }
  return kOk;
}

int run_once(const Globals& g, const InspectionTarget& target, const TopArgs& a) {
  Result<top::TopSample> first = poll_once(target);
  if (!first) return fail(g, first.error());
  std::this_thread::sleep_for(std::chrono::duration<double>(a.interval));
  Result<top::TopSample> second = poll_once(target);
  if (!second) return fail(g, second.error());
  top::TopView view = top::make_view(&*first, *second, target.describe());
  if (g.json()) {
    std::cout << json_text(top::to_json(view)) << "\n";
  } else {
    int width = 0, height = 0;
    terminal_size(width, height);
    if (!::isatty(STDOUT_FILENO)) width = 200;
    for (const std::string& l : top::render(view, width, 100000)) std::cout << l << "\n";
  }
  std::cout.flush();
  return std::cout ? kOk : kUsage;
}

int top_command(const Globals& g, TopArgs a) {
  if (!a.socket.empty() && !a.tcp.empty()) {
    print_error(g, Error(ErrorCode::InspectionAddressInvalid, "give --socket or --tcp, not both"));
    return kUsage;
  }
  InspectionTarget target;
  if (!a.tcp.empty()) {
    target.tcp_address = a.tcp;
    target.token = a.token;
    if (target.token.empty())
      if (const char* env = std::getenv("TORVYN_INSPECTION_TOKEN"); env && *env) target.token = env;
    if (target.token.empty()) {
      print_error(g, Error(ErrorCode::InspectionTokenMissing,
                           "the inspection API over TCP needs its bearer token: set TORVYN_INSPECTION_TOKEN (or "
                           "--token) to the instance's [inspection] token"));
      return kUsage;
    }
  } else {
    target.socket_path = a.socket.empty() ? observability::default_socket_path() : a.socket;
  }
  // One frame: Ctrl-C keeps its default meaning. Interactive: it quits through the loop, which
  // gives the terminal back.
  if (a.once || g.json() || !::isatty(STDOUT_FILENO)) return run_once(g, target, a);
  install_handlers();
  return run_interactive(g, target, a);
}

}  // namespace

void add_top(CLI::App& app, const Globals& g, int& exit_code) {
  auto a = std::make_shared<TopArgs>();
  CLI::App* cmd = app.add_subcommand("top", "Live view of a running instance: flows, stages, rates, latencies, queues, backpressure");
  cmd->add_option("--socket", a->socket, "The inspection API's Unix socket (default: where `torvyn run` puts it)");
  cmd->add_option("--tcp", a->tcp, "The inspection API on TCP, HOST:PORT (token from TORVYN_INSPECTION_TOKEN or --token)");
  cmd->add_option("--token", a->token, "Bearer token for --tcp (prefer TORVYN_INSPECTION_TOKEN: arguments are visible to other users)");
  cmd->add_option("--interval", a->interval, "Seconds between polls (rates are computed over it)")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_flag("--once", a->once, "Print one frame (two polls one interval apart) and exit; with --format json, JSON");
  cmd->callback([&g, &exit_code, a] { exit_code = top_command(g, *a); });
}

}  // namespace torvyn::cli
