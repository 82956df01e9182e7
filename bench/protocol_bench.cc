// Google Benchmark suite for the hot paths of the model: a GUP-fast pin and
// unpin, a clean break_layouts (unmap + scan), a fault, and the stamp fill and
// check of the data oracle.

#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <unistd.h>

#include "daxbreak/check/checker.h"
#include "daxbreak/check/stamp.h"
#include "daxbreak/fs/break_layouts.h"
#include "daxbreak/fs/dax_fs.h"
#include "daxbreak/mm/gup.h"
#include "daxbreak/explore/explore_scenario.h"
#include "daxbreak/explore/explorer.h"

namespace daxbreak {
namespace {

// A device in /dev/shm (or /tmp) with one mapped 4-page file.
struct BenchRig {
  BenchRig() {
    const std::string dir = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    path = dir + "/daxbreak-bench-" + std::to_string(getpid()) + ".pmem";
    Status s = PmemDevice::Open({path, 8 << 20, false}, &device);
    if (!s.ok()) std::abort();
    pages = MakePageArray(DefaultProtocol(), device->nr_pages());
    fs = std::make_unique<DaxFs>(device.get(), pages.get(), &checker, DaxFsOptions{});
    (void)fs->create("f", &file);
    const std::string data(4 * kPageSize, 'b');
    (void)fs->write(file.get(), 0, data.data(), data.size());
    vma = fs->mmap(&mm, file.get(), 4, true);
  }
  ~BenchRig() {
    vma.reset();
    std::filesystem::remove(path);
  }
  std::string path;
  MmStruct mm;
  std::unique_ptr<PmemDevice> device;
  std::unique_ptr<PageArray> pages;
  Checker checker;
  std::unique_ptr<DaxFs> fs;
  std::shared_ptr<Inode> file;
  std::unique_ptr<Vma> vma;
};

void BM_PinUnpinFast(benchmark::State& state) {
  BenchRig rig;
  std::vector<PinnedPage> pinned;
  (void)pin_user_pages(*rig.vma, rig.vma->address_of(0), 4, FOLL_PIN | FOLL_WRITE, &pinned);
  unpin_user_pages(*rig.pages, pinned);
  for (auto _ : state) {
    pinned.clear();
    (void)pin_user_pages(*rig.vma, rig.vma->address_of(0), 4, FOLL_PIN | FOLL_WRITE, &pinned);
    unpin_user_pages(*rig.pages, pinned);
  }
  state.SetItemsProcessed(state.iterations() * 4);
}
BENCHMARK(BM_PinUnpinFast);

void BM_CleanBreakLayouts(benchmark::State& state) {
  BenchRig rig;
  for (auto _ : state) {
    WriteLock lock(&rig.file->invalidate_lock_);
    benchmark::DoNotOptimize(break_layouts(BreakContext{DefaultProtocol().layout, *rig.pages, rig.fs->stats()},
                                           rig.file.get(), 0, kMaxPageIndex));
  }
}
BENCHMARK(BM_CleanBreakLayouts);

void BM_FaultAfterUnmap(benchmark::State& state) {
  BenchRig rig;
  char c;
  for (auto _ : state) {
    rig.file->i_mapping_.unmap_mapping_pages(0, 1);
    benchmark::DoNotOptimize(user_load(*rig.vma, rig.vma->address_of(0), &c, 1));
  }
}
BENCHMARK(BM_FaultAfterUnmap);

void BM_StampFillAndCheck(benchmark::State& state) {
  alignas(64) char block[kPageSize];
  Stamp s;
  s.kind = static_cast<uint16_t>(StampKind::kFile);
  for (auto _ : state) {
    ++s.generation;
    FillStampedBlock(block, s);
    benchmark::DoNotOptimize(ReadStampedBlock(block));
  }
  state.SetBytesProcessed(state.iterations() * kPageSize);
}
BENCHMARK(BM_StampFillAndCheck);

}  // namespace
}  // namespace daxbreak

