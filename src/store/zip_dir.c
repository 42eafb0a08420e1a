/*
 * zip_dir.c - zip central directory parser and member reader (see
 * zip_dir.h).
 *
 * Layout references: PKWARE APPNOTE 6.3.x sections 4.3.7 (local file
 * header), 4.3.12 (central directory header), 4.3.14-16 (ZIP64 end of
 * central directory record and locator, end of central directory record),
 * 4.5.3 (ZIP64 extended information extra field).  All integers are
 * little-endian and read byte by byte.
 */
#include "util/bf_config.h"

#include "store/zip_dir.h"
#include "store/zip_crc.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/endian.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define EOCD_SIZE	22u
#define EOCD_MAX_TAIL	(EOCD_SIZE + 65535u)
#define LOC64_SIZE	20u
#define EOCD64_SIZE	56u
#define CDH_SIZE	46u
#define LFH_SIZE	30u
#define LFH_NAME_CHECK	256u	   /* local names up to this length are compared */
#define STORED_PIECE	(1u << 19) /* pread + crc in cache-sized pieces */
#define INFLATE_IN_MAX	(1u << 18) /* compressed bytes read per step */
#define INFLATE_OUT_MAX (1u << 30) /* avail_out is a uInt */

struct zip_dir {
	zip_read_fn rd;
	void *opaque;
	uint64_t size;	     /* archive size in bytes */
	char *label;	     /* archive name for messages */
	char *names;	     /* all indexed names, NUL-terminated, in directory order */
	size_t n;	     /* indexed members */
	struct zip_entry *e; /* sorted by name, no duplicates */
};

static int sig_is(const unsigned char *p, unsigned char a, unsigned char b)
{
	return p[0] == 'P' && p[1] == 'K' && p[2] == a && p[3] == b;
}

/* Is [off, off + len) inside an object of `size` bytes? */
static int in_range(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct zip_entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	/* equal names: directory order, which is the order of the name pointers */
	return (x->name > y->name) - (x->name < y->name);
}

/*
 * Would a store key equal to this member name pass store_key_check()?
 * `name` has `len` bytes and a NUL after them.
 */
static int name_usable(const char *name, size_t len)
{
	if (len == 0 || memchr(name, '\0', len) || name[len - 1] == '/')
		return 0; /* empty, embedded NUL, or a directory entry */
	return store_key_check(name, NULL) == 0;
}

struct eocd_info {
	uint64_t cd_off;
	uint64_t cd_size;
	uint64_t cd_end; /* the directory must end at or before this offset */
};

/* ZIP64: the locator sits right before the EOCD at `eocd_pos`. */
static int read_zip64(struct zip_dir *d, uint64_t eocd_pos, const unsigned char *eocd,
		      struct eocd_info *info, struct bf_err *err)
{
	unsigned char loc[LOC64_SIZE], rec[EOCD64_SIZE];
	int saturated = bf_load_le16(eocd + 10) == 0xFFFF ||
			bf_load_le32(eocd + 12) == 0xFFFFFFFFu ||
			bf_load_le32(eocd + 16) == 0xFFFFFFFFu;
	uint64_t rec_off;

	if (eocd_pos < LOC64_SIZE)
		goto none;
	BF_FORWARD(d->rd(d->opaque, eocd_pos - LOC64_SIZE, loc, LOC64_SIZE, err));
	if (!sig_is(loc, 6, 7))
		goto none;
	if (bf_load_le32(loc + 4) != 0 || bf_load_le32(loc + 16) > 1)
		return bf_err_set(err, BF_E_UNSUPPORTED,
				  "'%s': multi-disk zip archives are not supported", d->label);
	rec_off = bf_load_le64(loc + 8);
	if (!in_range(rec_off, EOCD64_SIZE, eocd_pos - LOC64_SIZE))
		goto none;
	BF_FORWARD(d->rd(d->opaque, rec_off, rec, EOCD64_SIZE, err));
	if (!sig_is(rec, 6, 6))
		goto none;
	if (bf_load_le32(rec + 16) != 0 || bf_load_le32(rec + 20) != 0)
		return bf_err_set(err, BF_E_UNSUPPORTED,
				  "'%s': multi-disk zip archives are not supported", d->label);
	info->cd_size = bf_load_le64(rec + 40);
	info->cd_off = bf_load_le64(rec + 48);
	info->cd_end = rec_off;
	return 0;
none:
	if (saturated)
		return bf_err_set(err, BF_E_FORMAT,
				  "'%s': damaged zip archive: no zip64 end of central directory "
				  "record",
				  d->label);
	return 0;
}

