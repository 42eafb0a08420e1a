/*
 * bgen_planes.c - BGEN genotype blocks of diploid rows straight from blosc
 * bit planes (see bgen_fixed_planes in bgen.h): a portable 64-bit loop, an
 * AVX2 and an AVX-512 (F, BW, VPOPCNTDQ, BMI2) kernel, chosen at run time
 * by util/cpu (tests and benches can cap the level).
 */
#include "util/bf_config.h"

#include "format/bgen.h"
#include "format/bgen_internal.h"
#include "util/cpu.h"

#include <pthread.h>
#include <string.h>

#if BF_HAVE_X86
#include <immintrin.h>
#endif

/* x's bytes spread to 0x00 / 0xFF: table[m] has byte i = 0xFF when bit i of m is set. */
static uint64_t spread8[256];
/* table[m]: byte k (k < 4) = 0x80 when bit 2k of m is clear (sample k missing), OR 0x02 */
static uint32_t ploidy4[256];
static pthread_once_t planes_once = PTHREAD_ONCE_INIT;

static void planes_tables(void)
{
	for (unsigned m = 0; m < 256; m++) {
		uint64_t x = 0;
		uint32_t y = 0;

		for (unsigned i = 0; i < 8; i++)
			if (m >> i & 1)
				x |= (uint64_t)0xFF << (8 * i);
		for (unsigned k = 0; k < 4; k++)
			y |= (uint32_t)(m >> (2 * k) & 1 ? 0x02 : 0x82) << (8 * k);
		spread8[m] = x;
		ploidy4[m] = y;
	}
}

/*
 * Samples [s0, s0 + 4 * nbytes) of one diploid variant from the bit planes
 * of its genotype bytes (plane b's byte j: bit b of bytes 8j .. 8j + 7, that
 * is of samples 4j .. 4j + 3): per 64 genotype bytes, masks of the values
 * 0, 1 and -1 (the only ones a fixed-size diploid variant may hold) give the
 * probability bytes directly (0xFF or 0x00 per byte, in genotype order) and
 * the ploidy bytes (0x02, or 0x82 for a missing call).  `geno` is the
 * variant's genotype block (bgen_fixed_geno_offset into its bytes).
 * @return 0, or 1 when some value is not in {-1, 0, 1}: the caller then
 * encodes the variant from bytes, whose loop reports it.
 */
/* The even bits of x packed into 32 bits (bit 2i -> bit i). */
static inline uint32_t even_bits(uint64_t x)
{
	x &= 0x5555555555555555ull;
	x = (x | x >> 1) & 0x3333333333333333ull;
	x = (x | x >> 2) & 0x0F0F0F0F0F0F0F0Full;
	x = (x | x >> 4) & 0x00FF00FF00FF00FFull;
	x = (x | x >> 8) & 0x0000FFFF0000FFFFull;
	return (uint32_t)(x | x >> 16);
}

/* Sum of the indexes of the set bits of x. */
static inline uint64_t bit_index_sum(uint64_t x)
{
	return (uint64_t)__builtin_popcountll(x & 0xAAAAAAAAAAAAAAAAull) +
	       2 * (uint64_t)__builtin_popcountll(x & 0xCCCCCCCCCCCCCCCCull) +
	       4 * (uint64_t)__builtin_popcountll(x & 0xF0F0F0F0F0F0F0F0ull) +
	       8 * (uint64_t)__builtin_popcountll(x & 0xFF00FF00FF00FF00ull) +
	       16 * (uint64_t)__builtin_popcountll(x & 0xFFFF0000FFFF0000ull) +
	       32 * (uint64_t)__builtin_popcountll(x & 0xFFFFFFFF00000000ull);
}

/*
 * Add `ns` samples from sample `base` on to the byte sums of their genotype
 * block (acc[0] = sum of the bytes, acc[1] = sum of 1-based position times
 * byte): E has a bit per probability byte (0xFF when set), `miss` a bit per
 * sample whose ploidy byte is 0x82 (else 0x02).
 */
