#include "torvyn/base/newest_file.h"

namespace torvyn {

namespace fs = std::filesystem;

NewestFile newest_file_under(const fs::path& dir) {
  NewestFile newest;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code e;
    if (!it->is_regular_file(e) || it->is_symlink(e)) continue;
    fs::file_time_type t = it->last_write_time(e);
    if (!e && t > newest.time) newest = {it->path(), t};
  }
  return newest;
}

}  // namespace torvyn
