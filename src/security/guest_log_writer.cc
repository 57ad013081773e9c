#include "torvyn/security/guest_log_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace torvyn::security {

GuestLogWriter::GuestLogWriter(int fd, size_t max_pending_bytes) : fd_(fd), max_pending_(std::max<size_t>(max_pending_bytes, 1024)) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return;  // Direct: the first write fails and the writer gives up
  if (S_ISSOCK(st.st_mode)) {
    mode_ = Mode::Socket;
  } else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
    fifo_ = S_ISFIFO(st.st_mode);
    int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0 && (flags & O_NONBLOCK)) {
      mode_ = Mode::NonBlocking;
    } else {
      // A pipe, FIFO or terminal reopened is a new open file description: O_NONBLOCK on it leaves
      // the process's own fd (and whoever shares it) blocking.
      std::string self = "/proc/self/fd/" + std::to_string(fd);
      own_fd_ = ::open(self.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
      mode_ = own_fd_ >= 0 ? Mode::NonBlocking : Mode::Poll;
    }
  }
}

GuestLogWriter::~GuestLogWriter() {
  flush(std::chrono::milliseconds(0));
  if (own_fd_ >= 0) ::close(own_fd_);
}

long GuestLogWriter::put(const char* data, size_t n) {
  int fd = own_fd_ >= 0 ? own_fd_ : fd_;
  if (mode_ == Mode::Socket) return ::send(fd, data, n, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (mode_ == Mode::Direct) return ::write(fd, data, n);
  if (fifo_ || mode_ == Mode::Poll) {
    // A pipe whose reader is gone would raise SIGPIPE on write; poll says so first (POLLERR).
    // In Poll mode a free slot (POLLOUT) also means a write of up to PIPE_BUF bytes fits.
    pollfd p{fd, POLLOUT, 0};
    int r = ::poll(&p, 1, 0);
    if (r < 0) return -1;
    if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) {
      errno = EPIPE;
      return -1;
    }
    if (!(p.revents & POLLOUT)) {
      errno = EAGAIN;
      return -1;
    }
    if (mode_ == Mode::Poll) n = std::min<size_t>(n, PIPE_BUF);
  }
  return ::write(fd, data, n);
}

bool GuestLogWriter::drain_locked() {
  size_t done = 0;
  while (done < pending_.size()) {
    long n = put(pending_.data() + done, pending_.size() - done);
    if (n > 0) {
      done += size_t(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    broken_ = true;  // closed reader, bad fd, full disk...: drop what is queued and what comes
    break;
  }
  stats_.lines_written += uint64_t(std::count(pending_.begin(), pending_.begin() + long(done), '\n'));
  pending_.erase(0, done);
  if (broken_ && !pending_.empty()) {
    stats_.lines_dropped += uint64_t(std::count(pending_.begin(), pending_.end(), '\n'));
    stats_.bytes_dropped += pending_.size();
    pending_.clear();
  }
  return pending_.empty();
}

void GuestLogWriter::note_drops_locked() {
  if (!unreported_lines_ || !pending_.empty()) return;
  pending_ = "[torvyn: " + std::to_string(unreported_lines_) + " lines (" + std::to_string(unreported_bytes_) +
             " bytes) of guest output dropped: the host's output was not being read]\n";
  unreported_lines_ = unreported_bytes_ = 0;
}

void GuestLogWriter::write_line(std::string_view line) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!broken_ && drain_locked()) {  // first make room
    note_drops_locked();
    drain_locked();
  }
  if (broken_ || pending_.size() + line.size() + 1 > max_pending_) {
    ++stats_.lines_dropped;
    stats_.bytes_dropped += line.size() + 1;
    if (!broken_) {
      ++unreported_lines_;
      unreported_bytes_ += line.size() + 1;
    }
    return;
  }
  pending_.append(line);
  pending_ += '\n';
  drain_locked();
}

bool GuestLogWriter::flush(std::chrono::milliseconds max_wait) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + max_wait;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (broken_) return pending_.empty();
    if (drain_locked()) {
      if (!unreported_lines_) return true;
      note_drops_locked();
      continue;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    int fd = own_fd_ >= 0 ? own_fd_ : fd_;
    lock.unlock();
    pollfd p{fd, POLLOUT, 0};
    ::poll(&p, 1, int(std::min<long>(left.count(), 10)));
    lock.lock();
  }
}

GuestLogWriter::Stats GuestLogWriter::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace torvyn::security