namespace daxbreak {
namespace {

// The explorer, per explore scenario (protocol fixed):
// - Explore/random/<scenario>: schedules per second of random search (one
//   model build, one fiber-scheduled run and one check per schedule);
// - Dfs/<scenario>/<bound>/<reduced|full>: the schedules dfs runs to exhaust
//   the tree within the preemption bound, and the time it takes.
// So that the next change to the engine or the model is compared in one run.
void BM_ExploreRandom(benchmark::State& state, std::string scenario) {
  ExploreOptions o;
  o.scenario = scenario;
  o.strategy = Strategy::kRandom;
  o.schedules = 2000;
  uint64_t schedules = 0;
  for (auto _ : state) {
    ExploreResult r;
    if (!Explore(o, &r).ok()) state.SkipWithError("explore failed");
    schedules += r.schedules;
    o.seed += o.schedules;
  }
  state.counters["schedules_per_s"] = benchmark::Counter(static_cast<double>(schedules), benchmark::Counter::kIsRate);
}

void BM_DfsExhaust(benchmark::State& state, std::string scenario, uint32_t bound, bool reduction) {
  ExploreOptions o;
  o.scenario = scenario;
  o.strategy = Strategy::kDfs;
  o.schedules = 0;
  o.preemptions = bound;
  o.reduction = reduction;
  ExploreResult r;
  for (auto _ : state) {
    if (!Explore(o, &r).ok() || !r.exhausted) state.SkipWithError("dfs did not exhaust");
  }
  state.counters["schedules"] = static_cast<double>(r.schedules);
  state.counters["pruned"] = static_cast<double>(r.pruned);
}

// Search/<scenario>/<dpor|dfs2>: one exhaustive search with protocol fixed,
// dpor (every interleaving class, no bound) against dfs with the sleep-set
// reduction and 2 preemptions: traces (schedules run to their end), steps,
// schedules and steps per second, and whether the search is complete.
void BM_Search(benchmark::State& state, std::string scenario, Strategy strategy) {
  ExploreOptions o;
  o.scenario = scenario;
  o.strategy = strategy;
  o.schedules = 0;
  ExploreResult r;
  double seconds = 0;
  for (auto _ : state) {
    if (!Explore(o, &r).ok() || !r.exhausted) state.SkipWithError("the search did not end");
    seconds += r.seconds;
  }
  const double iterations = static_cast<double>(state.iterations());
  state.counters["traces"] = static_cast<double>(r.schedules);
  state.counters["steps"] = static_cast<double>(r.steps);
  state.counters["schedules_per_s"] = static_cast<double>(r.schedules + r.pruned) * iterations / seconds;
  state.counters["steps_per_s"] = static_cast<double>(r.steps) * iterations / seconds;
  state.counters["complete"] = r.certificate(o).verdict == Certificate::Verdict::kComplete ? 1 : 0;
}

// Registered from main(): the scenario table is built at static
// initialization of another translation unit.
void RegisterExploreBenchmarks() {
  for (const ExploreScenarioInfo* s : ExploreScenarios()) {
    const std::string name(s->name);
    benchmark::RegisterBenchmark(("Explore/random/" + name).c_str(), BM_ExploreRandom, name)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    for (const auto& [label, strategy] : {std::pair{"dpor", Strategy::kDpor}, std::pair{"dfs2", Strategy::kDfs}}) {
      benchmark::RegisterBenchmark(fmt::format("Search/{}/{}", name, label).c_str(), BM_Search, name, strategy)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime()
          ->Iterations(1);
    }
    for (uint32_t bound : {2u, 3u}) {
      for (bool reduction : {true, false}) {
        benchmark::RegisterBenchmark(
            fmt::format("Dfs/{}/{}/{}", name, bound, reduction ? "reduced" : "full").c_str(), BM_DfsExhaust, name,
            bound, reduction)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime()
            ->Iterations(1);
      }
    }
  }
}

}  // namespace
}  // namespace daxbreak

int main(int argc, char** argv) {
  daxbreak::RegisterExploreBenchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
