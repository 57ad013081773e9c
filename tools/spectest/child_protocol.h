// Running each script in a child process, so that an engine crash (an engine bug, not a guest trap:
// those are values) costs one file and is reported as a failure, instead of ending the whole run.
//
// The child is this executable with --child and one script. It talks to its parent on stdout in
// lines; anything else it prints (failure lines) is passed through as the file's log:
//   @@at LINE P F S        before each command: script line and the counts so far
//   @@skip COUNT REASON    at the end, one per skip reason
//   @@done P F S           at the end: the final counts
// Progress is written unbuffered, so it survives the child dying in the middle of a command.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "spec_runner.h"

namespace torvyn::spectest {

// Child side. Flushes `so_far.log` and records that the command at `line` is about to run.
void child_report_progress(int line, FileResult& so_far);
// Child side. Writes the remaining log and the final record.
void child_report_done(FileResult& result);

// Parent side. Runs `argv` (argv[0]: the executable) and rebuilds its FileResult. A child that
// dies, exits without a final record or outlives `limit` (then it is killed) counts the command it
// was running as one failure, with the reason in the log; the rest of that file is not run.
FileResult run_child(const std::vector<std::string>& argv, const std::string& display, std::chrono::seconds limit);

}  // namespace torvyn::spectest
