// The most recently modified file under a folder: how `torvyn build` decides a component is up to
// date, and how check/link/run tell that a built .wasm is older than the sources it came from.
#pragma once

#include <filesystem>

namespace torvyn {

struct NewestFile {
  std::filesystem::path path;  // empty when the folder holds no regular file
  std::filesystem::file_time_type time = std::filesystem::file_time_type::min();
};

// Walks `dir` recursively without following symbolic links (a link out of the project must not
// make a component look stale, nor send the walk somewhere unbounded); unreadable entries are
// skipped.
NewestFile newest_file_under(const std::filesystem::path& dir);

}  // namespace torvyn
