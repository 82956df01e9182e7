// What persistent memory a machine has and what a path on it gives, for
// `daxbreak info`: the NVDIMM regions and namespaces libndctl sees (mode,
// size, block or character device, alignment), the device-dax nodes libdaxctl
// sees, and for a path whether it is DAX (statx STATX_ATTR_DAX), whether a
// MAP_SYNC mapping works and which store granularity libpmem2 gives.
//
// Nothing here writes: a path is opened read-only and mapped read-only, and a
// missing path is an error, never created.
//
// Thread-safety: the functions may run concurrently (each builds its own
// library contexts).

#ifndef DAXBREAK_PMEM_PMEM_DISCOVERY_H_
#define DAXBREAK_PMEM_PMEM_DISCOVERY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "daxbreak/base/status.h"

namespace daxbreak {

// One namespace of a region (`ndctl list -N`).
struct NamespaceInfo {
  std::string devname;       // "namespace0.0".
  std::string mode;          // "fsdax", "devdax", "sector", "raw", "unknown".
  uint64_t size_bytes = 0;
  bool active = false;       // Enabled with a device to use.
  std::string block_device;  // "pmem0" (fsdax, sector, raw), else "".
  std::string dax_device;    // "dax0.0" (devdax), else "".
  uint64_t align_bytes = 0;  // The pfn or dax alignment, 0 if none.
};

// One region of a bus (`ndctl list -R`).
struct RegionInfo {
  std::string devname;           // "region0".
  std::string bus_provider;      // "ACPI.NFIT", "e820", ...
  std::string type;              // "pmem" or "blk" (ndctl_region_get_type_name()).
  uint64_t size_bytes = 0;
  uint64_t available_bytes = 0;  // Not yet given to a namespace.
  std::vector<NamespaceInfo> namespaces;
};

// One device-dax node (`daxctl list`).
struct DaxDeviceInfo {
  std::string devname;  // "dax0.0", as /dev/dax0.0.
  uint64_t size_bytes = 0;
  uint64_t align_bytes = 0;
  int region_id = -1;
};

struct PmemTopology {
  std::vector<RegionInfo> regions;
  std::vector<DaxDeviceInfo> dax_devices;
};

// Lists regions, namespaces and device-dax nodes. An empty topology (no
// NVDIMM, no nd bus) is not an error. Errors: kEnvironment when libndctl or
// libdaxctl cannot start (their error code in the message).
Status DiscoverPmem(PmemTopology* out);

// What one path gives.
struct PathInfo {
  std::string path;
  std::string file_type;   // "regular file", "directory", "character device", ...
  std::string fs_type;     // Of the file system it is on (statfs magic name or hex).
  uint64_t size_bytes = 0;
  bool dax = false;        // statx reports STATX_ATTR_DAX.
  bool dax_known = false;  // The kernel reports the attribute at all.
  bool map_sync = false;   // mmap(MAP_SHARED_VALIDATE | MAP_SYNC) of it worked.
  std::string granularity; // libpmem2's store granularity ("" for a directory).
  std::string note;        // Why something could not be probed, or "".
};

// Probes `path` without writing and without blocking. Errors: kNotFound (no
// such path, named), kInvalidArgument (a FIFO or a socket, which are not
// opened: a FIFO would wait for a writer), kIoError (it cannot be opened for
// reading).
Status ProbePath(const std::string& path, PathInfo* out);

}  // namespace daxbreak

#endif  // DAXBREAK_PMEM_PMEM_DISCOVERY_H_
