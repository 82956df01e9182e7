#include "daxbreak/pmem/pmem_discovery.h"

#include <daxctl/libdaxctl.h>
#include <fcntl.h>
#include <libpmem2.h>
#include <linux/magic.h>
#include <ndctl/libndctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace daxbreak {
namespace {

std::string ModeName(enum ndctl_namespace_mode mode) {
  switch (mode) {
    case NDCTL_NS_MODE_FSDAX: return "fsdax";
    case NDCTL_NS_MODE_SECTOR: return "sector";
    case NDCTL_NS_MODE_RAW: return "raw";
    case NDCTL_NS_MODE_DEVDAX: return "devdax";
    default: return "unknown";
  }
}

NamespaceInfo Describe(struct ndctl_namespace* ns) {
  NamespaceInfo n;
  n.devname = ndctl_namespace_get_devname(ns);
  n.mode = ModeName(ndctl_namespace_get_mode(ns));
  n.size_bytes = ndctl_namespace_get_size(ns);
  n.active = ndctl_namespace_is_active(ns);
  if (const char* blk = ndctl_namespace_get_block_device(ns); blk != nullptr) n.block_device = blk;
  if (struct ndctl_pfn* pfn = ndctl_namespace_get_pfn(ns)) n.align_bytes = ndctl_pfn_get_align(pfn);
  if (struct ndctl_dax* dax = ndctl_namespace_get_dax(ns)) {
    n.align_bytes = ndctl_dax_get_align(dax);
    if (struct daxctl_region* region = ndctl_dax_get_daxctl_region(dax)) {
      struct daxctl_dev* dev = nullptr;
      daxctl_dev_foreach(region, dev) {
        n.dax_device = daxctl_dev_get_devname(dev);
        break;
      }
    }
  }
  return n;
}

std::string FsTypeName(long magic) {
  switch (magic) {
    case EXT4_SUPER_MAGIC: return "ext2/3/4";
    case XFS_SUPER_MAGIC: return "xfs";
    case TMPFS_MAGIC: return "tmpfs";
    case BTRFS_SUPER_MAGIC: return "btrfs";
    case OVERLAYFS_SUPER_MAGIC: return "overlayfs";
    case NFS_SUPER_MAGIC: return "nfs";
    default: return fmt::format("{:#x}", static_cast<unsigned long>(magic));
  }
}

std::string FileTypeName(mode_t mode) {
  if (S_ISREG(mode)) return "regular file";
  if (S_ISDIR(mode)) return "directory";
  if (S_ISCHR(mode)) return "character device";
  if (S_ISBLK(mode)) return "block device";
  if (S_ISFIFO(mode)) return "FIFO";
  if (S_ISSOCK(mode)) return "socket";
  return "other";
}

// The granularity libpmem2 gives a read-only mapping of `fd`.
std::string Granularity(int fd, std::string* note) {
  pmem2_source* src = nullptr;
  pmem2_config* cfg = nullptr;
  pmem2_map* map = nullptr;
  std::string out;
  int rc = pmem2_source_from_fd(&src, fd);
  if (rc == 0) rc = pmem2_config_new(&cfg);
  if (rc == 0) rc = pmem2_config_set_protection(cfg, PMEM2_PROT_READ);
  if (rc == 0) rc = pmem2_config_set_required_store_granularity(cfg, PMEM2_GRANULARITY_PAGE);
  if (rc == 0) rc = pmem2_map_new(&map, cfg, src);
  if (rc == 0) {
    switch (pmem2_map_get_store_granularity(map)) {
      case PMEM2_GRANULARITY_BYTE: out = "BYTE"; break;
      case PMEM2_GRANULARITY_CACHE_LINE: out = "CACHE_LINE"; break;
      case PMEM2_GRANULARITY_PAGE: out = "PAGE"; break;
    }
    pmem2_map_delete(&map);
  } else {
    *note = fmt::format("libpmem2 cannot map it: {}", pmem2_errormsg());
  }
  if (cfg != nullptr) pmem2_config_delete(&cfg);
  if (src != nullptr) pmem2_source_delete(&src);
  return out;
}

}  // namespace

