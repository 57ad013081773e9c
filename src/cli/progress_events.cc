// What progress says about the host's events. A warm start says nothing (the cache made it
// instant, and every run would otherwise carry noise); -v names what needed no waiting.
#include <map>
#include <memory>
#include <mutex>

#include "progress.h"

namespace torvyn::cli {

host::LoadObserver show_loads(Progress& p) {
  // Loads happen one at a time on the building thread, but a tiering compile goes on in the
  // background on a thread of its own: the pending ids are kept by component.
  // A large module compiles as many units: the status line counts them; a log gets a line at each
  // tenth (and the last), not one per unit.
  struct Pending {
    uint64_t id = 0;
    size_t last_tenth = 0;
  };
  struct State {
    std::mutex mu;
    std::map<std::string, Pending> by_component;
  };
  auto state = std::make_shared<State>();
  return [&p, state](const host::LoadEvent& e) {
    const std::string name = e.file.filename().string();
    std::lock_guard lock(state->mu);
    Pending& pending = state->by_component[e.component];
    const std::string what = name + " (" + e.engine + ", " + human_bytes(e.bytes) + ")";
    // A compile in the background goes on while the flows run, after the status line is gone:
    // each of its events is a plain line (a unit count at each tenth), said with what it means
    // for the nodes.
    const bool bg = e.background;
    auto begin = [&](const std::string& line) {
      if (bg) p.note(line);
      else pending = Pending{p.begin(line), 0};
    };
    auto end = [&](const std::string& line) {
      if (bg) p.note(line);
      else p.end(pending.id, line);
    };
    switch (e.kind) {
      case host::LoadEvent::Kind::Compiling:
        begin("compiling " + what + (bg ? " in the background; running on interp meanwhile" : "") +
              (e.why_now.empty() ? "" : " before the run: " + e.why_now));
        break;
      case host::LoadEvent::Kind::Progress: {
        if (e.units_total == 0) break;
        size_t tenth = e.units_done * 10 / e.units_total;
        if ((bg || p.mode().style == Progress::Style::Lines) && tenth == pending.last_tenth) break;
        pending.last_tenth = tenth;
        std::string line = "compiling " + what + (bg ? " in the background" : "") + ": module " + e.module + ", " +
                           std::to_string(e.units_done) + "/" + std::to_string(e.units_total) + " units compiled";
        if (bg) p.note(line);
        else p.update(pending.id, line);
        break;
      }
      case host::LoadEvent::Kind::Compiled:
        end("compiled " + name + " in " + human_seconds(e.seconds) + (bg ? "; its nodes move to aot at their next element" : ""));
        break;
      case host::LoadEvent::Kind::Failed:
        end("compiling " + name + " failed after " + human_seconds(e.seconds) + (bg ? "; its nodes stay on interp" : ""));
        break;
      case host::LoadEvent::Kind::Stopped:  // only a compile in the background is stopped
        end("stopped compiling " + name + " after " + human_seconds(e.seconds) +
            ": the run ended first; nothing cached (a run with --config runtime.tiering=false waits for the compile once)");
        break;
      case host::LoadEvent::Kind::Cached:
        if (p.mode().verbose) p.note(name + ": cached (" + e.engine + ")");
        break;
    }
  };
}

BuildObserver show_builds(Progress& p) {
  // Toolchain runs overlap (one per core): the ids are kept by component.
  struct State {
    std::mutex mu;
    std::map<std::string, uint64_t> ids;
  };
  auto state = std::make_shared<State>();
  return [&p, state](const BuildOutcome& o, bool started) {
    if (started) {
      uint64_t id = p.begin("building " + o.component + (o.world.empty() ? "" : " (" + o.world + ")"));
      std::lock_guard lock(state->mu);
      state->ids[o.component] = id;
      return;
    }
    uint64_t id = 0;
    {
      std::lock_guard lock(state->mu);
      if (auto it = state->ids.find(o.component); it != state->ids.end()) id = it->second;
    }
    switch (o.kind) {
      case BuildOutcome::Kind::Built: p.end(id, "built " + o.component + " in " + human_seconds(o.seconds)); break;
      case BuildOutcome::Kind::Failed:
        // One that failed before it ran (no sources, no world) is reported with its log afterwards.
        if (id) p.end(id, "building " + o.component + " failed after " + human_seconds(o.seconds));
        break;
      // The summary on stdout lists these; nothing was waited on.
      case BuildOutcome::Kind::UpToDate:
      case BuildOutcome::Kind::Prebuilt: break;
    }
  };
}

}  // namespace torvyn::cli
