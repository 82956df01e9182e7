// The model target (stress/model_target.h): files, mappings, references and
// DIO queues over the model's DaxFs, MmStruct, GUP and UringDioEngine.

#include "daxbreak/stress/model_target.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <deque>

#include <fmt/format.h>

#include "daxbreak/base/path_claim.h"
#include "daxbreak/base/size_parse.h"
#include "daxbreak/io/uring_dio_engine.h"
#include "daxbreak/mm/gup.h"
#include "daxbreak/sync/lockdep.h"
#include "daxbreak/sync/sync_point.h"

namespace daxbreak {
namespace {

class ModelMapping final : public TargetMapping {
 public:
  ModelMapping(PmemDevice* device, PageArray* pages, std::unique_ptr<Vma> vma)
      : device_(device), pages_(pages), vma_(std::move(vma)) {}
  ~ModelMapping() override {
    drop_reference();
    unmap();
  }
  Vma& vma() { return *vma_; }
  uint32_t pages() const override { return static_cast<uint32_t>(vma_ ? vma_->nr_pages() : 0); }
  // A load, or a store of the byte just loaded (the data stays).
  Status touch(uint32_t page, bool write) override {
    if (!vma_) return Status::Fault("the mapping is gone");
    char byte = 0;
    const uint64_t addr = vma_->address_of(page);
    Status s = user_load(*vma_, addr, &byte, 1);
    return s.ok() && write ? user_store(*vma_, addr, &byte, 1) : s;
  }
  // get_user_pages() without FOLL_PIN, as vmsplice(2) takes it.
  Status take_reference(uint32_t page) override {
    if (!vma_) return Status::Fault("the mapping is gone");
    return pin_user_pages(*vma_, vma_->address_of(page), 1, /*gup_flags=*/0, &reference_);
  }
  Status peek_reference(void* contents) override {
    if (reference_.empty()) return Status::InvalidArgument("no page reference is held");
    std::memcpy(contents, device_->page_address(reference_.front().pfn), kPageSize);
    return Status::Ok();
  }
  void drop_reference() override {
    unpin_user_pages(*pages_, reference_, PutPath::kPut);
    reference_.clear();
  }
  void unmap() override { vma_.reset(); }

 private:
  PmemDevice* const device_;
  PageArray* const pages_;
  std::unique_ptr<Vma> vma_;
  std::vector<PinnedPage> reference_;
};

class ModelFile final : public TargetFile {
 public:
  ModelFile(DaxFs* fs, MmStruct* mm, PageArray* pages, std::string name, std::shared_ptr<Inode> inode)
      : fs_(fs), mm_(mm), pages_(pages), name_(std::move(name)), inode_(std::move(inode)) {}
  const std::string& name() const { return name_; }
  uint32_t ino() const override { return inode_->ino(); }
  Status write(uint64_t offset, const void* buf, uint64_t len) override {
    return fs_->write(inode_.get(), offset, buf, len);
  }
  Status read(uint64_t offset, void* buf, uint64_t len) override {
    std::memset(buf, 0, len);
    uint64_t done = 0;
    return fs_->read(inode_.get(), offset, buf, len, &done);
  }
  Status truncate(uint64_t size) override { return fs_->truncate(inode_.get(), size); }
  Status fallocate(uint32_t mode, uint64_t offset, uint64_t len) override {
    return fs_->fallocate(inode_.get(), mode, offset, len);
  }
  Status fsync() override { return fs_->fsync(inode_.get()); }
  Status writeback() override { return fs_->fsync(inode_.get()); }
  uint64_t size() override { return inode_->size(); }
  uint64_t block_of(uint64_t page) override {
    uint64_t pfn = 0;
    inode_->lookup_block(page, &pfn);
    return pfn;
  }
  Status mmap(uint32_t pages, std::unique_ptr<TargetMapping>* out) override {
    *out = std::make_unique<ModelMapping>(fs_->device(), pages_, fs_->mmap(mm_, inode_.get(), pages, /*writable=*/true));
    return Status::Ok();
  }

