// The local exporters: JSON lines on stdout or appended to a file (one OTLP/JSON span per line,
// see otlp_json::span_line), and "none". A batch is formatted into one buffer and written at
// once, so a batch's lines are never interleaved with another writer's.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "exporters.h"
#include "torvyn/observability/otlp_json.h"

namespace torvyn::observability {
namespace {

std::string format_batch(const TraceResource& resource, const std::vector<SpanRecord>& spans) {
  std::string out;
  for (const SpanRecord& s : spans) {
    out += otlp_json::span_line(resource, s);
    out += '\n';
  }
  return out;
}

class OstreamExporter final : public SpanExporter {
 public:
  OstreamExporter(std::ostream& out, std::string name) : out_(out), name_(std::move(name)) {}
  std::string_view name() const override { return name_; }

  Status export_spans(const TraceResource& resource, const std::vector<SpanRecord>& spans) override {
    if (spans.empty()) return {};
    std::string text = format_batch(resource, spans);
    std::lock_guard lock(mu_);
    out_.write(text.data(), static_cast<std::streamsize>(text.size()));
    out_.flush();
    return check("write");
  }

  Status flush() override {
    std::lock_guard lock(mu_);
    out_.flush();
    return check("flush");
  }

 private:
  // A failed write leaves the stream in a failed state; clear it so the next batch is tried
  // again (stdout may come back, e.g. a full pipe drained) instead of failing forever.
  Status check(const std::string& what) {
    if (out_) return {};
    out_.clear();
    return Error(ErrorCode::TraceExportFailed, "trace exporter " + name_ + ": " + what + " failed");
  }

  std::ostream& out_;
  std::string name_;
  std::mutex mu_;
};

class FileExporter final : public SpanExporter {
 public:
  FileExporter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~FileExporter() override { ::close(fd_); }
  FileExporter(const FileExporter&) = delete;
  FileExporter& operator=(const FileExporter&) = delete;

  std::string_view name() const override { return "file"; }

  // write(2) straight to an O_APPEND descriptor: nothing is buffered in the process, so every
  // batch is in the file (the page cache) when this returns, and "flushed per batch" needs no
  // extra step; O_APPEND keeps concurrent writers from overwriting each other.
  Status export_spans(const TraceResource& resource, const std::vector<SpanRecord>& spans) override {
    if (spans.empty()) return {};
    std::string text = format_batch(resource, spans);
    std::lock_guard lock(mu_);
    const char* p = text.data();
    size_t left = text.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        return Error(ErrorCode::TraceExportFailed, "trace file " + path_ + ": write failed: " + std::strerror(errno));
      p += n;
      left -= static_cast<size_t>(n);
    }
    return {};
  }

 private:
  int fd_;
  std::string path_;
  std::mutex mu_;
};

class NoneExporter final : public SpanExporter {
 public:
  std::string_view name() const override { return "none"; }
  Status export_spans(const TraceResource&, const std::vector<SpanRecord>&) override { return {}; }
};

}  // namespace

std::unique_ptr<SpanExporter> make_ostream_exporter(std::ostream& out, std::string name) {
  return std::make_unique<OstreamExporter>(out, std::move(name));
}

Result<std::unique_ptr<SpanExporter>> make_file_exporter(const std::string& path) {
  if (path.empty())
    return Error(ErrorCode::TraceEndpointInvalid,
                 "the file trace exporter needs a path (set [observability.tracing] file, e.g. \"traces.jsonl\")");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    int err = errno;
    std::string help = err == ENOENT ? " (its directory must exist)" : "";
    return Error(ErrorCode::TraceFileOpenFailed,
                 "cannot open trace file " + path + " for appending: " + std::strerror(err) + help);
  }
  return std::unique_ptr<SpanExporter>(std::make_unique<FileExporter>(fd, path));
}

std::unique_ptr<SpanExporter> make_none_exporter() { return std::make_unique<NoneExporter>(); }

}  // namespace torvyn::observability
