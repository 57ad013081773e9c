// Guest stdout/stderr as log lines: line-buffered per stream, bounded in total bytes and in line
// length, and sanitised so a guest cannot inject terminal escapes or invalid UTF-8 into host logs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "torvyn/security/wasi_host.h"

namespace torvyn::security::wasi {

class GuestOutput {
 public:
  using Sink = std::function<void(int fd, std::string_view line)>;
  GuestOutput(Sink sink, size_t max_line_bytes, uint64_t max_total_bytes);

  // Bytes written by the guest to fd 1 (stdout) or 2 (stderr); complete lines go to the sink.
  void write(int fd, std::string_view bytes);
  // Delivers what is buffered without a newline, on both streams.
  void flush();
  const WasiStats& stats() const { return stats_; }

  // Log-safe text: invalid UTF-8 -> U+FFFD, C0 controls (but tab) and DEL -> "\xNN".
  static std::string sanitize(std::string_view bytes);
  static bool valid_utf8(std::string_view bytes);

 private:
  struct Line {
    std::string text;
    uint64_t cut = 0;  // bytes of this line dropped past max_line_bytes
  };
  void append(int fd, std::string_view bytes);
  void emit(int fd);

  Sink sink_;
  size_t max_line_;
  uint64_t max_total_;
  uint64_t accepted_ = 0;
  bool limit_reported_ = false;
  Line lines_[2];
  WasiStats stats_;
};

}  // namespace torvyn::security::wasi
