/*
 * zip_dir.h - a zip archive reader over a positional read callback.
 *
 * Owns: parsing the End Of Central Directory record (and its ZIP64 locator
 * and record), the central directory (with ZIP64 extra fields), a name index
 * sorted for binary search, and reading one member (STORED or DEFLATE) with
 * size and CRC-32 verification.  All bytes come through a zip_read_fn, so the
 * same code runs on a file (pread, store_zip.c) and on a byte buffer (fuzz
 * target, tests).
 *
 * The archive is untrusted: every offset and size is checked against the
 * archive size before use, the number of entries is bounded by the size of the
 * central directory, and the central directory itself by ZIP_DIR_MAX_CD_BYTES.
 *
 * Names: directory entries (ending in '/') and names that could never be a
 * store key (a NUL byte, absolute, "." / ".." / empty components, backslash;
 * see store_key_check) are dropped from the index.  Duplicate names: the
 * entry that comes last in the central directory wins, as in Python's
 * zipfile.
 *
 * Not supported: multi-disk archives, archives with bytes prepended before
 * the first local header (self-extractors), encryption, methods other than
 * 0 (STORED) and 8 (DEFLATE) -- the last two fail only when such a member is
 * read, never at open.
 *
 * Thread-safety: after zip_dir_open() returns, the directory is read-only;
 * zip_dir_read() may run from many threads at once if the read callback
 * allows it (pread does).
 */
#ifndef BF_ZIP_DIR_H
#define BF_ZIP_DIR_H

#include "util/bf_config.h"

#include "util/err.h"

#include <stddef.h>
#include <stdint.h>

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define ZIP_DIR_MAX_CD_BYTES ((uint64_t)1 << 20)
#else
/* ~10 million members with 60-byte names */
#define ZIP_DIR_MAX_CD_BYTES ((uint64_t)1 << 30)
#endif

/*
 * Read exactly `len` bytes at `off` into `buf`.
 * @return 0, or a negative code (a short read is an error).
 */
typedef int (*zip_read_fn)(void *opaque, uint64_t off, void *buf, size_t len, struct bf_err *err);

struct zip_entry {
	const char *name; /* NUL-terminated, owned by the zip_dir */
	uint64_t usize;	  /* uncompressed size, <= INT64_MAX */
	uint64_t csize;	  /* compressed size */
	uint64_t lho;	  /* offset of the local file header */
	uint32_t crc;	  /* CRC-32 of the uncompressed bytes */
	uint16_t method;  /* 0 STORED, 8 DEFLATE, others refused on read */
	uint16_t flags;	  /* general purpose bit flags (bit 0: encrypted) */
};

struct zip_dir;

/*
 * Parse the directory of an archive of `size` bytes read through `rd`.
 * `label` (copied) names the archive in messages.  `rd` and `opaque` must
 * stay valid until zip_dir_free().
 * @return the directory, or NULL with `err` set: BF_E_FORMAT for a damaged
 *         or non-zip file, BF_E_UNSUPPORTED (multi-disk), BF_E_RANGE (central
 *         directory over the limit), BF_E_NOMEM, or the callback's code.
 */
struct zip_dir *zip_dir_open(zip_read_fn rd, void *opaque, uint64_t size, const char *label,
			     struct bf_err *err);

/* Free a directory.  NULL is allowed. */
void zip_dir_free(struct zip_dir *d);

/* Number of indexed members (after dropping directories and bad names). */
size_t zip_dir_count(const struct zip_dir *d);

/* Member `i` (0 <= i < count), in strcmp order of names. */
const struct zip_entry *zip_dir_entry(const struct zip_dir *d, size_t i);

/* The member named `name`, or NULL. */
const struct zip_entry *zip_dir_find(const struct zip_dir *d, const char *name);

/* Index of the first member whose name is >= `prefix` (count if none). */
size_t zip_dir_lower_bound(const struct zip_dir *d, const char *prefix);

/*
 * Read member `e` into `buf` of `len` bytes; `len` must equal e->usize.
 * Verifies the local header, the uncompressed size and the CRC-32.
 * @return 0, BF_E_INVAL (wrong `len`), BF_E_FORMAT (damaged member, "zip
 *         member 'x': CRC mismatch"), BF_E_UNSUPPORTED (method, encryption),
 *         BF_E_NOMEM, or the callback's code.
 */
int zip_dir_read(const struct zip_dir *d, const struct zip_entry *e, void *buf, size_t len,
		 struct bf_err *err) BF_MUST_CHECK;

/*
 * Read bytes [off, off + len) of a STORED member (no CRC check: the member
 * is not read whole).  @return 0; BF_E_UNSUPPORTED for compressed or
 * encrypted members; BF_E_INVAL for a range past the member's end.
 */
int zip_dir_read_range(const struct zip_dir *d, const struct zip_entry *e, uint64_t off, void *buf,
		       size_t len, struct bf_err *err) BF_MUST_CHECK;

/*
 * Read bytes [off, off + len) of a STORED member (no CRC check: the member
 * is not read whole).  @return 0; BF_E_UNSUPPORTED for compressed or
 * encrypted members; BF_E_INVAL for a range past the member's end.
 */
int zip_dir_read_range(const struct zip_dir *d, const struct zip_entry *e, uint64_t off, void *buf,
		       size_t len, struct bf_err *err) BF_MUST_CHECK;

/*
 * zip_dir_read() with the member's bytes read through `rd`/`opaque` instead
 * of the callback given at open (a remote store hands in the window of the
 * archive it fetched for this member).
 */
int zip_dir_read_with(const struct zip_dir *d, const struct zip_entry *e, zip_read_fn rd,
		      void *opaque, void *buf, size_t len, struct bf_err *err) BF_MUST_CHECK;

#endif