static inline void sums_add(uint64_t *acc, size_t n_samples, size_t base, size_t ns, uint64_t E,
			    uint64_t miss)
{
	uint64_t p0 = 11 + n_samples + 2 * (uint64_t)base, q0 = 9 + (uint64_t)base;
	uint64_t ones = (uint64_t)__builtin_popcountll(E),
		 nm = (uint64_t)__builtin_popcountll(miss);

	acc[0] += 255 * ones + 2 * ns + 128 * nm;
	acc[1] += 255 * (p0 * ones + bit_index_sum(E)) + 2 * (ns * q0 + ns * (ns - 1) / 2) +
		  128 * (q0 * nm + bit_index_sum(miss));
}

/* Per 8 plane bytes (32 samples): the masks of bgen_fixed_planes; false on other values. */
static inline bool planes_masks(const uint64_t *P, uint64_t valid, int ph, uint64_t *E,
				uint64_t *nm)
{
	const uint64_t m55 = 0x5555555555555555ull;
	uint64_t hi_or = P[1] | P[2] | P[3] | P[4] | P[5] | P[6] | P[7];
	uint64_t hi_and = P[1] & P[2] & P[3] & P[4] & P[5] & P[6] & P[7];
	uint64_t v = ~hi_or, m = P[0] & hi_and; /* values 0 or 1; value -1 */
	uint64_t z, o, az, bz, ao, bo;

	if (((v | m) & valid) != valid)
		return false;
	z = v & ~P[0];
	o = v & P[0];
	*nm = v & (v >> 1) & m55; /* both slots called, at the sample's even bit */
	az = z & m55;
	bz = (z >> 1) & m55;
	ao = o & m55;
	bo = (o >> 1) & m55;
	*E = ph ? z & (*nm | *nm << 1) : (az & bz) | ((*nm & (ao ^ bo)) << 1);
	return true;
}

#if BF_HAVE_X86
/* 32 mask bits to 32 bytes of 0x00 / 0xFF. */
__attribute__((target("avx2"))) static inline __m256i spread32(uint32_t m)
{
	const __m256i sel = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2,
					     2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
	const __m256i bits = _mm256_set1_epi64x((long long)0x8040201008040201ull);
	__m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)m), sel);

	return _mm256_cmpeq_epi8(_mm256_and_si256(v, bits), bits);
}

/*
 * Add the byte sums of plane bytes [j0, j1) of one bgen_fixed_planes call
 * (see sums_add) from tallies over its 64-bit words (word w: plane bytes
 * 8w .., samples s0 + 32w ..): t[0] set bits, t[1] set bits times w,
 * t[2] the bits' indexes within their word; e for the probability masks,
 * m for the missing samples (at their even bits).
 */
static void planes_sums(uint64_t *acc, size_t n_samples, size_t s0, size_t j0, size_t j1,
			const uint64_t *e, const uint64_t *m)
{
	uint64_t ns = 4 * (uint64_t)(j1 - j0), q = 9 + (uint64_t)s0 + 4 * (uint64_t)j0;

	acc[0] += 255 * e[0] + 2 * ns + 128 * m[0];
	acc[1] += 255 * ((11 + n_samples + 2 * (uint64_t)s0) * e[0] + 64 * e[1] + e[2]) +
		  2 * (ns * q + (ns ? ns * (ns - 1) / 2 : 0)) +
		  128 * ((9 + (uint64_t)s0) * m[0] + 32 * m[1] + m[2] / 2);
}

