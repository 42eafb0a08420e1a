/*
 * blosc1.c - blosc1 frames of one-byte items, decoded without libblosc
 * (see blosc1.h).
 *
 * Frame layout (c-blosc 1.x, format version 2): a 16-byte header (version,
 * codec version, flags, item size, decoded size, block size, frame size;
 * sizes little-endian uint32), a table of one uint32 offset per block, and
 * the blocks.  With one-byte items a block is a single stream: a uint32
 * length, then the compressed bytes, or the raw bytes when that length
 * equals the block's size.  Bit-shuffled blocks whose length is not a
 * multiple of 8 are stored unshuffled (format version 2).
 */
#include "util/bf_config.h"

#include "zarr/blosc1.h"
#include "util/alloc.h"
#include "util/cpu.h"
#include "util/endian.h"

#include <lz4.h>
#include <stdbool.h>
#include <pthread.h>
#include <string.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY /* the buffer-less decompression API */
#include <zstd.h>

#define HDR	      16
#define FL_MEMCPYED   0x02
#define FL_BITSHUFFLE 0x04
#define CODE_LZ4      1
#define CODE_ZLIB     3
#define CODE_ZSTD     4

int blosc1_open(const uint8_t *p, size_t len, struct blosc1_frame *f)
{
	size_t nb, bs, code;

	memset(f, 0, sizeof(*f));
	if (len < HDR || p[0] != 2 || p[3] != 1 || (p[2] & FL_MEMCPYED))
		return BLOSC1_OTHER;
	code = (size_t)(p[2] >> 5) & 7;
	if (code != CODE_LZ4 && code != CODE_ZLIB && code != CODE_ZSTD)
		return BLOSC1_OTHER;
	nb = bf_load_le32(p + 4);
	bs = bf_load_le32(p + 8);
	if (nb == 0 || bs == 0 || bs > nb || nb > INT32_MAX)
		return BLOSC1_OTHER;
	f->nblocks = (nb + bs - 1) / bs;
	if (f->nblocks > (len - HDR) / 4)
		return BLOSC1_OTHER;
	f->p = p;
	f->len = len;
	f->nbytes = nb;
	f->blocksize = bs;
	f->flags = p[2];
	return 0;
}

/* ---- decoder contexts ---- */

struct blosc1_dctx {
	ZSTD_DCtx *zstd; /* made on the first zstd block */
	uint8_t *tmp;	 /* one block, for bit-shuffled blocks */
	size_t tmp_cap;
};

struct blosc1_dctx *blosc1_dctx_create(void)
{
	return bf_calloc(1, sizeof(struct blosc1_dctx));
}

void blosc1_dctx_free(struct blosc1_dctx *t)
{
	if (!t)
		return;
	ZSTD_freeDCtx(t->zstd);
	bf_free(t->tmp);
	bf_free(t);
}

/* The caller's context, or a temporary one (freed by ctx_done) when it passed NULL. */
static struct blosc1_dctx *ctx_get(struct blosc1_dctx *dc)
{
	return dc ? dc : blosc1_dctx_create();
}

static void ctx_done(struct blosc1_dctx *dc, struct blosc1_dctx *t)
{
	if (t != dc)
		blosc1_dctx_free(t);
}

/* ---- bit-unshuffle of one-byte items ---- */

/* Transpose the 8x8 bit matrix in x: bit 8r + c <-> bit 8c + r. */
static inline uint64_t transpose8(uint64_t x)
{
	uint64_t t;

	t = (x ^ (x >> 7)) & 0x00AA00AA00AA00AAull;
	x ^= t ^ (t << 7);
	t = (x ^ (x >> 14)) & 0x0000CCCC0000CCCCull;
	x ^= t ^ (t << 14);
	t = (x ^ (x >> 28)) & 0x00000000F0F0F0F0ull;
	x ^= t ^ (t << 28);
	return x;
}

/* Columns c0.. of the 8 rows (ncol bytes each): item 8c + k, bit b = row b, byte c, bit k. */
static void unshuffle1_scalar(const uint8_t *in, uint8_t *out, size_t c0, size_t ncol)
{
	for (size_t c = c0; c < ncol; c++) {
		uint64_t x = 0;

		for (unsigned b = 0; b < 8; b++)
			x |= (uint64_t)in[b * ncol + c] << (8 * b);
		x = transpose8(x);
		for (unsigned k = 0; k < 8; k++)
			out[8 * c + k] = (uint8_t)(x >> (8 * k));
	}
}

