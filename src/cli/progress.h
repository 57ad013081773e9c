// Progress on stderr while the user waits on slow work: `torvyn build` running the guest
// toolchain, the aot engine compiling a component on a first `run`/`trace`/`bench`. Stdout is
// never touched (it carries reports, JSON and `--output -` data).
//
// Styles: on a terminal one status line, redrawn by a timer thread with a spinner and each waited-on
// item's elapsed time, plus a final line per item above it; without a terminal one plain line per
// event (a log or CI shows what happened and how long it took); -q: nothing. With --format json
// only the terminal's status line remains (it is erased): stderr is not for plain text then (the
// JSON summary of `run --output -` goes there).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "cli.h"
#include "component_build.h"
#include "torvyn/host/load_events.h"

namespace torvyn::cli {

class Progress {
 public:
  enum class Style { Off, Lines, Live };
  struct Mode {
    Style style = Style::Off;
    bool final_lines = true;  // Live: keep a line per finished item above the status line
    bool verbose = false;     // also say what needed no waiting (cached, up to date)
  };
  // From -q, --format, -v and whether stderr is a terminal (not TERM=dumb).
  static Mode mode_for(const Globals& g);

  explicit Progress(Mode mode);
  ~Progress();  // erases the status line and stops the timer thread
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  const Mode& mode() const { return mode_; }

  // Something is being waited on ("compiling x.wasm (aot, 41 KiB)"). Lines: printed with "...";
  // Live: shown on the status line with its elapsed time. Returns its id for end(). Thread-safe,
  // like everything here; nothing throws.
  uint64_t begin(const std::string& what) noexcept;
  // It is over: `line` ("compiled x.wasm in 2.3 s") is printed as its final line.
  void end(uint64_t id, const std::string& line) noexcept;
  // The wait goes on with news: Live shows `what` instead on the status line; Lines prints it.
  void update(uint64_t id, const std::string& what) noexcept;
  // A line of its own, not tied to a wait (-v: "greeter.wasm: cached (aot)").
  void note(const std::string& line) noexcept;
  // Erases the status line and stops redrawing; before the command prints anything else.
  void stop() noexcept;

 private:
  struct Item {
    std::string what;
    std::chrono::steady_clock::time_point started;
  };
  void timer() noexcept;
  void print_line_locked(const std::string& line);
  void draw_locked();
  void erase_locked();

  Mode mode_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::map<uint64_t, Item> active_;
  uint64_t next_id_ = 1;
  unsigned frame_ = 0;
  bool drawn_ = false;  // a status line is on the screen
  bool stopping_ = false;
  bool unicode_ = false;
  std::thread thread_;
};

// "41 KiB", "1.5 MiB", "812 B".
std::string human_bytes(uint64_t bytes);
// "2.3 s", "1 min 05 s".
std::string human_seconds(double seconds);

// The renderers of the host's events (progress_events.cc).
host::LoadObserver show_loads(Progress& p);
BuildObserver show_builds(Progress& p);

}  // namespace torvyn::cli
