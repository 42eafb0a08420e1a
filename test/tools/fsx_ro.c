/*
 * fsx_ro.c - a read-only fsx: random reads of a file checked against a copy
 * (a test tool; the reference's fs_tests fsx).
 *
 * Usage: fsx_ro FILE REFERENCE SEED OPS
 * Each operation picks a random offset and a size of 1 .. min(1 MiB, what is
 * left), then reads it either with pread or by copying from a PROT_READ
 * mapping of the whole FILE (50/50), and compares with REFERENCE (a regular
 * file on disk, e.g. the view-plink output).  Prints one line of figures:
 * operations, preads, mapped reads, short preads, bytes, mismatches, errors
 * and the slowest operation.  Exit 0 when every operation matched, 1 on any
 * mismatch or error, 2 on a usage error.
 */
#include "util/bf_config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FSX_MAX_OP (1u << 20)

/* xorshift64*: the sequence depends on the seed only */
static uint64_t fsx_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static double fsx_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int fsx_map(const char *path, uint8_t **p, size_t *len, int *fd_out)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size <= 0) {
		fprintf(stderr, "Error: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	*len = (size_t)st.st_size;
	*p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (*p == MAP_FAILED) {
		fprintf(stderr, "Error: cannot map '%s': %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	*fd_out = fd;
	return 0;
}

int main(int argc, char **argv)
{
	uint8_t *file, *ref, *buf;
	size_t flen, rlen;
	int fd, rfd;
	uint64_t seed, ops, i, n_pread = 0, n_map = 0, n_short = 0, bytes = 0, bad = 0, errs = 0;
	double worst = 0;

	if (argc != 5) {
		fprintf(stderr, "usage: fsx_ro FILE REFERENCE SEED OPS\n");
		return 2;
	}
	seed = strtoull(argv[3], NULL, 10) * 0x9E3779B97F4A7C15ull + 1;
	ops = strtoull(argv[4], NULL, 10);
	if (fsx_map(argv[1], &file, &flen, &fd) < 0 || fsx_map(argv[2], &ref, &rlen, &rfd) < 0)
		return 1;
	if (flen != rlen) {
		fprintf(stderr, "Error: sizes differ: %zu and %zu\n", flen, rlen);
		return 1;
	}
	buf = malloc(FSX_MAX_OP);
	if (!buf)
		return 1;
	for (i = 0; i < ops; i++) {
		uint64_t off = fsx_next(&seed) % flen;
		uint64_t most = flen - off < FSX_MAX_OP ? flen - off : FSX_MAX_OP;
		size_t len = (size_t)(fsx_next(&seed) % most) + 1;
		double t0 = fsx_now(), dt;

		if (fsx_next(&seed) & 1) {
			size_t got = 0;

			n_pread++;
			while (got < len) {
				ssize_t r = pread(fd, buf + got, len - got, (off_t)(off + got));

				if (r < 0 && errno == EINTR)
					continue;
				if (r <= 0) {
					if (r < 0)
						fprintf(stderr,
							"op %" PRIu64 ": pread at %" PRIu64
							": %s\n",
							i, off + got, strerror(errno));
					else
						fprintf(stderr,
							"op %" PRIu64 ": EOF at %" PRIu64 "\n", i,
							off + got);
					errs++;
					break;
				}
				if ((size_t)r < len - got)
					n_short++;
				got += (size_t)r;
			}
			if (got == len && memcmp(buf, ref + off, len) != 0) {
				fprintf(stderr,
					"op %" PRIu64 ": pread of %zu at %" PRIu64 " differs\n", i,
					len, off);
				bad++;
			}
		} else {
			n_map++;
			memcpy(buf, file + off, len);
			if (memcmp(buf, ref + off, len) != 0) {
				fprintf(stderr,
					"op %" PRIu64 ": mapped read of %zu at %" PRIu64
					" differs\n",
					i, len, off);
				bad++;
			}
		}
		bytes += len;
		dt = fsx_now() - t0;
		if (dt > worst)
			worst = dt;
	}
	printf("fsx_ro seed %s: %" PRIu64 " ops (%" PRIu64 " pread, %" PRIu64 " mmap), %" PRIu64
	       " short preads, %" PRIu64 " bytes, %" PRIu64 " mismatches, %" PRIu64
	       " errors, slowest op %.1f ms\n",
	       argv[3], ops, n_pread, n_map, n_short, bytes, bad, errs, worst * 1e3);
	munmap(file, flen);
	munmap(ref, rlen);
	close(fd);
	close(rfd);
	free(buf);
	return bad || errs ? 1 : 0;
}
