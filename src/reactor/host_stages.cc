#include "torvyn/reactor/host_stages.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace torvyn::reactor {

namespace {

Error io_error(const std::string& what, const std::string& path) {
  return Error(ErrorCode::IoError, what + " `" + path + "`: " + std::strerror(errno));
}

}  // namespace

// ---- source ----

FileSource::FileSource(FileStageOptions o, resources::BufferPool& pool, std::string name, FILE* f)
    : options_(std::move(o)), pool_(pool), name_(std::move(name)), file_(f) {
  owner_ = pool_.register_owner(name_, 0, options_.reservation);
}

Result<std::unique_ptr<FileSource>> FileSource::open(FileStageOptions options, resources::BufferPool& pool, std::string name) {
  if (options.chunk_size > kMaxFileElementBytes)
    return Error(ErrorCode::ConfigInvalidValue, "--input-chunk " + std::to_string(options.chunk_size) + " is larger than the largest element (" +
                                                    std::to_string(kMaxFileElementBytes) + " bytes, one pool buffer)");
  FILE* f = options.path == "-" ? stdin : std::fopen(options.path.c_str(), "rb");
  if (!f) return io_error("cannot open input", options.path);
  return std::unique_ptr<FileSource>(new FileSource(std::move(options), pool, std::move(name), f));
}

FileSource::~FileSource() { (void)teardown(); }

CallStatus FileSource::teardown() {
  if (file_ && file_ != stdin) std::fclose(file_);
  file_ = nullptr;
  return {};
}

CallStatus FileSource::pull(std::optional<OutElement>& out) {
  out.reset();
  if (!file_) return {};
  line_.clear();
  if (options_.chunk_size) {
    line_.resize(options_.chunk_size);
    size_t n = std::fread(line_.data(), 1, line_.size(), file_);
    line_.resize(n);
    if (n == 0) return std::ferror(file_) ? CallStatus{FailKind::Fatal, io_error("cannot read", options_.path).message} : CallStatus{};
  } else {
    int c;
    bool any = false;
    ++line_number_;
    while ((c = std::fgetc(file_)) != EOF) {
      any = true;
      if (c == '\n') break;
      // +1: a trailing '\r' is still to be stripped.
      if (line_.size() == kMaxFileElementBytes + 1)
        return {FailKind::Fatal, "line " + std::to_string(line_number_) + " of `" + options_.path + "` is longer than the largest element (" +
                                     std::to_string(kMaxFileElementBytes) + " bytes); read the file in raw chunks with --input-chunk BYTES"};
      line_.push_back(static_cast<char>(c));
    }
    if (!any) return std::ferror(file_) ? CallStatus{FailKind::Fatal, io_error("cannot read", options_.path).message} : CallStatus{};
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (line_.size() > kMaxFileElementBytes)
      return {FailKind::Fatal, "line " + std::to_string(line_number_) + " of `" + options_.path + "` is longer than the largest element (" +
                                   std::to_string(kMaxFileElementBytes) + " bytes); read the file in raw chunks with --input-chunk BYTES"};
  }
  auto id = pool_.allocate(owner_, line_.size());
  if (!id) return {FailKind::Unavailable, id.error().to_string()};
  if (auto s = pool_.write(*id, 0, line_.data(), line_.size()); !s) {
    (void)pool_.release(*id);
    return {FailKind::Internal, s.error().to_string()};
  }
  (void)pool_.set_content_type(*id, options_.content_type);
  (void)pool_.freeze(*id);
  (void)pool_.transfer(*id, resources::kHostOwner);
  (void)pool_.set_state(*id, resources::BufferState::Transit);
  out.emplace();
  out->content_type = options_.content_type;
  out->payload = *id;
  return {};
}

// ---- sink ----

FileSink::FileSink(FileStageOptions o, resources::BufferPool& pool, std::string name, FILE* f)
    : options_(std::move(o)), pool_(pool), name_(std::move(name)), file_(f) {
  struct stat st{};
  live_ = ::fstat(::fileno(f), &st) != 0 || !S_ISREG(st.st_mode);
}

Result<std::unique_ptr<FileSink>> FileSink::open(FileStageOptions options, resources::BufferPool& pool, std::string name) {
  FILE* f = options.path == "-" ? stdout : std::fopen(options.path.c_str(), "wb");
  if (!f) return io_error("cannot open output", options.path);
  return std::unique_ptr<FileSink>(new FileSink(std::move(options), pool, std::move(name), f));
}

FileSink::~FileSink() { (void)teardown(); }

CallStatus FileSink::teardown() {
  if (file_) {
    std::fflush(file_);
    if (file_ != stdout) std::fclose(file_);
  }
  file_ = nullptr;
  return {};
}

CallStatus FileSink::push(const InElement& in, bool& pause) {
  pause = false;
  if (CallStatus st = write(in); !st) return st;
  return flush_if_due();
}

CallStatus FileSink::push_batch(std::span<const InElement> in, std::span<BatchOutcome> outcomes, size_t& completed, bool& pause) {
  pause = false;
  completed = 0;
  while (completed < in.size()) {
    BatchOutcome& o = outcomes[completed++];
    o.status = write(in[completed - 1]);
    if (!o.status) break;  // a fatal write error: the flow fails with this element
  }
  if (CallStatus st = flush_if_due(); !st && completed > 0 && outcomes[completed - 1].status) outcomes[completed - 1].status = st;
  return {};
}

CallStatus FileSink::flush_if_due() {
  if (!live_) return {};
  const auto now = std::chrono::steady_clock::now();
  if (now - last_flush_ < kFlushEvery) return {};
  last_flush_ = now;
  return flush_file();
}

CallStatus FileSink::flush_file() {
  if (!live_ || reader_gone_ || !file_) return {};
  if (std::fflush(file_) != 0) return write_failed();
  return {};
}

// A failed flush here leaves the stream's error flag set: complete() reports it.
void FileSink::idle() { (void)flush_file(); }

CallStatus FileSink::write(const InElement& in) {
  const resources::Buffer* b = pool_.get(in.payload);
  if (!b) return {FailKind::Internal, "the element's buffer no longer exists"};
  if (reader_gone_) {  // the flow is stopping; nobody reads what is left
    ++discarded_;
    return {};
  }
  if (!file_) return {FailKind::Fatal, "output closed"};
  bool ok = std::fwrite(b->data, 1, b->size, file_) == b->size;
  if (options_.chunk_size == 0) ok = ok && std::fputc('\n', file_) != EOF;
  if (!ok) {
    CallStatus st = write_failed();
    if (reader_gone_) ++discarded_;  // this element did not reach the reader either
    return st;
  }
  return {};
}

CallStatus FileSink::complete() {
  if (reader_gone_) return {};
  if (file_ && std::fflush(file_) != 0) return write_failed();
  return {};
}

CallStatus FileSink::write_failed() {
  if (errno == EPIPE && on_reader_gone_) {
    reader_gone_ = true;
    std::clearerr(file_);
    on_reader_gone_();
    return {};
  }
  return {FailKind::Fatal, io_error("cannot write", options_.path).message};
}

}  // namespace torvyn::reactor