 private:
  DaxFs* const fs_;
  MmStruct* const mm_;
  PageArray* const pages_;
  const std::string name_;
  const std::shared_ptr<Inode> inode_;
};

// A UringDioEngine on one mapping. The engine counts completions, not which
// request completed, so reads and writes are told apart in submission order.
class ModelDioQueue final : public DioQueue {
 public:
  ModelDioQueue(std::shared_ptr<DioEngine> engine, Vma& vma) : engine_(std::move(engine)), vma_(vma) {}
  Status submit(const DioRequest& r) override {
    const uint64_t disk = r.disk_block * kPageSize, addr = vma_.address_of(r.page), len = uint64_t{r.nr} * kPageSize;
    Status s = r.write ? engine_->dio_write(disk, vma_, addr, len) : engine_->dio_read(disk, vma_, addr, len);
    if (s.ok()) kinds_.push_back(r.write);
    return s;
  }
  Status reap(uint32_t min, DioTally* tally) override {
    const DioStats& st = engine_->stats();
    const uint64_t done0 = st.completions.load(), errors0 = st.io_errors.load();
    Status s = engine_->reap(min);
    const uint64_t done = st.completions.load() - done0, errors = st.io_errors.load() - errors0;
    tally->other_errors += errors;
    for (uint64_t i = 0; i < done && !kinds_.empty(); ++i) {
      const bool write = kinds_.front();
      kinds_.pop_front();
      if (i >= errors) ++(write ? tally->writes : tally->reads);
    }
    return s;
  }
  uint32_t in_flight() const override { return engine_->in_flight(); }