/* Find the EOCD record in the last 65,557 bytes and fill `info`. */
static int find_eocd(struct zip_dir *d, struct eocd_info *info, struct bf_err *err)
{
	size_t tail = d->size < EOCD_MAX_TAIL ? (size_t)d->size : EOCD_MAX_TAIL;
	uint64_t base = d->size - tail;
	unsigned char *buf, eocd[EOCD_SIZE];
	size_t i;
	int found = 0, rc;

	if (tail < EOCD_SIZE)
		goto not_zip;
	buf = bf_malloc(tail);
	if (!buf)
		return bf_err_set(err, BF_E_NOMEM, "out of memory reading '%s'", d->label);
	rc = d->rd(d->opaque, base, buf, tail, err);
	if (rc < 0) {
		bf_free(buf);
		return rc;
	}
	/* the last signature whose comment fits in the file */
	for (i = tail - EOCD_SIZE + 1; i-- > 0;) {
		if (sig_is(buf + i, 5, 6) && bf_load_le16(buf + i + 20) <= tail - EOCD_SIZE - i) {
			memcpy(eocd, buf + i, EOCD_SIZE);
			found = 1;
			break;
		}
	}
	bf_free(buf);
	if (!found)
		goto not_zip;
	if (bf_load_le16(eocd + 4) != 0 ||
	    (bf_load_le16(eocd + 6) != 0 && bf_load_le16(eocd + 6) != 0xFFFF))
		return bf_err_set(err, BF_E_UNSUPPORTED,
				  "'%s': multi-disk zip archives are not supported", d->label);
	info->cd_size = bf_load_le32(eocd + 12);
	info->cd_off = bf_load_le32(eocd + 16);
	info->cd_end = base + i;
	return read_zip64(d, base + i, eocd, info, err);
not_zip:
	return bf_err_set(err, BF_E_FORMAT,
			  "'%s': not a zip archive: no end of central directory record", d->label);
}

/*
 * Apply the ZIP64 extended information extra field: each field whose
 * central value is saturated is taken, in order, from the extra block.
 */
static int apply_zip64_extra(const unsigned char *x, size_t xlen, struct zip_entry *e, int need_u,
			     int need_c, int need_o)
{
	while (xlen >= 4) {
		uint16_t id = bf_load_le16(x), sz = bf_load_le16(x + 2);
		const unsigned char *p = x + 4;
		size_t left;

		if ((size_t)sz > xlen - 4)
			return -1;
		if (id == 0x0001) {
			left = sz;
			if (need_u) {
				if (left < 8)
					return -1;
				e->usize = bf_load_le64(p), p += 8, left -= 8;
			}
			if (need_c) {
				if (left < 8)
					return -1;
				e->csize = bf_load_le64(p), p += 8, left -= 8;
			}
			if (need_o) {
				if (left < 8)
					return -1;
				e->lho = bf_load_le64(p);
			}
			return 0;
		}
		x += 4 + (size_t)sz;
		xlen -= 4 + (size_t)sz;
	}
	return need_u || need_c || need_o ? -1 : 0;
}

