// The runtime's own source and sink (`torvyn run --input FILE --output FILE`): stream a file
// through a pipeline without writing a source or a sink component.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "torvyn/reactor/stage.h"
#include "torvyn/resources/buffer_pool.h"
#include "torvyn/resources/copy_ledger.h"

namespace torvyn::reactor {

struct FileStageOptions {
  std::string path;             // "-" = stdin / stdout
  uint64_t chunk_size = 0;      // 0: one element per line (without its newline); else raw chunks of this size
  std::string content_type = "text/plain";
  resources::ReservationId reservation = resources::kNoReservation;  // the flow's share of the pools
};

// Reads the file one line (or chunk) per pull into a pooled buffer.
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
};

// Writes each element's payload (plus a newline in line mode).
class FileSink final : public Stage {
 public:
  static Result<std::unique_ptr<FileSink>> open(FileStageOptions options, resources::BufferPool& pool, std::string name);
  ~FileSink() override;
  Role role() const override { return Role::Sink; }
  const std::string& name() const override { return name_; }
  resources::OwnerId owner() const override { return resources::kHostOwner; }
  CallStatus init(std::string_view) override { return {}; }
  CallStatus teardown() override;
  CallStatus push(const InElement& in, bool& pause) override;
  CallStatus complete() override;

 private:
  FileSink(FileStageOptions o, resources::BufferPool& pool, std::string name, FILE* f);
  FileStageOptions options_;
  resources::BufferPool& pool_;
  std::string name_;
  FILE* file_;
};

}  // namespace torvyn::reactor
