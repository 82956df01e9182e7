// wait_page_idle_probe: asks a real kernel whether a layout break that sleeps
// on a busy fs-dax page wakes up after the page is faulted back in.
//
// This checks the model's `modern` protocol (Linux 6.15+) against the kernel
// it models. In that form a page-table mapping holds a page reference,
// dax_busy_page() calls a page busy when refcount - mapcount != 0, and
// wait_page_idle() sleeps until the refcount is 0, with the fault lock dropped
// (ext4_wait_dax_page(), xfs_wait_dax_page()). The sequence probed is the one
// `daxbreak replay --scenario gup-fast --protocol modern` ends in:
//
//   1. this process maps page 0 of a DAX file and holds an extra reference to
//      it: vmsplice() puts the page into a pipe (get_user_pages, FOLL_GET);
//   2. a child truncates (or punches) the file; the break unmaps page 0, finds
//      it busy and sleeps with invalidate_lock dropped;
//   3. with --refault, this process touches page 0, so the fault maps it again;
//   4. this process drains the pipe, dropping the extra reference;
//   5. then it unmaps page 0.
//
// It prints, after steps 4 and 5, whether the child's layout change has
// returned. Up to 6.14 (idle refcount 1, mappings hold no reference) the child
// returns at step 4 with or without --refault. README.md (Kernel probe) gives
// what Linux 6.1 and 6.17 did.
//
// Runs only on a file on a DAX file system (statx STATX_ATTR_DAX); exit 2
// otherwise, or on bad options, or when the path exists and --force is absent.
// Exit 0 once the probe ran, whatever it observed.

#include <fcntl.h>
#include <linux/falloc.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

