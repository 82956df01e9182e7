// The DIO error path as a protocol row sets it (fs/protocol.h,
// LayoutBreakTraits::dio_error_path); read by the DIO engines
// (io/sync_dio_engine.h).
//
// Thread-safety: a plain enum.

#ifndef DAXBREAK_MM_DIO_TRAITS_H_
#define DAXBREAK_MM_DIO_TRAITS_H_

namespace daxbreak {

// What happens to the pages a DIO pinned before GUP failed on a later page
// (a partial submission).
enum class DioErrorPath {
  // The kernel's (checked in the 6.1 and 6.12 sources): pin_user_pages_fast()
  // returns the pages it pinned; bio_iov_iter_get_pages() keeps them in the
  // bio (it returns the error only for an empty bio, and
  // __bio_iov_iter_get_pages() releases the pages it could not add, its
  // `out:` loop); iomap_dio_bio_iter() submits that short bio, and the next
  // call fails with the bio empty, so iomap_dio_rw() records the error
  // (iomap_dio_set_error()) and iomap_dio_complete() returns it. The pinned
  // pages go at the short bio's completion (iomap_dio_bio_end_io() ->
  // bio_release_pages()), on the bio release path with its wake.
  kReleaseWithBio,
  // A mutation, never in a kernel (`dio-error-leak`): the error path drops
  // the short bio without releasing its pages (a bio_put() with no
  // bio_release_pages()); their references leak and a break waits for ever.
  kDropUnreleased,
};

}  // namespace daxbreak

#endif  // DAXBREAK_MM_DIO_TRAITS_H_