/* Parse the central directory bytes `cd` into d->e / d->names. */
static int parse_cd(struct zip_dir *d, const unsigned char *cd, size_t cd_size, struct bf_err *err)
{
	size_t pos = 0, cap = cd_size / CDH_SIZE, nb = 0, k, idx = 0;
	char *np;

	d->e = bf_calloc(cap ? cap : 1, sizeof(*d->e));
	/* every name plus its NUL fits in the header it came from */
	d->names = bf_malloc(cd_size ? cd_size : 1);
	if (!d->e || !d->names)
		return bf_err_set(err, BF_E_NOMEM, "out of memory reading '%s'", d->label);
	np = d->names;
	while (pos < cd_size) {
		const unsigned char *h = cd + pos;
		size_t nlen, xlen, clen, total;
		struct zip_entry e;

		if (cd_size - pos < CDH_SIZE || !sig_is(h, 1, 2))
			return bf_err_set(err, BF_E_FORMAT,
					  "'%s': damaged zip archive: bad central directory "
					  "entry %zu",
					  d->label, idx);
		nlen = bf_load_le16(h + 28);
		xlen = bf_load_le16(h + 30);
		clen = bf_load_le16(h + 32);
		total = CDH_SIZE + nlen + xlen + clen;
		if (total > cd_size - pos)
			return bf_err_set(err, BF_E_FORMAT,
					  "'%s': damaged zip archive: central directory entry %zu "
					  "overruns the directory",
					  d->label, idx);
		memset(&e, 0, sizeof(e));
		e.flags = bf_load_le16(h + 8);
		e.method = bf_load_le16(h + 10);
		e.crc = bf_load_le32(h + 16);
		e.csize = bf_load_le32(h + 20);
		e.usize = bf_load_le32(h + 24);
		e.lho = bf_load_le32(h + 42);
		if (apply_zip64_extra(h + CDH_SIZE + nlen, xlen, &e, e.usize == 0xFFFFFFFFu,
				      e.csize == 0xFFFFFFFFu, e.lho == 0xFFFFFFFFu) < 0)
			return bf_err_set(err, BF_E_FORMAT,
					  "'%s': damaged zip archive: bad zip64 extra field in "
					  "central directory entry %zu",
					  d->label, idx);
		if (e.usize > (uint64_t)INT64_MAX)
			return bf_err_set(err, BF_E_FORMAT,
					  "'%s': damaged zip archive: entry %zu has an impossible "
					  "size",
					  d->label, idx);
		memcpy(np + nb, h + CDH_SIZE, nlen);
		np[nb + nlen] = '\0';
		if (name_usable(np + nb, nlen)) {
			e.name = np + nb;
			nb += nlen + 1;
			d->e[d->n++] = e;
		}
		pos += total;
		idx++;
	}
	if (d->n > 1)
		qsort(d->e, d->n, sizeof(*d->e), cmp_entry);
	/* drop duplicates: the last one of each run of equal names wins */
	for (k = 0, idx = 0; idx < d->n; idx++) {
		if (idx + 1 < d->n && !strcmp(d->e[idx].name, d->e[idx + 1].name))
			continue;
		d->e[k++] = d->e[idx];
	}
	d->n = k;
	return 0;
}

struct zip_dir *zip_dir_open(zip_read_fn rd, void *opaque, uint64_t size, const char *label,
			     struct bf_err *err)
{
	struct zip_dir *d = bf_calloc(1, sizeof(*d));
	struct eocd_info info = {0, 0, 0};
	unsigned char *cd = NULL;
	int rc;

	if (!d || !(d->label = bf_strdup(label ? label : "<zip>"))) {
		bf_free(d);
		bf_err_set(err, BF_E_NOMEM, "out of memory");
		return NULL;
	}
	d->rd = rd;
	d->opaque = opaque;
	d->size = size;
	rc = find_eocd(d, &info, err);
	if (rc < 0)
		goto fail;
	if (!in_range(info.cd_off, info.cd_size, info.cd_end)) {
		rc = bf_err_set(err, BF_E_FORMAT,
				"'%s': damaged zip archive: central directory (offset %llu, %llu "
				"bytes) lies outside the archive",
				d->label, (unsigned long long)info.cd_off,
				(unsigned long long)info.cd_size);
		goto fail;
	}
	if (info.cd_size > ZIP_DIR_MAX_CD_BYTES) {
		rc = bf_err_set(err, BF_E_RANGE,
				"'%s': zip central directory is %llu bytes, over the limit of %llu",
				d->label, (unsigned long long)info.cd_size,
				(unsigned long long)ZIP_DIR_MAX_CD_BYTES);
		goto fail;
	}
	cd = bf_malloc(info.cd_size ? (size_t)info.cd_size : 1);
	if (!cd) {
		rc = bf_err_set(err, BF_E_NOMEM, "out of memory reading '%s'", d->label);
		goto fail;
	}
	rc = rd(opaque, info.cd_off, cd, (size_t)info.cd_size, err);
	if (rc < 0)
		goto fail;
	rc = parse_cd(d, cd, (size_t)info.cd_size, err);
	if (rc < 0)
		goto fail;
	bf_free(cd);
	return d;
fail:
	bf_free(cd);
	zip_dir_free(d);
	return NULL;
}

void zip_dir_free(struct zip_dir *d)
{
	if (!d)
		return;
	bf_free(d->e);
	bf_free(d->names);
	bf_free(d->label);
	bf_free(d);
}

size_t zip_dir_count(const struct zip_dir *d)
{
	return d->n;
}