#if BF_HAVE_X86
__attribute__((target("avx2"))) static inline __m256i transpose8_avx2(__m256i x)
{
	const __m256i m1 = _mm256_set1_epi64x(0x00AA00AA00AA00AAll);
	const __m256i m2 = _mm256_set1_epi64x(0x0000CCCC0000CCCCll);
	const __m256i m3 = _mm256_set1_epi64x(0x00000000F0F0F0F0ll);
	__m256i t;

	t = _mm256_and_si256(_mm256_xor_si256(x, _mm256_srli_epi64(x, 7)), m1);
	x = _mm256_xor_si256(x, _mm256_xor_si256(t, _mm256_slli_epi64(t, 7)));
	t = _mm256_and_si256(_mm256_xor_si256(x, _mm256_srli_epi64(x, 14)), m2);
	x = _mm256_xor_si256(x, _mm256_xor_si256(t, _mm256_slli_epi64(t, 14)));
	t = _mm256_and_si256(_mm256_xor_si256(x, _mm256_srli_epi64(x, 28)), m3);
	x = _mm256_xor_si256(x, _mm256_xor_si256(t, _mm256_slli_epi64(t, 28)));
	return x;
}

/*
 * 32 columns at a time: the 8 rows' bytes are interleaved into one 64-bit
 * word per column (three rounds of unpacks, within 128-bit lanes), each
 * word's bit matrix is transposed, and the lanes are stored in order.
 * @return the first column left for the scalar loop.
 */
__attribute__((target("avx2"))) static size_t unshuffle1_avx2(const uint8_t *in, uint8_t *out,
							      size_t ncol)
{
	size_t c;

	for (c = 0; c + 32 <= ncol; c += 32) {
		__m256i r[8], a[8], e[8], g[8];

		for (unsigned b = 0; b < 8; b++)
			r[b] = _mm256_loadu_si256((const __m256i *)(in + b * ncol + c));
		for (unsigned i = 0; i < 4; i++) { /* byte pairs: rows 2i, 2i+1 */
			a[2 * i] = _mm256_unpacklo_epi8(r[2 * i], r[2 * i + 1]);
			a[2 * i + 1] = _mm256_unpackhi_epi8(r[2 * i], r[2 * i + 1]);
		}
		for (unsigned i = 0; i < 2; i++) { /* rows 4i .. 4i+3 */
			e[4 * i] = _mm256_unpacklo_epi16(a[4 * i], a[4 * i + 2]);
			e[4 * i + 1] = _mm256_unpackhi_epi16(a[4 * i], a[4 * i + 2]);
			e[4 * i + 2] = _mm256_unpacklo_epi16(a[4 * i + 1], a[4 * i + 3]);
			e[4 * i + 3] = _mm256_unpackhi_epi16(a[4 * i + 1], a[4 * i + 3]);
		}
		for (unsigned i = 0; i < 4; i++) { /* all 8 rows: columns 4i .. 4i+3 of a lane */
			g[2 * i] = transpose8_avx2(_mm256_unpacklo_epi32(e[i], e[4 + i]));
			g[2 * i + 1] = transpose8_avx2(_mm256_unpackhi_epi32(e[i], e[4 + i]));
		}
		/* g[j]: lane 0 columns c + 2j, 2j+1; lane 1 columns c + 16 + 2j, 2j+1 */
		for (unsigned j = 0; j < 8; j += 2) {
			_mm256_storeu_si256((__m256i *)(out + 8 * c + 16 * j),
					    _mm256_permute2x128_si256(g[j], g[j + 1], 0x20));
			_mm256_storeu_si256((__m256i *)(out + 8 * c + 128 + 16 * j),
					    _mm256_permute2x128_si256(g[j], g[j + 1], 0x31));
		}
	}
	return c;
}
#endif

void blosc1_bitunshuffle1(const uint8_t *in, uint8_t *out, size_t n)
{
	size_t ncol = n / 8, c = 0;

#if BF_HAVE_X86
	if (bf_cpu_avx2())
		c = unshuffle1_avx2(in, out, ncol);
#endif
	unshuffle1_scalar(in, out, c, ncol);
}

/* ---- blocks ---- */

/* Block k into dst; bit-shuffled blocks stay bit planes when `planes`. */
/*
 * The first `want` bytes of a zstd frame of `cap` decoded bytes, block by
 * block with zstd's buffer-less API, stopping once they are out.
 * @return 0 or -1.
 */
static int zstd_prefix(ZSTD_DCtx *d, uint8_t *dst, size_t cap, const uint8_t *src, size_t len,
		       size_t want)
{
	size_t got = 0;

	if (ZSTD_isError(ZSTD_decompressBegin(d)))
		return -1;
	while (got < want) {
		size_t n = ZSTD_nextSrcSizeToDecompress(d), r;

		if (n == 0 || n > len) /* the frame ended early, or is cut */
			return -1;
		r = ZSTD_decompressContinue(d, dst + got, cap - got, src, n);
		if (ZSTD_isError(r))
			return -1;
		src += n;
		len -= n;
		got += r;
	}
	return 0;
}

/*
 * Block k of f into dst: unshuffled, or as bit planes when `planes` (then
 * only the first `want` bytes are certain, see blosc1_block_planes).
 */