 private:
  const std::shared_ptr<DioEngine> engine_;
  Vma& vma_;
  std::deque<bool> kinds_;  // Submitted, not reaped: true for a write.
};

}  // namespace

Status ModelTarget::Open(const StressConfig& config, const TargetNeeds& needs, std::unique_ptr<ModelTarget>* out) {
  std::unique_ptr<ModelTarget> t(new ModelTarget(config));
  Status s = PmemDevice::Open(PmemDeviceOptions{config.device_path, config.device_bytes, config.force}, &t->device_);
  if (!s.ok()) return s;
  // A refusal from here on leaves no device file this run made.
  const auto refuse = [&t](Status why) {
    t->device_->unlink_if_created();
    return why;
  };
  // By identity, not by name: "./x", a hard link or a symlink is the device.
  if (PathFileId(config.disk_path) == FdFileId(t->device_->fd())) {
    return refuse(Status::InvalidArgument(
        fmt::format("--disk '{}' is the same file as --device '{}'", config.disk_path, config.device_path)));
  }
  if (needs.disk) {
    s = DiskFile::Open(DiskFileOptions{config.disk_path, config.disk_bytes, config.force}, &t->disk_);
    if (!s.ok()) return refuse(s);
  }
  t->pages_ = MakePageArray(*config.protocol, t->device_->nr_pages(), config.page_size);
  t->mm_ = std::make_unique<MmStruct>(config.tlb_flush);
  t->checker_ = std::make_unique<Checker>();
  t->fs_ = std::make_unique<DaxFs>(t->device_.get(), t->pages_.get(), t->checker_.get(), DaxFsOptions{config.protocol, config.fs, config.page_size});
  s = t->create("victim", &t->victim_);
  if (s.ok()) s = t->victim_->truncate(uint64_t{config.victim_pages} * kPageSize);
  if (!s.ok()) return refuse(s);
  *out = std::move(t);
  return Status::Ok();
}

ModelTarget::~ModelTarget() = default;

Status ModelTarget::create(const std::string& name, std::unique_ptr<TargetFile>* out) {
  std::shared_ptr<Inode> inode;
  Status s = fs_->create(name, &inode);
  if (s.ok()) *out = std::make_unique<ModelFile>(fs_.get(), mm_.get(), pages_.get(), name, std::move(inode));
  return s;
}

Status ModelTarget::remove(std::unique_ptr<TargetFile> file) {
  return fs_->unlink(static_cast<ModelFile&>(*file).name());
}

Status ModelTarget::open_dio(TargetMapping& mapping, uint32_t queue_depth, std::unique_ptr<DioQueue>* out) {
  std::unique_ptr<DioEngine> engine;
  Status s = CreateUringDioEngine(disk_.get(), device_.get(), pages_.get(), checker_.get(), queue_depth, &engine);
  if (!s.ok()) return s;
  std::shared_ptr<DioEngine> shared(std::move(engine));
  {
    MutexLock lock(&engines_mu_);
    engines_.push_back(shared);
  }
  *out = std::make_unique<ModelDioQueue>(std::move(shared), static_cast<ModelMapping&>(mapping).vma());
  return Status::Ok();
}

void ModelTarget::begin_run() {
  SyncPoint::set_noise(config_.noise_per_million, config_.noise_max_ns);
  checker_->restart_clock();
  // The lock-order checker watches the run's threads (sync/lockdep.h).
  LockOrderGraph& lock_order = LockOrderGraph::free_mode();
  lock_order.reset();
  lock_order.set_sink(checker_.get());
}

void ModelTarget::end_run() {
  SyncPoint::set_noise(0, 0);
  LockOrderGraph& lock_order = LockOrderGraph::free_mode();
  lock_order.set_sink(nullptr);
  lock_order_edges_ = lock_order.edges();
  lock_order.reset();
}

void ModelTarget::finish() {
  // Eviction of what is still unlinked and open, as at unmount (the final
  // break: `no-final-break` frees busy blocks here).
  fs_->unmount();
}

void ModelTarget::worker_started(Worker& worker, uint64_t stream) {
  // Each thread's noise is its own stream of the run's seed, so one seed
  // gives the same choices (the timing of real threads still varies).
  SyncPoint::seed_noise(config_.seed ^ (stream * 0x9E3779B97F4A7C15ULL));
  Task::current().set_name(worker.name);
}

void ModelTarget::interrupt(const Worker& worker) {
  if (Task* t = worker.task.load()) send_signal(*t);
}

std::string ModelTarget::where(const Worker&) {
  return fmt::format("break_layouts, asleep in wait_var_event() on a page's refcount ({} protocol)",
                     config_.protocol->name);
}

PinFacts ModelTarget::pins() const {
  uint64_t pins = 0;
  MutexLock lock(&engines_mu_);
  for (const auto& e : engines_) pins += e->gup_stats().fast_pins.load() + e->gup_stats().slow_pins.load();
  return {pins, std::nullopt};
}

nlohmann::json ModelTarget::describe() const {
  return {{"device",
           {{"path", device_->path()},
            {"kind", DeviceKindName(device_->kind())},
            {"granularity", StoreGranularityName(device_->granularity())},
            {"map_sync", device_->map_sync()},
            {"size", device_->size_bytes()}}}};
}

nlohmann::json ModelTarget::internals() const {
  FsStats& f = fs_->stats();
  uint64_t fast = 0, backoff = 0, slow = 0, completions = 0, io_errors = 0;
  {
    MutexLock lock(&engines_mu_);
    for (const auto& e : engines_) {
      fast += e->gup_stats().fast_pins.load();
      backoff += e->gup_stats().fast_backoffs.load();
      slow += e->gup_stats().slow_pins.load();
      completions += e->stats().completions.load();
      io_errors += e->stats().io_errors.load();
    }
  }
  return {{"faults", f.faults.load()},
          {"blocks_allocated", f.blocks_allocated.load()},
          {"blocks_freed", f.blocks_freed.load()},
          {"unwritten_converted", f.unwritten_converted.load()},
          {"break_layouts", f.breaks.load()},
          {"break_waits", f.break_waits.load()},
          {"gup_fast_pins", fast},
          {"gup_fast_backoffs", backoff},
          {"gup_slow_pins", slow},
          {"dio_completions", completions},
          {"dio_io_errors", io_errors},
          {"lock_order_edges", lock_order_edges_}};
}

nlohmann::json ModelTarget::memory() const {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return {{"page_records_bytes", pages_->memory_bytes()},
          {"max_rss_bytes", static_cast<uint64_t>(ru.ru_maxrss) * 1024}};
}

std::string ModelTarget::status_extra() const {
  return "breaks " + FormatCount(static_cast<double>(fs_->stats().breaks.load()));
}

Status ModelTarget::sync() { return device_->sync_all(); }

Status ModelTarget::check_files() const {
  Status s = device_->check_backing();
  return s.ok() ? check_disk() : s;
}

Status ModelTarget::check_disk() const {
  if (disk_ == nullptr) return Status::Ok();
  uint64_t errors = 0, completions = 0;
  {
    MutexLock lock(&engines_mu_);
    for (const auto& e : engines_) {
      errors += e->stats().io_errors.load();
      completions += e->stats().completions.load();
    }
  }
  struct stat st {};
  const bool shrank = fstat(disk_->fd(), &st) == 0 && static_cast<uint64_t>(st.st_size) < disk_->size_bytes();
  if (errors == 0 && !shrank) return Status::Ok();
  // The model's requests stay inside the disk and its pins refuse a page
  // past EOF before submission, so a failed or short completion is the
  // disk's own fault: the data the run checked did not all move.
  return Status::IoError(fmt::format(
      "{} of {} O_DIRECT requests on disk '{}' failed or came back short; the file is {} bytes of {}{}",
      errors, completions, disk_->path(), st.st_size, disk_->size_bytes(),
      shrank ? " (truncated by another process during the run)" : ""));
}

}  // namespace daxbreak
