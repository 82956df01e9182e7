#include "daxbreak/fs/iomap.h"

namespace daxbreak {

std::string_view IomapTypeName(IomapType type) {
  switch (type) {
    case IomapType::kHole: return "hole";
    case IomapType::kUnwritten: return "unwritten";
    case IomapType::kMapped: return "mapped";
  }
  return "?";
}

namespace {

Iomap MappingOf(const Inode& inode, uint64_t pgoff) REQUIRES_SHARED(inode.i_data_sem_) {
  Iomap map;
  map.pgoff = pgoff;
  auto it = inode.extents_.find(pgoff);
  if (it != inode.extents_.end()) {
    map.type = it->second.unwritten ? IomapType::kUnwritten : IomapType::kMapped;
    map.pfn = it->second.pfn;
  }
  return map;
}

}  // namespace

Iomap iomap_begin(Inode& inode, uint64_t pgoff) {
  ReadLock lock(&inode.i_data_sem_);
  Iomap map = MappingOf(inode, pgoff);
  map.validity_cookie = inode.i_es_seq_.load("iomap_begin:i_es_seq");
  return map;
}

bool iomap_valid(const Inode& inode, const Iomap& iomap) {
  return inode.i_es_seq_.load("iomap_valid:i_es_seq") == iomap.validity_cookie;
}

bool iomap_matches_extent_map(Inode& inode, const Iomap& iomap) {
  ReadLock lock(&inode.i_data_sem_);
  const Iomap now = MappingOf(inode, iomap.pgoff);
  return now.type == iomap.type && now.pfn == iomap.pfn;
}

void es_inc_seq(Inode& inode, SeqUpdate how) {
  // racy-seq: WRITE_ONCE(seq, READ_ONCE(seq) + 1) from writers that share no
  // lock (Jan Kara's review of ext4_es_inc_seq(), linux-ext4, December 2024;
  // docs/models/iomap.md, 'Rules for the counter'): the store may undo
  // increments made since the load.
  if (how == SeqUpdate::kReadThenWrite) {
    const uint64_t seq = inode.i_es_seq_.load("READ_ONCE(i_es_seq)");
    inode.i_es_seq_.store(seq + 1, "WRITE_ONCE(i_es_seq)");
    return;
  }
  inode.i_es_seq_.fetch_add(1, "i_es_seq++");
}

}  // namespace daxbreak