/* Per 64-bit lane of x: the number of set bits, and the sum of their indexes. */
__attribute__((target("avx2"))) static inline void lane_bits(__m256i x, __m256i *count,
							     __m256i *index_sum)
{
	const __m256i cnt = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1,
					     1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
	/* the positions of a nibble's set bits, added up */
	const __m256i pos = _mm256_setr_epi8(0, 0, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6, 0, 0,
					     1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6);
	const __m256i low = _mm256_set1_epi8(0x0F), zero = _mm256_setzero_si256();
	/* the bytes of a lane whose index has bit 0, 1, 2 set */
	const __m256i k1 = _mm256_set1_epi64x((long long)0xFF00FF00FF00FF00ull);
	const __m256i k2 = _mm256_set1_epi64x((long long)0xFFFF0000FFFF0000ull);
	const __m256i k4 = _mm256_set1_epi64x((long long)0xFFFFFFFF00000000ull);
	__m256i lo = _mm256_and_si256(x, low), hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), low);
	__m256i ch = _mm256_shuffle_epi8(cnt, hi);
	__m256i c = _mm256_add_epi8(_mm256_shuffle_epi8(cnt, lo), ch); /* bits per byte */
	/* index sum within each byte: low nibble's, high nibble's, 4 per high bit */
	__m256i w = _mm256_add_epi8(
	    _mm256_add_epi8(_mm256_shuffle_epi8(pos, lo), _mm256_shuffle_epi8(pos, hi)),
	    _mm256_slli_epi16(ch, 2));
	/* sum over bytes B of B * bits, from its binary digits */
	__m256i by = _mm256_add_epi64(
	    _mm256_sad_epu8(_mm256_and_si256(c, k1), zero),
	    _mm256_add_epi64(_mm256_slli_epi64(_mm256_sad_epu8(_mm256_and_si256(c, k2), zero), 1),
			     _mm256_slli_epi64(_mm256_sad_epu8(_mm256_and_si256(c, k4), zero), 2)));

	*count = _mm256_sad_epu8(c, zero);
	*index_sum = _mm256_add_epi64(_mm256_sad_epu8(w, zero), _mm256_slli_epi64(by, 3));
}

/* Sum of the four 64-bit lanes. */
__attribute__((target("avx2"))) static inline uint64_t lanes_sum(__m256i x)
{
	uint64_t v[4];

	_mm256_storeu_si256((__m256i *)v, x);
	return v[0] + v[1] + v[2] + v[3];
}

/*
 * Whole 32-byte groups of bgen_fixed_planes from plane byte j, with the
 * byte sums tallied per lane in vector popcounts (nibble tables).
 * @return plane bytes done, or SIZE_MAX.
 */
