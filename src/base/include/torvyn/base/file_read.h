// Reading whole input files (components, modules) without letting their size decide how much
// memory Torvyn takes: the size is checked before anything is allocated, and the buffer is
// allocated once at that size (no doubling growth).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "torvyn/base/result.h"

namespace torvyn {

// The largest component or module file Torvyn reads (256 MiB; real components are a few MiB).
inline constexpr uint64_t kMaxComponentFileBytes = 256ull << 20;

// The whole of `path`. A file larger than `max_bytes` is refused before it is read
// (WasmResourceLimit, naming the file, its size and the limit); an unreadable one is IoError.
// `what` names the file in messages ("component"). Works on pipes too, counting as it reads.
Result<std::vector<uint8_t>> read_file_capped(const std::string& path, uint64_t max_bytes = kMaxComponentFileBytes,
                                              std::string_view what = "file");

}  // namespace torvyn
