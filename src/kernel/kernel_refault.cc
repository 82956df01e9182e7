// The refault scenario of kernel mode (kernel_runner.h): does a break asleep
// on a referenced page wake when the page is faulted back in before the
// reference goes? The sequence `daxbreak explore --scenario refault` ends
// in for `modern`.

#include <fcntl.h>
#include <linux/falloc.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "daxbreak/kernel/host_facts.h"
#include "kernel/kernel_rig.h"

namespace daxbreak::kernel_internal {
namespace {

using Clock = std::chrono::steady_clock;
// How long the change gets to fall asleep on the reference.
constexpr auto kSettle = std::chrono::milliseconds(500);

struct RefaultState {
  explicit RefaultState(KernelRig& r) : rig(r) {}
  KernelRig& rig;
  LayoutWatch watch;
  std::atomic<pid_t> tid{0};
  std::atomic<bool> stop{false};
  bool punch = false;
};

int Change(const RefaultState& st) {
  const int fd = st.rig.victim_fd;
  const off_t bytes = static_cast<off_t>(st.rig.config->victim_pages * kPage);
  const int rc = st.punch ? fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, bytes) : ftruncate(fd, 0);
  return rc == 0 ? 0 : errno;
}

// The first change was begun by the caller, so that done() is false from the
// start.
void RunChange(RefaultState& st) {
  st.tid.store(CurrentTid());
  const char* name = st.punch ? "punch" : "truncate";
  st.watch.end(Change(st));
  while (!st.stop.load()) {
    if (st.watch.take_retry()) {
      st.watch.begin(name);
      st.watch.end(Change(st));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

class RefaultProbe : public StallProbe {
 public:
  explicit RefaultProbe(RefaultState& st) : st_(st) {}
  std::string where() override { return ThreadWhere(st_.tid.load()); }
  void stop_io() override {}  // The reference is already gone; no DIO runs.
  void send_signal() override { syscall(SYS_tgkill, getpid(), st_.tid.load(), SIGUSR1); }
  void unmap() override { UnmapVictim(st_.rig); }

 private:
  RefaultState& st_;
};

bool WaitDone(const LayoutWatch& w, std::chrono::nanoseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!w.done() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return w.done();
}

}  // namespace

Status RunRefault(KernelRig& rig, KernelReport* report) {
  const KernelConfig& c = *rig.config;
  RefaultState st(rig);
  st.punch = (c.layout_ops & LayoutOpBit(LayoutOp::kTruncate)) == 0;
  volatile char* page0 = rig.map;
  page0[0] = page0[0];  // Fault page 0 in, writable.
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Status::FromErrno(errno, "pipe2");
  iovec iov{rig.map, kPage};
  // vmsplice takes a page reference (GUP) that the pipe holds until read.
  if (vmsplice(pipe_fds[1], &iov, 1, 0) != static_cast<ssize_t>(kPage)) {
    const int e = errno;
    close(pipe_fds[0]), close(pipe_fds[1]);
    return Status::FromErrno(e, "vmsplice of page 0");
  }
  std::vector<std::string> steps = {"page 0 referenced (vmsplice into a pipe)"};
  const auto start = Clock::now();
  st.watch.begin(st.punch ? "punch" : "truncate");
  std::thread change([&st] { RunChange(st); });
  while (st.tid.load() == 0) std::this_thread::yield();
  bool slept = !WaitDone(st.watch, kSettle);
  steps.push_back(slept ? fmt::format("{} asleep on it ({})", st.watch.op(), ThreadWchan(st.tid.load()))
                        : fmt::format("{} returned without waiting for the reference", st.watch.op()));
  if (slept) {
    (void)page0[0];  // Fault page 0 back in while the break sleeps.
    steps.push_back("page 0 faulted back in");
  }
  char sink[kPage];
  (void)!read(pipe_fds[0], sink, sizeof(sink));
  close(pipe_fds[0]), close(pipe_fds[1]);
  steps.push_back("reference dropped (pipe drained)");
  report->exercised = slept;
  if (!slept) report->not_exercised_why = "the truncate did not sleep on the vmsplice reference";
  if (slept && !WaitDone(st.watch, c.stall_timeout)) {
    RefaultProbe probe(st);
    const StallFinding f = ClassifyStall(st.watch, probe, c.stall_timeout, std::chrono::seconds(3));
    report->stall = f.to_json();
    rig.checker.report(f.violation(kVictimIno));
  } else if (slept) {
    steps.push_back("the change returned");
  }
  st.stop.store(true);
  const bool returned = ReleaseLayoutThread(st.watch, st.tid.load(), change);
  report->seconds = std::chrono::duration<double>(Clock::now() - start).count();
  FinalCheck(rig, returned);
  report->counts = {{"steps", steps}};
  report->latency = nlohmann::json::object();
  return Status::Ok();
}

}  // namespace daxbreak::kernel_internal