__attribute__((target("avx2"))) static size_t
fixed_planes_avx2(const uint8_t *planes, size_t stride, size_t j, size_t nbytes, int ph,
		  uint8_t *pl, uint8_t *pr, size_t s0, size_t n_samples, uint64_t *acc)
{
	const __m256i x82 = _mm256_set1_epi8((char)0x82), x80 = _mm256_set1_epi8((char)0x80);
	const __m256i m55 = _mm256_set1_epi8(0x55), ones = _mm256_set1_epi8(-1);
	const __m256i four = _mm256_set1_epi64x(4);
	__m256i idx = _mm256_setr_epi64x((long long)(j / 8), (long long)(j / 8 + 1),
					 (long long)(j / 8 + 2), (long long)(j / 8 + 3));
	__m256i en = _mm256_setzero_si256(), ew = en, eb = en, mn = en, mw = en, mb = en;
	size_t j0 = j;
	uint64_t et[3], mt[3];

	for (; j + 32 <= nbytes; j += 32) {
		__m256i P[8], hi_or, hi_and, v, m, z, o, nm, E, t, miss, c, ix, ev;
		uint64_t e[4], w[4];

		for (unsigned b = 0; b < 8; b++)
			P[b] = _mm256_loadu_si256((const __m256i *)(planes + b * stride + j));
		hi_or = _mm256_or_si256(
		    _mm256_or_si256(_mm256_or_si256(P[1], P[2]), _mm256_or_si256(P[3], P[4])),
		    _mm256_or_si256(_mm256_or_si256(P[5], P[6]), P[7]));
		hi_and = _mm256_and_si256(
		    _mm256_and_si256(_mm256_and_si256(P[1], P[2]), _mm256_and_si256(P[3], P[4])),
		    _mm256_and_si256(_mm256_and_si256(P[5], P[6]), P[7]));
		v = _mm256_andnot_si256(hi_or, ones);
		m = _mm256_and_si256(P[0], hi_and);
		t = _mm256_or_si256(v, m);
		if (!_mm256_testc_si256(t, ones))
			return SIZE_MAX;
		z = _mm256_andnot_si256(P[0], v);
		o = _mm256_and_si256(v, P[0]);
		/* both slots called, at the sample's even bit (shifts stay inside 64-bit lanes) */
		nm = _mm256_and_si256(_mm256_and_si256(v, _mm256_srli_epi64(v, 1)), m55);
		if (ph) {
			E = _mm256_and_si256(z, _mm256_or_si256(nm, _mm256_slli_epi64(nm, 1)));
		} else {
			__m256i az = _mm256_and_si256(z, m55);
			__m256i bz = _mm256_and_si256(_mm256_srli_epi64(z, 1), m55);
			__m256i ao = _mm256_and_si256(o, m55);
			__m256i bo = _mm256_and_si256(_mm256_srli_epi64(o, 1), m55);
			__m256i het = _mm256_and_si256(nm, _mm256_xor_si256(ao, bo));

			E = _mm256_or_si256(_mm256_and_si256(az, bz), _mm256_slli_epi64(het, 1));
		}
		lane_bits(E, &c, &ix);
		en = _mm256_add_epi64(en, c);
		ew = _mm256_add_epi64(ew, _mm256_mul_epu32(c, idx));
		eb = _mm256_add_epi64(eb, ix);
		miss = _mm256_andnot_si256(nm, m55);
		lane_bits(miss, &c, &ix);
		mn = _mm256_add_epi64(mn, c);
		mw = _mm256_add_epi64(mw, _mm256_mul_epu32(c, idx));
		mb = _mm256_add_epi64(mb, ix);
		idx = _mm256_add_epi64(idx, four);
		/* the called samples' bits packed to the low 32 of each lane */
		ev = nm;
		ev = _mm256_and_si256(_mm256_or_si256(ev, _mm256_srli_epi64(ev, 1)),
				      _mm256_set1_epi64x(0x3333333333333333ll));
		ev = _mm256_and_si256(_mm256_or_si256(ev, _mm256_srli_epi64(ev, 2)),
				      _mm256_set1_epi64x(0x0F0F0F0F0F0F0F0Fll));
		ev = _mm256_and_si256(_mm256_or_si256(ev, _mm256_srli_epi64(ev, 4)),
				      _mm256_set1_epi64x(0x00FF00FF00FF00FFll));
		ev = _mm256_and_si256(_mm256_or_si256(ev, _mm256_srli_epi64(ev, 8)),
				      _mm256_set1_epi64x(0x0000FFFF0000FFFFll));
		ev = _mm256_or_si256(ev, _mm256_srli_epi64(ev, 16));
		_mm256_storeu_si256((__m256i *)e, E);
		_mm256_storeu_si256((__m256i *)w, ev);
		for (unsigned k = 0; k < 4; k++) {
			uint8_t *q = pr + 8 * (j + 8 * k);

			_mm256_storeu_si256((__m256i *)q, spread32((uint32_t)e[k]));
			_mm256_storeu_si256((__m256i *)(q + 32), spread32((uint32_t)(e[k] >> 32)));
			_mm256_storeu_si256(
			    (__m256i *)(pl + 4 * (j + 8 * k)),
			    _mm256_xor_si256(x82, _mm256_and_si256(spread32((uint32_t)w[k]), x80)));
		}
	}
	et[0] = lanes_sum(en);
	et[1] = lanes_sum(ew);
	et[2] = lanes_sum(eb);
	mt[0] = lanes_sum(mn);
	mt[1] = lanes_sum(mw);
	mt[2] = lanes_sum(mb);
	planes_sums(acc, n_samples, s0, j0, j, et, mt);
	return j;
}