const struct zip_entry *zip_dir_entry(const struct zip_dir *d, size_t i)
{
	return i < d->n ? &d->e[i] : NULL;
}

size_t zip_dir_lower_bound(const struct zip_dir *d, const char *prefix)
{
	size_t lo = 0, hi = d->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(d->e[mid].name, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct zip_entry *zip_dir_find(const struct zip_dir *d, const char *name)
{
	size_t i = zip_dir_lower_bound(d, name);

	return i < d->n && !strcmp(d->e[i].name, name) ? &d->e[i] : NULL;
}

static const char *method_name(unsigned m)
{
	switch (m) {
	case 9:
		return "deflate64";
	case 12:
		return "bzip2";
	case 14:
		return "lzma";
	case 93:
		return "zstd";
	case 95:
		return "xz";
	case 99:
		return "aes";
	default:
		return "unknown";
	}
}

/* Offset of member `e`'s data, after checking its local header. */
static int local_data_offset(const struct zip_dir *d, const struct zip_entry *e, uint64_t *off,
			     struct bf_err *err)
{
	unsigned char h[LFH_SIZE + LFH_NAME_CHECK];
	size_t cnlen = strlen(e->name), chk = cnlen < LFH_NAME_CHECK ? cnlen : LFH_NAME_CHECK;
	uint64_t data;

	if (!in_range(e->lho, LFH_SIZE + chk, d->size))
		return bf_err_set(err, BF_E_FORMAT,
				  "zip member '%s': local header offset %llu is past the end of "
				  "'%s'",
				  e->name, (unsigned long long)e->lho, d->label);
	BF_FORWARD(d->rd(d->opaque, e->lho, h, LFH_SIZE + chk, err));
	if (!sig_is(h, 3, 4))
		return bf_err_set(err, BF_E_FORMAT, "zip member '%s': bad local file header",
				  e->name);
	if (bf_load_le16(h + 26) != cnlen || memcmp(h + LFH_SIZE, e->name, chk) != 0)
		return bf_err_set(err, BF_E_FORMAT,
				  "zip member '%s': local file header names another file", e->name);
	data = e->lho + LFH_SIZE + bf_load_le16(h + 26) + bf_load_le16(h + 28);
	if (!in_range(data, e->csize, d->size))
		return bf_err_set(err, BF_E_FORMAT,
				  "zip member '%s': data (%llu bytes at %llu) runs past the end "
				  "of '%s'",
				  e->name, (unsigned long long)e->csize, (unsigned long long)data,
				  d->label);
	*off = data;
	return 0;
}

static int read_stored(const struct zip_dir *d, const struct zip_entry *e, uint64_t off,
		       unsigned char *buf, size_t len, uint32_t *crc, struct bf_err *err)
{
	size_t done = 0;

	if (e->csize != e->usize)
		return bf_err_set(err, BF_E_FORMAT,
				  "zip member '%s': stored member has compressed size %llu but "
				  "size %llu",
				  e->name, (unsigned long long)e->csize,
				  (unsigned long long)e->usize);
	while (done < len) {
		size_t k = len - done > STORED_PIECE ? STORED_PIECE : len - done;

		BF_FORWARD(d->rd(d->opaque, off + done, buf + done, k, err));
		*crc = zip_crc32(*crc, buf + done, k);
		done += k;
	}
	return 0;
}

static int read_deflate(const struct zip_dir *d, const struct zip_entry *e, uint64_t off,
			unsigned char *buf, size_t len, struct bf_err *err)
{
	size_t inbuf_len = e->csize < INFLATE_IN_MAX ? (size_t)e->csize : INFLATE_IN_MAX;
	unsigned char *in = bf_malloc(inbuf_len ? inbuf_len : 1);
	unsigned char extra;
	uint64_t in_left = e->csize, in_pos = off;
	size_t out_given = 0;
	int rc = 0, zr, overflow = 0;
	z_stream zs;

	if (!in)
		return bf_err_set(err, BF_E_NOMEM, "out of memory reading zip member '%s'",
				  e->name);
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
		bf_free(in);
		return bf_err_set(err, BF_E_NOMEM, "out of memory reading zip member '%s'",
				  e->name);
	}
	zs.next_out = buf;
	for (;;) {
		if (zs.avail_in == 0 && in_left > 0) {
			size_t k = in_left > inbuf_len ? inbuf_len : (size_t)in_left;

			rc = d->rd(d->opaque, in_pos, in, k, err);
			if (rc < 0)
				break;
			in_pos += k;
			in_left -= k;
			zs.next_in = in;
			zs.avail_in = (uInt)k;
		}
		if (zs.avail_out == 0) {
			if (out_given < len) {
				size_t k = len - out_given > INFLATE_OUT_MAX ? INFLATE_OUT_MAX
									     : len - out_given;

				zs.next_out = buf + out_given;
				zs.avail_out = (uInt)k;
				out_given += k;
			} else if (!overflow) {
				/* room for one byte to tell "ends here" from "too long" */
				zs.next_out = &extra;
				zs.avail_out = 1;
				overflow = 1;
			} else {
				rc = bf_err_set(err, BF_E_FORMAT,
						"zip member '%s': data longer than its size %llu",
						e->name, (unsigned long long)e->usize);
				break;
			}
		}
		zr = inflate(&zs, Z_NO_FLUSH);
		if (zr == Z_STREAM_END)
			break;
		if (zr == Z_OK)
			continue;
		if (zr == Z_BUF_ERROR && zs.avail_in == 0 && in_left == 0)
			rc = bf_err_set(err, BF_E_FORMAT, "zip member '%s': truncated deflate data",
					e->name);
		else if (zr == Z_MEM_ERROR)
			rc = bf_err_set(err, BF_E_NOMEM, "out of memory inflating zip member '%s'",
					e->name);
		else
			rc = bf_err_set(err, BF_E_FORMAT, "zip member '%s': bad deflate data: %s",
					e->name, zs.msg ? zs.msg : "no progress");
		break;
	}
	if (rc == 0 && zs.total_out != e->usize)
		rc = bf_err_set(err, BF_E_FORMAT,
				"zip member '%s': inflated to %llu bytes, expected %llu", e->name,
				(unsigned long long)zs.total_out, (unsigned long long)e->usize);
	inflateEnd(&zs);
	bf_free(in);
	return rc;
}

int zip_dir_read(const struct zip_dir *d, const struct zip_entry *e, void *buf, size_t len,
		 struct bf_err *err)
{
	uint64_t off;
	uint32_t crc = 0;

	if (len != e->usize)
		return bf_err_set(err, BF_E_INVAL, "zip member '%s' is %llu bytes, not %zu",
				  e->name, (unsigned long long)e->usize, len);
	if (e->flags & 1u)
		return bf_err_set(err, BF_E_UNSUPPORTED,
				  "zip member '%s' is encrypted, which is not supported", e->name);
	if (e->method != 0 && e->method != 8)
		return bf_err_set(err, BF_E_UNSUPPORTED,
				  "zip member '%s': compression method %u (%s) is not supported",
				  e->name, (unsigned)e->method, method_name(e->method));
	BF_FORWARD(local_data_offset(d, e, &off, err));
	if (e->method == 0) {
		BF_FORWARD(read_stored(d, e, off, buf, len, &crc, err));
	} else {
		BF_FORWARD(read_deflate(d, e, off, buf, len, err));
		crc = zip_crc32(0, buf, len);
	}
	if (crc != e->crc)
		return bf_err_set(err, BF_E_FORMAT, "zip member '%s': CRC mismatch", e->name);
	return 0;
}

int zip_dir_read_range(const struct zip_dir *d, const struct zip_entry *e, uint64_t off, void *buf,
		       size_t len, struct bf_err *err)
{
	uint64_t data;

	if (e->method != 0 || (e->flags & 1u))
		return bf_err_set(err, BF_E_UNSUPPORTED,
				  "zip member '%s': ranges need a STORED member", e->name);
	if (off > e->usize || len > e->usize - off)
		return bf_err_set(err, BF_E_INVAL, "zip member '%s': range past its end", e->name);
	BF_FORWARD(local_data_offset(d, e, &data, err));
	if (len == 0)
		return 0;
	if (data + off + len > d->size || data + off + len < data)
		return bf_err_set(err, BF_E_FORMAT, "zip member '%s' extends past the archive",
				  e->name);
	return d->rd(d->opaque, data + off, buf, len, err);
}

int zip_dir_read_with(const struct zip_dir *d, const struct zip_entry *e, zip_read_fn rd,
		      void *opaque, void *buf, size_t len, struct bf_err *err)
{
	struct zip_dir view = *d; /* same index, another reader: nothing is kept */

	view.rd = rd;
	view.opaque = opaque;
	return zip_dir_read(&view, e, buf, len, err);
}
