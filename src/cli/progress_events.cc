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
    if (e.background) {
      // While the flows run (the status line is gone by then): plain lines, a unit count at each tenth.
      switch (e.kind) {
        case host::LoadEvent::Kind::Compiling: p.note("compiling " + what + " in the background; running on interp meanwhile"); break;
        case host::LoadEvent::Kind::Progress: {
          size_t tenth = e.units_total ? e.units_done * 10 / e.units_total : 0;
          if (tenth == pending.last_tenth) break;
          pending.last_tenth = tenth;
          p.note("compiling " + name + " in the background: " + std::to_string(e.units_done) + "/" + std::to_string(e.units_total) +
                 " units compiled (" + human_seconds(e.seconds) + ")");
          break;
        }
        case host::LoadEvent::Kind::Compiled: p.note("compiled " + name + " in " + human_seconds(e.seconds) + "; its nodes move to aot at their next element"); break;
        case host::LoadEvent::Kind::Failed: p.note("compiling " + name + " failed after " + human_seconds(e.seconds) + "; its nodes stay on interp"); break;
        case host::LoadEvent::Kind::Stopped:
          p.note("stopped compiling " + name + " after " + human_seconds(e.seconds) + ": the run ended first; nothing cached (a run with --config runtime.tiering=false waits for the compile once)");
          break;
        case host::LoadEvent::Kind::Cached: break;
      }
      return;
    }
    switch (e.kind) {
      case host::LoadEvent::Kind::Compiling:
        pending = Pending{p.begin("compiling " + what), 0};
        break;
      case host::LoadEvent::Kind::Progress: {
        if (e.units_total == 0) break;
        size_t tenth = e.units_done * 10 / e.units_total;
        if (p.mode().style == Progress::Style::Lines && tenth == pending.last_tenth) break;
        pending.last_tenth = tenth;
        p.update(pending.id, "compiling " + what + ": module " + e.module + ", " + std::to_string(e.units_done) + "/" +
                                 std::to_string(e.units_total) + " units compiled");
        break;
      }
      case host::LoadEvent::Kind::Compiled:
        p.end(pending.id, "compiled " + name + " in " + human_seconds(e.seconds));
        break;
      case host::LoadEvent::Kind::Failed:
        p.end(pending.id, "compiling " + name + " failed after " + human_seconds(e.seconds));
        break;
      case host::LoadEvent::Kind::Stopped: break;  // (background compiles only)
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