/* Sum over the 64-bit lanes of x of the indexes of their set bits. */
__attribute__((target("avx512f,avx512vpopcntdq"))) static inline __m512i bit_index_sum512(__m512i x)
{
	static const uint64_t sel[6] = {0xAAAAAAAAAAAAAAAAull, 0xCCCCCCCCCCCCCCCCull,
					0xF0F0F0F0F0F0F0F0ull, 0xFF00FF00FF00FF00ull,
					0xFFFF0000FFFF0000ull, 0xFFFFFFFF00000000ull};
	__m512i s = _mm512_setzero_si512();

	for (int k = 5; k >= 0; k--) {
		__m512i c =
		    _mm512_popcnt_epi64(_mm512_and_si512(x, _mm512_set1_epi64((long long)sel[k])));

		s = _mm512_add_epi64(_mm512_add_epi64(s, s), c);
	}
	return s;
}

/*
 * Whole 64-byte groups of bgen_fixed_planes with AVX-512: eight 64-bit
 * words (256 samples) an iteration, the probability and ploidy bytes made
 * from mask registers (vpmovm2b, a blend), and the byte sums of sums_add
 * kept per lane in vector popcounts until the end.
 * @return plane bytes done, or SIZE_MAX.
 */
__attribute__((target("avx512f,avx512bw,avx512vpopcntdq,avx512dq,bmi2,popcnt"))) static size_t
fixed_planes_avx512(const uint8_t *planes, size_t stride, size_t nbytes, int ph, uint8_t *pl,
		    uint8_t *pr, size_t s0, size_t n_samples, uint64_t *acc)
{
	const __m512i m55 = _mm512_set1_epi8(0x55), x82 = _mm512_set1_epi8((char)0x82),
		      x02 = _mm512_set1_epi8(2), eight = _mm512_set1_epi64(8);
	__m512i idx = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
	__m512i e_n = _mm512_setzero_si512(), e_w = e_n, e_b = e_n; /* probability bytes */
	__m512i m_n = e_n, m_w = e_n, m_b = e_n;		    /* missing samples */
	uint64_t et[3], mt[3];
	size_t j;

	for (j = 0; j + 64 <= nbytes; j += 64) {
		__m512i P[8], hi_or, hi_and, v, z, o, nm, E, miss, c;
		uint64_t e[8], w[8];

		for (unsigned b = 0; b < 8; b++)
			P[b] = _mm512_loadu_si512((const void *)(planes + b * stride + j));
		/* 0xFE: a | b | c, 0x80: a & b & c */
		hi_or = _mm512_ternarylogic_epi64(
		    _mm512_ternarylogic_epi64(P[1], P[2], P[3], 0xFE), P[4],
		    _mm512_ternarylogic_epi64(P[5], P[6], P[7], 0xFE), 0xFE);
		hi_and = _mm512_ternarylogic_epi64(
		    _mm512_ternarylogic_epi64(P[1], P[2], P[3], 0x80), P[4],
		    _mm512_ternarylogic_epi64(P[5], P[6], P[7], 0x80), 0x80);
		/* a byte that is neither 0/1 (no high bit) nor -1 (every bit):
		 * hi_or & ~(P0 & hi_and), 0x70 = a & ~(b & c) */
		if (_mm512_test_epi64_mask(_mm512_ternarylogic_epi64(hi_or, P[0], hi_and, 0x70),
					   _mm512_set1_epi64(-1)))
			return SIZE_MAX;
		v = _mm512_ternarylogic_epi64(hi_or, hi_or, hi_or, 0x0F); /* ~hi_or */
		z = _mm512_andnot_si512(P[0], v);
		o = _mm512_and_si512(P[0], v);
		/* both slots called, at the sample's even bit (shifts stay inside lanes) */
		nm = _mm512_ternarylogic_epi64(v, _mm512_srli_epi64(v, 1), m55, 0x80);
		if (ph) {
			E = _mm512_and_si512(z, _mm512_or_si512(nm, _mm512_slli_epi64(nm, 1)));
		} else {
			__m512i aa =
			    _mm512_ternarylogic_epi64(z, _mm512_srli_epi64(z, 1), m55, 0x80);
			/* 0x28: (a ^ b) & c */
			__m512i het =
			    _mm512_ternarylogic_epi64(o, _mm512_srli_epi64(o, 1), nm, 0x28);

			E = _mm512_or_si512(aa, _mm512_slli_epi64(het, 1));
		}
		_mm512_storeu_si512((void *)e, E);
		_mm512_storeu_si512((void *)w, nm);
		for (unsigned k = 0; k < 8; k++)
			_mm512_storeu_si512((void *)(pr + 8 * (j + 8 * k)),
					    _mm512_movm_epi8(_cvtu64_mask64(e[k])));
		for (unsigned g = 0; g < 4; g++) {
			uint64_t called = _pext_u64(w[2 * g], 0x5555555555555555ull) |
					  _pext_u64(w[2 * g + 1], 0x5555555555555555ull) << 32;

			_mm512_storeu_si512(
			    (void *)(pl + 4 * j + 64 * g),
			    _mm512_mask_blend_epi8(_cvtu64_mask64(called), x82, x02));
		}
		c = _mm512_popcnt_epi64(E);
		e_n = _mm512_add_epi64(e_n, c);
		e_w = _mm512_add_epi64(e_w, _mm512_mullo_epi64(c, idx));
		e_b = _mm512_add_epi64(e_b, bit_index_sum512(E));
		miss = _mm512_andnot_si512(nm, m55); /* at the sample's even bit */
		c = _mm512_popcnt_epi64(miss);
		m_n = _mm512_add_epi64(m_n, c);
		m_w = _mm512_add_epi64(m_w, _mm512_mullo_epi64(c, idx));
		m_b = _mm512_add_epi64(m_b, bit_index_sum512(miss));
		idx = _mm512_add_epi64(idx, eight);
	}
	et[0] = (uint64_t)_mm512_reduce_add_epi64(e_n);
	et[1] = (uint64_t)_mm512_reduce_add_epi64(e_w);
	et[2] = (uint64_t)_mm512_reduce_add_epi64(e_b);
	mt[0] = (uint64_t)_mm512_reduce_add_epi64(m_n);
	mt[1] = (uint64_t)_mm512_reduce_add_epi64(m_w);
	mt[2] = (uint64_t)_mm512_reduce_add_epi64(m_b);
	planes_sums(acc, n_samples, s0, 0, j, et, mt);
	return j;
}
#endif

