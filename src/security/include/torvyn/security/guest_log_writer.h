// Guest output lines on a host file descriptor (the host's stderr) without ever blocking the
// thread that runs the guest. A pipe nobody reads (e.g. `torvyn run 2>&1 | slow-consumer`, or a
// supervisor that never drains stderr) fills up after 64 KiB; a plain write would then stop the
// worker thread, and with it every flow it runs, for as long as the reader sleeps.
//
// Lines are queued in a bounded buffer and written with non-blocking writes: a pipe or terminal is
// reopened through /proc/self/fd with O_NONBLOCK (a new open file description, so the flags of
// the process's own fd stay as they are), a socket is written with MSG_DONTWAIT, and a regular
// file is written directly (it never waits for a reader). When the fd takes nothing and the
// buffer is full, further lines are dropped and counted; once it drains, a notice says how many
// were lost. Thread-safe: worker threads share one writer.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace torvyn::security {

class GuestLogWriter {
 public:
  // `fd` stays owned by the caller and must outlive the writer.
  explicit GuestLogWriter(int fd, size_t max_pending_bytes = 64 << 10);
  ~GuestLogWriter();
  GuestLogWriter(const GuestLogWriter&) = delete;
  GuestLogWriter& operator=(const GuestLogWriter&) = delete;

  // Queues `line` and a newline, and writes what the fd accepts now; never waits.
  void write_line(std::string_view line);
  // Writes what is queued, waiting at most `max_wait` in total for the fd to accept it (and the
  // notice of dropped lines, if any); true when nothing is left.
  bool flush(std::chrono::milliseconds max_wait);

  struct Stats {
    uint64_t lines_written = 0;  // lines handed to the fd completely
    uint64_t lines_dropped = 0;  // lines dropped because the fd would block and the buffer was full
    uint64_t bytes_dropped = 0;
  };
  Stats stats() const;

 private:
  enum class Mode { Direct, NonBlocking, Socket, Poll };
  long put(const char* data, size_t n);  // one non-blocking write (or -1 with errno)
  // Writes from the front of pending_ until the fd would block; false when something is left.
  bool drain_locked();
  // Queues the notice of lines dropped since the last one (when there is room for it).
  void note_drops_locked();

  int fd_;
  int own_fd_ = -1;  // the non-blocking reopen, when there is one
  Mode mode_ = Mode::Direct;
  bool fifo_ = false;  // a pipe or FIFO (checked for a vanished reader before each write)
  size_t max_pending_;
  mutable std::mutex mu_;
  std::string pending_;  // whole lines, each ending in '\n'
  uint64_t unreported_lines_ = 0, unreported_bytes_ = 0;
  bool broken_ = false;  // the fd failed (closed reader, EBADF...): everything is dropped from now on
  Stats stats_;
};

}  // namespace torvyn::security
