// The runtime's own source and sink (`torvyn run --input FILE --output FILE`): stream a file
// through a pipeline without writing a source or a sink component.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "torvyn/reactor/stage.h"
#include "torvyn/resources/buffer_pool.h"
#include "torvyn/resources/copy_ledger.h"

namespace torvyn::reactor {

struct FileStageOptions {
  std::string path;             // "-" = stdin / stdout
  // 0: one element per line (without its newline; a sink adds one); else raw chunks of this size
  // (a sink writes the bytes as they are, so a chunked file round-trips exactly).
  uint64_t chunk_size = 0;
  std::string content_type = "text/plain";
  resources::ReservationId reservation = resources::kNoReservation;  // the flow's share of the pools
};

// The largest element the host's file stages make: one pool buffer at most. A line or chunk above
// it is refused with a hint instead of an allocation the size of the input.
inline constexpr uint64_t kMaxFileElementBytes = resources::kMaxBufferBytes;

// Reads the file one line (or chunk) per pull into a pooled buffer. open() refuses a chunk size of
// 0 < N > kMaxFileElementBytes; a line longer than that fails the flow naming --input-chunk.
class FileSource final : public Stage {
 public:
  static Result<std::unique_ptr<FileSource>> open(FileStageOptions options, resources::BufferPool& pool, std::string name);
  ~FileSource() override;
  Role role() const override { return Role::Source; }
  const std::string& name() const override { return name_; }
  resources::OwnerId owner() const override { return owner_; }
  CallStatus init(std::string_view) override { return {}; }
  CallStatus teardown() override;
  CallStatus pull(std::optional<OutElement>& out) override;

 private:
  FileSource(FileStageOptions o, resources::BufferPool& pool, std::string name, FILE* f);
  FileStageOptions options_;
  resources::BufferPool& pool_;
  std::string name_;
  resources::OwnerId owner_;
  FILE* file_;
  std::string line_;
  uint64_t line_number_ = 0;
};

// Writes each element's payload (plus a newline in line mode). When the reader has gone it calls
// on_reader_gone once and discards what still arrives while the flow drains.
class FileSink final : public Stage {
 public:
  static Result<std::unique_ptr<FileSink>> open(FileStageOptions options, resources::BufferPool& pool, std::string name);
  ~FileSink() override;
  Role role() const override { return Role::Sink; }
  const std::string& name() const override { return name_; }
  resources::OwnerId owner() const override { return resources::kHostOwner; }
  CallStatus init(std::string_view) override { return {}; }
  CallStatus teardown() override;
  // Into a pipe, a terminal or a socket (someone reads as it comes: `torvyn run --output - | jq`),
  // what stdio holds back is flushed at the end of a call when the last flush is kFlushEvery old,
  // and whenever the flow goes idle: a slow stream's elements reach the reader as they come
  // instead of waiting in stdio's buffer until 4 KiB gathered or the run ended, and a fast one
  // pays a write per kFlushEvery, not per call (a write per scheduling round cost +27 % time on 2M
  // lines). Into a regular file, writes stay fully buffered and are flushed at the end.
  static constexpr std::chrono::milliseconds kFlushEvery{5};
  uint32_t max_batch() const override { return 64; }
  CallStatus push(const InElement& in, bool& pause) override;
  CallStatus push_batch(std::span<const InElement> in, std::span<BatchOutcome> outcomes, size_t& completed, bool& pause) override;
  CallStatus complete() override;
  void idle() override;
  // Called once when the reader of the output has gone (EPIPE, e.g. `| head -3`). The runtime
  // stops the flow gracefully: a closed pipe is the reader saying "enough", not a failure.
  // Without it, a closed pipe fails the flow like any write error.
  void on_reader_gone(std::function<void()> f) { on_reader_gone_ = std::move(f); }
  // Elements that reached the sink after (or while) the reader went away: taken from the queue,
  // not written. The run reports them as dropped, not delivered.
  uint64_t discarded() const { return discarded_; }
  bool reader_gone() const { return reader_gone_; }

 private:
  FileSink(FileStageOptions o, resources::BufferPool& pool, std::string name, FILE* f);
  CallStatus write_failed();  // errno from the failed write or flush
  CallStatus write(const InElement& in);  // into stdio's buffer
  CallStatus flush_if_due();              // live outputs, when the last flush is kFlushEvery old
  CallStatus flush_file();                // live outputs
  FileStageOptions options_;
  resources::BufferPool& pool_;
  std::string name_;
  FILE* file_;
  bool live_ = false;  // not a regular file: flushed as it goes (kFlushEvery, idle())
  std::chrono::steady_clock::time_point last_flush_{};
  std::function<void()> on_reader_gone_;
  bool reader_gone_ = false;
  uint64_t discarded_ = 0;
};

}  // namespace torvyn::reactor