int bgen_fixed_planes(const uint8_t *planes, size_t stride, size_t nbytes, size_t s0,
		      size_t n_samples, int ph, uint8_t *geno, uint64_t *acc)
{
	uint8_t *pl = geno + 8 + s0, *pr = geno + 10 + n_samples + 2 * s0;
	size_t j0 = 0;

#if BF_HAVE_X86
	if (bf_cpu_avx512()) {
		j0 = fixed_planes_avx512(planes, stride, nbytes, ph, pl, pr, s0, n_samples, acc);
		if (j0 == SIZE_MAX)
			return 1;
	}
	if (bf_cpu_avx2()) {
		j0 = fixed_planes_avx2(planes, stride, j0, nbytes, ph, pl, pr, s0, n_samples, acc);
		if (j0 == SIZE_MAX)
			return 1;
	}
#endif
	pthread_once(&planes_once, planes_tables);
	for (size_t j = j0; j < nbytes; j += 8) {

		size_t w = nbytes - j < 8 ? nbytes - j : 8; /* plane bytes in this word */
		uint64_t P[8] = {0}, nm, E;
		uint64_t valid = w == 8 ? ~0ull : ((uint64_t)1 << (8 * w)) - 1;

		for (unsigned b = 0; b < 8; b++)
			memcpy(&P[b], planes + b * stride + j, w);
		if (!planes_masks(P, valid, ph, &E, &nm))
			return 1;
		E &= valid;
		nm &= valid;
		sums_add(acc, n_samples, s0 + 4 * j, 4 * w, E,
			 ~(uint64_t)even_bits(nm) & (((uint64_t)1 << (4 * w)) - 1));
		for (size_t k = 0; k < w; k++) {
			uint64_t e8 = spread8[(E >> (8 * k)) & 0xFF];
			uint32_t p4 = ploidy4[(nm >> (8 * k)) & 0xFF];

			memcpy(pr + 8 * (j + k), &e8, 8);
			memcpy(pl + 4 * (j + k), &p4, 4);
		}
	}
	return 0;
}