namespace {

constexpr size_t kPageSize = 4096;
constexpr size_t kFilePages = 2;
constexpr int kExitUsage = 2;

struct ProbeOptions {
  std::string path;
  std::string op = "truncate";  // truncate | punch
  bool refault = false;
  int wait_ms = 3000;
  bool force = false;
  std::string dio_from;  // non-empty: the O_DIRECT loop, reading this file
  int seconds = 10;
};

// How long this process waits between polls of the child, and before it
// decides the child has gone to sleep in the break.
constexpr std::chrono::milliseconds kPoll{10};
constexpr std::chrono::milliseconds kSettle{300};

int usage(const std::string& message) {
  std::fprintf(stderr, "wait_page_idle_probe: %s\n", message.c_str());
  return kExitUsage;
}

// Reads /proc/<pid>/wchan: the kernel function a sleeping task waits in.
std::string wchan(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/wchan");
  std::string name;
  std::getline(in, name);
  return name.empty() ? "?" : name;
}

// Reads /proc/<pid>/stack (root only): the sleeping task's kernel stack.
std::string kernel_stack(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stack");
  std::string text, line;
  while (std::getline(in, line)) text += "    " + line + "\n";
  return text.empty() ? "    (no /proc/<pid>/stack)\n" : text;
}

// Polls the child for up to `limit`; returns true once it has exited, and
// stores its exit status (the errno of the layout change, 0 on success).
bool wait_child(pid_t pid, std::chrono::milliseconds limit, int* code) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  do {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      return true;
    }
    std::this_thread::sleep_for(kPoll);
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

// Creates `path` with kFilePages pages of 0xa5, written and synced; an
// existing file is refused unless `force`. Returns the open fd, or -1 after
// printing why.
int create_file(const std::string& path, bool force) {
  const int flags = O_RDWR | O_CREAT | (force ? O_TRUNC : O_EXCL);
  const int fd = open(path.c_str(), flags, 0600);
  if (fd < 0) {
    std::fprintf(stderr, "wait_page_idle_probe: cannot create %s: %s%s\n", path.c_str(),
                 std::strerror(errno), errno == EEXIST ? " (pass --force to overwrite it)" : "");
    return -1;
  }
  std::vector<char> bytes(kFilePages * kPageSize, static_cast<char>(0xa5));
  if (pwrite(fd, bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size()) ||
      fsync(fd) != 0) {
    std::fprintf(stderr, "wait_page_idle_probe: cannot write %s: %s\n", path.c_str(),
                 std::strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

bool is_dax_file(int fd) {
  struct statx stx {};
  return statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) == 0 &&
         (stx.stx_attributes_mask & STATX_ATTR_DAX) && (stx.stx_attributes & STATX_ATTR_DAX);
}

// One layout change on the whole file: truncate to 0, or punch every page.
// Returns 0, or the errno of the failed call.
int layout_change(int fd, const std::string& op) {
  const int rc = op == "truncate"
                     ? ftruncate(fd, 0)
                     : fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
                                 kFilePages * kPageSize);
  return rc == 0 ? 0 : errno;
}

// The child of the vmsplice mode: one layout change; exits with its errno.
[[noreturn]] void run_layout_change(int fd, const std::string& op) { _exit(layout_change(fd, op)); }

// The child of the O_DIRECT mode: layout changes until killed (a truncate is
// followed by growing the file back), one byte to `progress` after each.
[[noreturn]] void run_layout_loop(int fd, const std::string& op, int progress) {
  for (;;) {
    (void)layout_change(fd, op);
    if (op == "truncate") (void)!ftruncate(fd, kFilePages * kPageSize);
    if (write(progress, "+", 1) != 1) _exit(1);
  }
}

// Reads what the child wrote to `progress` (non-blocking); returns the count.
long drain_progress(int progress) {
  char buf[4096];
  long total = 0;
  for (ssize_t n; (n = read(progress, buf, sizeof(buf))) > 0;) total += n;
  return total;
}

// Prints one observation line: whether the child has returned by now.
bool observe(pid_t child, const char* after, std::chrono::milliseconds limit) {
  const auto start = std::chrono::steady_clock::now();
  int code = 0;
  if (wait_child(child, limit, &code)) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    std::printf("after %s: layout change returned (%s) within %lld ms\n", after,
                code == 0 ? "ok" : std::strerror(code), static_cast<long long>(ms.count()));
    return true;
  }
  std::printf("after %s: layout change still asleep after %lld ms, wchan=%s\n", after,
              static_cast<long long>(limit.count()), wchan(child).c_str());
  return false;
}

int run_vmsplice_probe(const ProbeOptions& opt, int fd) {
  auto* map = static_cast<volatile char*>(
      mmap(nullptr, kFilePages * kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  if (map == MAP_FAILED) return usage(std::string("mmap failed: ") + std::strerror(errno));
  (void)map[0];  // fault page 0 in
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return usage(std::string("pipe failed: ") + std::strerror(errno));
  iovec iov{const_cast<char*>(map), kPageSize};
  if (vmsplice(pipe_fds[1], &iov, 1, 0) != static_cast<ssize_t>(kPageSize)) {
    return usage(std::string("vmsplice failed: ") + std::strerror(errno));
  }
  std::printf("kernel page reference taken on page 0 (vmsplice into a pipe)\n");

  const pid_t child = fork();
  if (child < 0) return usage(std::string("fork failed: ") + std::strerror(errno));
  if (child == 0) run_layout_change(fd, opt.op);
  if (observe(child, "start (page still referenced)", kSettle)) {
    std::printf("result: the break did not wait for the referenced page\n");
    return 0;
  }
  if (opt.refault) {
    (void)map[0];  // fault page 0 back in while the break sleeps
    std::printf("page 0 faulted back in while the break sleeps\n");
  }
  char sink[kPageSize];
  if (read(pipe_fds[0], sink, sizeof(sink)) != static_cast<ssize_t>(sizeof(sink))) {
    return usage(std::string("draining the pipe failed: ") + std::strerror(errno));
  }
  const std::chrono::milliseconds limit{opt.wait_ms};
  const bool woke = observe(child, "the pipe's reference was dropped", limit);
  munmap(const_cast<char*>(map), kFilePages * kPageSize);
  if (!woke && !observe(child, "munmap of page 0", limit)) {
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    std::printf("child killed\n");
  }
  std::printf("result: %s\n", woke ? "woken when the extra reference went"
                                   : "not woken while the page stayed mapped");
  return 0;
}

// The generic/503 shape: this process loops pread(O_DIRECT) from `disk_fd`
// into the DAX mapping while a child loops layout changes. Reports whether the
// child stops making progress for --wait-ms, and if so whether it resumes once
// the O_DIRECT loop stops (no pin left) and once the mapping goes.
int run_dio_probe(const ProbeOptions& opt, int fd, int disk_fd) {
  const size_t bytes = kFilePages * kPageSize;
  void* map = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return usage(std::string("mmap failed: ") + std::strerror(errno));
  int progress[2];
  if (pipe2(progress, O_NONBLOCK) != 0) return usage(std::string("pipe: ") + std::strerror(errno));
  const pid_t child = fork();
  if (child < 0) return usage(std::string("fork failed: ") + std::strerror(errno));
  if (child == 0) run_layout_loop(fd, opt.op, progress[1]);
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto last_progress = start;
  long reads = 0, changes = 0;
  bool stalled = false;
  while (Clock::now() - start < std::chrono::seconds(opt.seconds)) {
    (void)!pread(disk_fd, map, bytes, 0);
    ++reads;
    if (const long n = drain_progress(progress[0]); n > 0) {
      changes += n;
      last_progress = Clock::now();
    }
    if (Clock::now() - last_progress > std::chrono::milliseconds(opt.wait_ms)) {
      stalled = true;
      break;
    }
  }
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("O_DIRECT loop: %ld preads, %ld layout changes (%s) in %.1f s\n", reads, changes,
              opt.op.c_str(), secs);
  if (stalled) {
    std::printf("layout change stalled: no progress for %d ms, kernel stack:\n%s", opt.wait_ms,
                kernel_stack(child).c_str());
    std::this_thread::sleep_for(std::chrono::milliseconds(opt.wait_ms));
    std::printf("after the O_DIRECT loop stopped: %ld more layout changes in %d ms, wchan=%s\n",
                drain_progress(progress[0]), opt.wait_ms, wchan(child).c_str());
    munmap(map, bytes);
    std::this_thread::sleep_for(kSettle);
    std::printf("after munmap: %ld more layout changes in %lld ms\n", drain_progress(progress[0]),
                static_cast<long long>(kSettle.count()));
  } else {
    munmap(map, bytes);
  }
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  std::printf("result: %s\n", stalled ? "layout change stalled under the O_DIRECT loop"
                                       : "no stall in the O_DIRECT loop");
  return 0;
}

// Creates the --dio-from file and runs run_dio_probe on it.
int run_dio_mode(const ProbeOptions& opt, int fd) {
  const int created = create_file(opt.dio_from, opt.force);
  if (created < 0) return kExitUsage;
  close(created);
  const int disk_fd = open(opt.dio_from.c_str(), O_RDONLY | O_DIRECT);
  if (disk_fd < 0) {
    unlink(opt.dio_from.c_str());
    return usage("cannot open " + opt.dio_from + " with O_DIRECT: " + std::strerror(errno));
  }
  std::printf("op=%s, O_DIRECT reads from %s\n", opt.op.c_str(), opt.dio_from.c_str());
  const int rc = run_dio_probe(opt, fd, disk_fd);
  close(disk_fd);
  unlink(opt.dio_from.c_str());
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  ProbeOptions opt;
  CLI::App app{"Probe whether a sleeping fs-dax layout break survives a re-fault"};
  app.add_option("--file", opt.path, "path on a DAX file system to create")->required();
  app.add_option("--op", opt.op, "layout change: truncate or punch")
      ->check(CLI::IsMember({"truncate", "punch"}));
  app.add_flag("--refault", opt.refault, "touch page 0 while the break sleeps");
  app.add_option("--wait-ms", opt.wait_ms, "how long to wait for the child, in ms")
      ->check(CLI::Range(1, 600000));
  app.add_flag("--force", opt.force, "overwrite --file (and --dio-from) if it exists");
  app.add_option("--dio-from", opt.dio_from,
                 "non-DAX file to create and pread(O_DIRECT) from in a loop (generic/503 shape)");
  app.add_option("--seconds", opt.seconds, "length of the O_DIRECT loop, in s")
      ->check(CLI::Range(1, 3600));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  const int fd = create_file(opt.path, opt.force);
  if (fd < 0) return kExitUsage;
  if (!is_dax_file(fd)) {
    close(fd);
    unlink(opt.path.c_str());
    return usage(opt.path + " is not a DAX file (statx shows no STATX_ATTR_DAX)");
  }
  int rc = 0;
  if (opt.dio_from.empty()) {
    std::printf("op=%s refault=%s\n", opt.op.c_str(), opt.refault ? "yes" : "no");
    rc = run_vmsplice_probe(opt, fd);
  } else {
    rc = run_dio_mode(opt, fd);
  }
  close(fd);
  unlink(opt.path.c_str());
  return rc;
}
