/* WASI probe: a transform built as a WASI reactor whose payload is a command, so that one
 * component exercises every WASI interface the preview1 adapter imports. The output payload is
 * the command's result as text. Used by the host's WASI tests (granted and denied capabilities).
 *
 *   print:<text>    printf + fflush to stdout, fputs to stderr; output "printed"
 *   clock           "wall=<s>.<ns> mono=<ns> res=<ns> wres=<ns>" (clock_gettime/clock_getres)
 *   sleep:<ms>      nanosleep; output "slept <ns>" (monotonic time that passed)
 *   env:<NAME>      getenv; "NAME=value" or "NAME unset"; plus " count=<n>" entries in environ
 *   open:<path>     fopen(path, "r") and read it; "read <n>: <text>" or "errno=<n> <strerror>"
 *   write:<path>=<text>  fopen(path, "w") + fputs; "wrote" or "errno=<n> ..."
 *   list:<dir>      opendir/readdir; sorted names joined by ',' or "errno=<n> ..."
 *   fsops:<dir>     in a writable <dir>: mkdir, create, pwrite/pread, ftruncate, fsync, fadvise,
 *                   futimens, stat, utimensat, symlink/readlink, link, rename, unlink, rmdir;
 *                   "fsops ok" or "<step> errno=<n> ..." at the first unexpected result
 *   random          getentropy(16); "random <32 hex>" or "errno=<n> ..."
 *   stdin           fread from stdin; "stdin eof" / "stdin error" / "stdin <n> bytes"
 *   isatty          "isatty=<0|1>" for stdout
 *   spam:<n>        writes <n> bytes of 'x' to stdout (no newline) then fflush; "spammed"
 *   lines:<n>       writes <n> lines of ~100 bytes to stderr (unbuffered); "wrote <n> lines"
 *   symlink:<target>=<path>  symlink(target, path); "linked" or "errno=<n> ..."
 *   rm:<path>       unlink(path); "removed" or "errno=<n> ..."
 *   exit:<code>     exit(code)
 */
#define _GNU_SOURCE /* clock_gettime, nanosleep, getentropy under -std=c11 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <torvyn/torvyn.h>

extern char** environ;

static int starts(const char* s, const char* p) { return strncmp(s, p, strlen(p)) == 0; }

static int cmp_str(const void* a, const void* b) { return strcmp(*(char* const*)a, *(char* const*)b); }

/* The fsops sequence; returns 0 or writes the failing step to out. */
#define STEP(name, expr)                                                   \
  do {                                                                     \
    if (!(expr)) {                                                         \
      snprintf(out, cap, "%s errno=%d %s", name, errno, strerror(errno)); \
      return;                                                              \
    }                                                                      \
  } while (0)

static void fsops(const char* dir, char* out, size_t cap) {
  char d[200], f[220], l[220], h[220], h2[220], bad[220], buf[16];
  snprintf(d, sizeof d, "%s/d", dir);
  snprintf(f, sizeof f, "%s/f", d);
  snprintf(l, sizeof l, "%s/l", d);
  snprintf(h, sizeof h, "%s/h", d);
  snprintf(h2, sizeof h2, "%s/h2", d);
  snprintf(bad, sizeof bad, "%s/bad", d);
  struct stat st;
  STEP("mkdir", mkdir(d, 0755) == 0);
  int fd = open(f, O_CREAT | O_RDWR, 0644);
  STEP("open", fd >= 0);
  STEP("pwrite", pwrite(fd, "hello", 5, 0) == 5);
  memset(buf, 0, sizeof buf);
  STEP("pread", pread(fd, buf, 5, 0) == 5 && memcmp(buf, "hello", 5) == 0);
  STEP("ftruncate", ftruncate(fd, 3) == 0);
  STEP("fstat", fstat(fd, &st) == 0 && st.st_size == 3 && S_ISREG(st.st_mode));
  STEP("fsync", fsync(fd) == 0);
  STEP("fdatasync", fdatasync(fd) == 0);
  STEP("fadvise", posix_fadvise(fd, 0, 3, POSIX_FADV_SEQUENTIAL) == 0);
  struct timespec times[2] = {{1000, 0}, {2000, 0}};
  STEP("futimens", futimens(fd, times) == 0);
  STEP("close", close(fd) == 0);
  STEP("stat", stat(f, &st) == 0 && st.st_size == 3 && st.st_mtim.tv_sec == 2000);
  times[1].tv_sec = 3000;
  STEP("utimensat", utimensat(AT_FDCWD, f, times, 0) == 0);
  STEP("stat2", stat(f, &st) == 0 && st.st_mtim.tv_sec == 3000);
  STEP("symlink", symlink("f", l) == 0);
  ssize_t n = readlink(l, buf, sizeof buf);
  STEP("readlink", n == 1 && buf[0] == 'f');
  STEP("lstat", lstat(l, &st) == 0 && S_ISLNK(st.st_mode));
  STEP("stat-through-link", stat(l, &st) == 0 && S_ISREG(st.st_mode));
  STEP("symlink-absolute-refused", symlink("/etc/passwd", bad) != 0 && errno == EPERM);
  STEP("link", link(f, h) == 0);
  STEP("rename", rename(h, h2) == 0);
  STEP("stat-renamed", stat(h2, &st) == 0 && st.st_nlink == 2);
  STEP("unlink-link", unlink(l) == 0);
  STEP("unlink-h2", unlink(h2) == 0);
  STEP("unlink-f", unlink(f) == 0);
  STEP("rmdir", rmdir(d) == 0);
  STEP("gone", stat(d, &st) != 0 && errno == ENOENT);
  snprintf(out, cap, "fsops ok");
}

