// UringDioEngine: the free-mode DioEngine on liburing. Each request is one
// readv/writev whose iovecs point at the pinned pmem pages themselves (one
// iovec per page, since a mapping's pages need not be contiguous on the
// device); up to `queue_depth` requests are in flight. Short transfers are
// resubmitted for the rest.
//
// Thread-safety: owned by one thread (TSan cannot see the kernel's writes to
// the completion ring, and the ring is not thread-safe).

#ifndef DAXBREAK_IO_URING_DIO_ENGINE_H_
#define DAXBREAK_IO_URING_DIO_ENGINE_H_

#include <memory>

#include "daxbreak/io/dio_engine.h"
#include "daxbreak/io/disk_file.h"
#include "daxbreak/pmem/pmem_device.h"

namespace daxbreak {

// Creates an io_uring engine with `queue_depth` (1..4096) entries over `disk`.
// Errors: kEnvironment when io_uring is unavailable (ENOSYS, EPERM: seccomp or
// kernel.io_uring_disabled) or the ring cannot be set up; kInvalidArgument.
Status CreateUringDioEngine(DiskFile* disk, PmemDevice* device, PageArray* pages,
                            ViolationSink* sink, uint32_t queue_depth,
                            std::unique_ptr<DioEngine>* out);

}  // namespace daxbreak

#endif  // DAXBREAK_IO_URING_DIO_ENGINE_H_