static int block(const struct blosc1_frame *f, struct blosc1_dctx *t, size_t k, uint8_t *dst,
		 bool planes, size_t want)
{
	size_t bl = k + 1 < f->nblocks ? f->blocksize : f->nbytes - k * f->blocksize;
	size_t at = bf_load_le32(f->p + HDR + 4 * k), cb;
	bool unshuffle = !planes && (f->flags & FL_BITSHUFFLE) && bl % 8 == 0;
	uint8_t *to = dst;
	const uint8_t *src;

	if (at > f->len || f->len - at < 4)
		return -1;
	cb = bf_load_le32(f->p + at);
	src = f->p + at + 4;
	if (cb > f->len - at - 4)
		return -1;
	if (unshuffle) {
		if (t->tmp_cap < bl) {
			bf_free(t->tmp);
			t->tmp_cap = 0;
			if (!(t->tmp = bf_malloc(bl)))
				return -1;
			t->tmp_cap = bl;
		}
		to = t->tmp;
	}
	if (!planes || want > bl)
		want = bl;
	if (cb == bl) {
		memcpy(to, src, want);
	} else {
		switch ((f->flags >> 5) & 7) {
		case CODE_ZSTD: {
			size_t r;

			if (!t->zstd && !(t->zstd = ZSTD_createDCtx()))
				return -1;
			if (want < bl)
				return zstd_prefix(t->zstd, to, bl, src, cb, want);
			r = ZSTD_decompressDCtx(t->zstd, to, bl, src, cb);
			if (ZSTD_isError(r) || r != bl)
				return -1;
			break;
		}
		case CODE_LZ4:
			if (cb > INT32_MAX || bl > INT32_MAX)
				return -1;
			if (want < bl) {
				if (LZ4_decompress_safe_partial((const char *)src, (char *)to,
								(int)cb, (int)want,
								(int)bl) < (int)want)
					return -1;
				break;
			}
			if (LZ4_decompress_safe((const char *)src, (char *)to, (int)cb, (int)bl) !=
			    (int)bl)
				return -1;
			break;
		case CODE_ZLIB: {
			uLongf dl = (uLongf)bl;

			if (uncompress(to, &dl, src, (uLong)cb) != Z_OK || dl != bl)
				return -1;
			break;
		}
		default:
			return -1;
		}
	}
	if (unshuffle)
		blosc1_bitunshuffle1(t->tmp, dst, bl);
	return 0;
}

int blosc1_blocks(const struct blosc1_frame *f, size_t k0, size_t k1, uint8_t *dst,
		  struct blosc1_dctx *dc)
{
	struct blosc1_dctx *t;
	int rc = 0;

	if (k0 > k1 || k1 >= f->nblocks || !(t = ctx_get(dc)))
		return -1;
	for (size_t k = k0; k <= k1 && rc == 0; k++)
		rc = block(f, t, k, dst + (k - k0) * f->blocksize, false, 0) < 0 ? -1 : 0;
	ctx_done(dc, t);
	return rc;
}

bool blosc1_planes_ok(const struct blosc1_frame *f)
{
	return (f->flags & FL_BITSHUFFLE) && f->blocksize % 8 == 0 && f->nbytes % 8 == 0;
}

int blosc1_block_planes(const struct blosc1_frame *f, size_t k, unsigned nplanes, uint8_t *dst,
			struct blosc1_dctx *dc)
{
	struct blosc1_dctx *t;
	size_t bl;
	int rc;

	if (k >= f->nblocks || !blosc1_planes_ok(f) || nplanes < 1 || nplanes > 8 ||
	    !(t = ctx_get(dc)))
		return -1;
	bl = k + 1 < f->nblocks ? f->blocksize : f->nbytes - k * f->blocksize;
	rc = block(f, t, k, dst, true, bl / 8 * nplanes);
	ctx_done(dc, t);
	return rc;
}

int blosc1_range(const struct blosc1_frame *f, size_t byte0, size_t n, uint8_t *out,
		 struct blosc1_dctx *dc)
{
	size_t bs = f->blocksize, k0, k1;

	if (n == 0)
		return 0;
	if (byte0 > f->nbytes || n > f->nbytes - byte0)
		return -1;
	k0 = byte0 / bs;
	k1 = (byte0 + n - 1) / bs;
	for (size_t k = k0; k <= k1; k++) {
		size_t b0 = k * bs, b1 = b0 + bs < f->nbytes ? b0 + bs : f->nbytes;
		size_t from = b0 > byte0 ? b0 : byte0, to = b1 < byte0 + n ? b1 : byte0 + n;

		if (from == b0 && to == b1) {
			if (blosc1_blocks(f, k, k, out + (b0 - byte0), dc) < 0)
				return -1;
		} else {
			/* a block cut by the range: decode it whole beside, keep the overlap */
			uint8_t *tmp = bf_malloc(b1 - b0);
			int rc = tmp ? blosc1_blocks(f, k, k, tmp, dc) : -1;

			if (rc == 0)
				memcpy(out + (from - byte0), tmp + (from - b0), to - from);
			bf_free(tmp);
			if (rc < 0)
				return -1;
		}
	}
	return 0;
}