static void run(const char* cmd, char* out, size_t cap) {
  if (starts(cmd, "print:")) {
    printf("probe says %s\n", cmd + 6);
    fflush(stdout);
    fprintf(stderr, "probe warns %s\n", cmd + 6);
    snprintf(out, cap, "printed");
  } else if (strcmp(cmd, "clock") == 0) {
    struct timespec w, m, r, wr;
    clock_gettime(CLOCK_REALTIME, &w);
    clock_gettime(CLOCK_MONOTONIC, &m);
    clock_getres(CLOCK_MONOTONIC, &r);
    clock_getres(CLOCK_REALTIME, &wr);
    snprintf(out, cap, "wall=%lld.%09ld mono=%lld res=%lld wres=%lld", (long long)w.tv_sec, w.tv_nsec,
             (long long)m.tv_sec * 1000000000LL + m.tv_nsec, (long long)r.tv_sec * 1000000000LL + r.tv_nsec,
             (long long)wr.tv_sec * 1000000000LL + wr.tv_nsec);
  } else if (starts(cmd, "sleep:")) {
    long ms = atol(cmd + 6);
    struct timespec a, b, d = {ms / 1000, (ms % 1000) * 1000000L};
    clock_gettime(CLOCK_MONOTONIC, &a);
    int rc = nanosleep(&d, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long long ns = (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
    if (rc != 0) snprintf(out, cap, "errno=%d %s", errno, strerror(errno));
    else snprintf(out, cap, "slept %lld", ns);
  } else if (starts(cmd, "env:")) {
    const char* v = getenv(cmd + 4);
    int n = 0;
    for (char** e = environ; e && *e; ++e) ++n;
    if (v) snprintf(out, cap, "%s=%s count=%d", cmd + 4, v, n);
    else snprintf(out, cap, "%s unset count=%d", cmd + 4, n);
  } else if (starts(cmd, "open:")) {
    FILE* f = fopen(cmd + 5, "r");
    if (!f) {
      snprintf(out, cap, "errno=%d %s", errno, strerror(errno));
      return;
    }
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    snprintf(out, cap, "read %zu: %s", n, buf);
  } else if (starts(cmd, "write:")) {
    char path[256];
    const char* eq = strchr(cmd + 6, '=');
    size_t plen = eq ? (size_t)(eq - (cmd + 6)) : strlen(cmd + 6);
    if (plen >= sizeof path) plen = sizeof path - 1;
    memcpy(path, cmd + 6, plen);
    path[plen] = 0;
    FILE* f = fopen(path, "w");
    if (!f) {
      snprintf(out, cap, "errno=%d %s", errno, strerror(errno));
      return;
    }
    int ok = fputs(eq ? eq + 1 : "", f) >= 0;
    ok = fclose(f) == 0 && ok;
    if (ok) snprintf(out, cap, "wrote");
    else snprintf(out, cap, "errno=%d %s", errno, strerror(errno));
  } else if (starts(cmd, "list:")) {
    DIR* d = opendir(cmd + 5);
    if (!d) {
      snprintf(out, cap, "errno=%d %s", errno, strerror(errno));
      return;
    }
    char* names[64];
    int n = 0;
    struct dirent* e;
    while (n < 64 && (e = readdir(d)) != NULL)
      if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_str);
    size_t used = 0;
    out[0] = 0;
    for (int i = 0; i < n; ++i) {
      used += (size_t)snprintf(out + used, used < cap ? cap - used : 0, "%s%s", i ? "," : "", names[i]);
      free(names[i]);
    }
  } else if (starts(cmd, "fsops:")) {
    fsops(cmd + 6, out, cap);
  } else if (strcmp(cmd, "random") == 0) {
    unsigned char r[16];
    if (getentropy(r, sizeof r) != 0) {
      snprintf(out, cap, "errno=%d %s", errno, strerror(errno));
      return;
    }
    size_t used = (size_t)snprintf(out, cap, "random ");
    for (int i = 0; i < 16 && used + 3 < cap; ++i) used += (size_t)snprintf(out + used, cap - used, "%02x", r[i]);
  } else if (strcmp(cmd, "stdin") == 0) {
    char buf[16];
    size_t n = fread(buf, 1, sizeof buf, stdin);
    if (n) snprintf(out, cap, "stdin %zu bytes", n);
    else snprintf(out, cap, feof(stdin) ? "stdin eof" : "stdin error");
  } else if (strcmp(cmd, "isatty") == 0) {
    snprintf(out, cap, "isatty=%d", isatty(1));
  } else if (starts(cmd, "spam:")) {
    long n = atol(cmd + 5);
    for (long i = 0; i < n; ++i) putchar('x');
    fflush(stdout);
    snprintf(out, cap, "spammed");
  } else if (starts(cmd, "lines:")) {
    long n = atol(cmd + 6);
    for (long i = 0; i < n; ++i)
      fprintf(stderr, "probe line %06ld ........................................................................\n", i);
    snprintf(out, cap, "wrote %ld lines", n);
  } else if (starts(cmd, "symlink:")) {
    char target[256];
    const char* eq = strchr(cmd + 8, '=');
    size_t tlen = eq ? (size_t)(eq - (cmd + 8)) : strlen(cmd + 8);
    if (tlen >= sizeof target) tlen = sizeof target - 1;
    memcpy(target, cmd + 8, tlen);
    target[tlen] = 0;
    if (symlink(target, eq ? eq + 1 : "") == 0) snprintf(out, cap, "linked");
    else snprintf(out, cap, "errno=%d %s", errno, strerror(errno));
  } else if (starts(cmd, "rm:")) {
    if (unlink(cmd + 3) == 0) snprintf(out, cap, "removed");
    else snprintf(out, cap, "errno=%d %s", errno, strerror(errno));
  } else if (starts(cmd, "exit:")) {
    exit(atoi(cmd + 5));
  } else {
    snprintf(out, cap, "unknown command");
  }
}

static bool probe(const torvyn_stream_element_t* in, torvyn_process_result_t* out, torvyn_process_error_t* err) {
  torvyn_list_u8_t data = torvyn_buffer_read_all(in->payload);
  char* cmd = malloc(data.len + 1);
  if (data.len) memcpy(cmd, data.ptr, data.len);
  cmd[data.len] = 0;
  torvyn_list_u8_free(&data);
  char result[1024];
  result[0] = 0;
  run(cmd, result, sizeof result);
  free(cmd);
  torvyn_buffer_t b;
  if (!torvyn_make_buffer(result, strlen(result), "text/plain", 10, &b, NULL)) {
    *err = torvyn_process_error(TORVYN_PROCESS_ERROR_UNAVAILABLE, "allocation failed");
    return false;
  }
  out->tag = TORVYN_PROCESS_RESULT_EMIT;
  out->emit.meta = in->meta;
  out->emit.meta.content_type = torvyn_string_dup("text/plain");
  out->emit.payload = b;
  return true;
}

TORVYN_EXPORT_PROCESSOR(probe)