Status DiscoverPmem(PmemTopology* out) {
  *out = PmemTopology{};
  struct ndctl_ctx* nd = nullptr;
  int rc = ndctl_new(&nd);
  if (rc != 0) return Status::Environment(fmt::format("libndctl: ndctl_new failed ({})", rc));
  struct ndctl_bus* bus = nullptr;
  ndctl_bus_foreach(nd, bus) {
    struct ndctl_region* region = nullptr;
    ndctl_region_foreach(bus, region) {
      RegionInfo r;
      r.devname = ndctl_region_get_devname(region);
      r.bus_provider = ndctl_bus_get_provider(bus);
      r.type = ndctl_region_get_type_name(region);
      r.size_bytes = ndctl_region_get_size(region);
      r.available_bytes = ndctl_region_get_available_size(region);
      struct ndctl_namespace* ns = nullptr;
      ndctl_namespace_foreach(region, ns) {
        if (ndctl_namespace_get_size(ns) == 0) continue;  // A seed namespace, not configured.
        r.namespaces.push_back(Describe(ns));
      }
      out->regions.push_back(std::move(r));
    }
  }
  ndctl_unref(nd);

  struct daxctl_ctx* dax = nullptr;
  rc = daxctl_new(&dax);
  if (rc != 0) return Status::Environment(fmt::format("libdaxctl: daxctl_new failed ({})", rc));
  struct daxctl_region* region = nullptr;
  daxctl_region_foreach(dax, region) {
    struct daxctl_dev* dev = nullptr;
    daxctl_dev_foreach(region, dev) {
      out->dax_devices.push_back({daxctl_dev_get_devname(dev), daxctl_dev_get_size(dev),
                                  daxctl_dev_get_align(dev), daxctl_region_get_id(region)});
    }
  }
  daxctl_unref(dax);
  return Status::Ok();
}

Status ProbePath(const std::string& path, PathInfo* out) {
  *out = PathInfo{};
  out->path = path;
  struct statx stx {};
  if (statx(AT_FDCWD, path.c_str(), 0, STATX_BASIC_STATS, &stx) != 0) {
    if (errno == ENOENT) return Status::NotFound(fmt::format("'{}': no such file or device", path));
    return Status::FromErrno(errno, fmt::format("statx '{}'", path));
  }
  out->file_type = FileTypeName(stx.stx_mode);
  out->size_bytes = stx.stx_size;
  out->dax_known = (stx.stx_attributes_mask & STATX_ATTR_DAX) != 0;
  out->dax = (stx.stx_attributes & STATX_ATTR_DAX) != 0;
  struct statfs fs {};
  if (statfs(path.c_str(), &fs) == 0) out->fs_type = FsTypeName(static_cast<long>(fs.f_type));
  if (S_ISDIR(stx.stx_mode)) return Status::Ok();
  // Opening a FIFO for reading waits for a writer: refused, and the open is
  // non-blocking in case the path changes between the statx and the open.
  if (S_ISFIFO(stx.stx_mode) || S_ISSOCK(stx.stx_mode)) {
    return Status::InvalidArgument(fmt::format("'{}' is a {}: info probes files, mount points and devices", path,
                                               out->file_type));
  }
  const int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, fmt::format("open '{}' read-only", path));
  if (S_ISCHR(stx.stx_mode) || stx.stx_size >= 4096) {
    void* p = mmap(nullptr, 4096, PROT_READ, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0);
    out->map_sync = p != MAP_FAILED;
    if (p != MAP_FAILED) munmap(p, 4096);
    out->granularity = Granularity(fd, &out->note);
  } else {
    out->note = "smaller than a page: not mapped";
  }
  close(fd);
  return Status::Ok();
}

}  // namespace daxbreak
