/*
 * drain.c - a stream into a file descriptor (see drain.h).
 */
#include "util/bf_config.h"

#include "cli/drain.h"
#include "cli/progress.h"
#include "cli/stdout_mark.h"
#include "engine/sidecar.h"
#include "engine/stream.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

struct drain_sink {
	int fd;
	off_t base; /* positional writes: fd's offset when the drain began */
	const char *name;
	uint64_t done;
	struct progress pr;
};

static int drain_write(void *ctx, const uint8_t *p, size_t n, struct bf_err *err)
{
	struct drain_sink *d = ctx;
	int rc = sidecar_write_all(d->fd, p, n, d->name, err);

	if (rc < 0)
		return rc;
	d->done += n;
	progress_update(&d->pr, d->done);
	return 0;
}

/* The positional sink: pwrite at the stream offset past where fd stood. */
static int drain_pwrite(void *ctx, uint64_t off, const uint8_t *p, size_t n, struct bf_err *err)
{
	struct drain_sink *d = ctx;
	off_t at = d->base + (off_t)off;

	while (n > 0) {
		ssize_t w = pwrite(d->fd, p, n, at);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return bf_err_sys(err, BF_E_IO, "cannot write '%s'", d->name);
		if (w == 0)
			return bf_err_set(err, BF_E_IO, "cannot write '%s': nothing written",
					  d->name);
		p += w;
		n -= (size_t)w;
		at += w;
	}
	return 0;
}

static void drain_progress(void *ctx, uint64_t done)
{
	struct drain_sink *d = ctx;

	progress_update(&d->pr, done);
}

/*
 * Drain a stream into `fd`, writing straight from the encoded chunks: by
 * position from the encoder threads when fd takes it (a regular file not
 * opened for appending, /dev/null), so no chunk waits for an earlier one;
 * else in order.
 */
int drain_stream(struct stream *st, int fd, const char *name, struct bf_err *err)
{
	struct drain_sink d = {.fd = fd, .name = name};
	struct stdout_mark m;
	int fl = fcntl(fd, F_GETFL), rc;

	stdout_mark(fd, &m);
	progress_start(&d.pr, stream_size(st));
	if ((m.kind == STDOUT_FILE && fl >= 0 && !(fl & O_APPEND)) || m.kind == STDOUT_NULL) {
		d.base = m.kind == STDOUT_FILE ? m.start : 0;
		rc = stream_drain_at(st, drain_pwrite, drain_progress, &d, err);
		/* leave the offset where writing in order would have */
		if (rc == 0 && m.kind == STDOUT_FILE &&
		    lseek(fd, d.base + (off_t)stream_size(st), SEEK_SET) < 0)
			rc = bf_err_sys(err, BF_E_IO, "cannot seek '%s'", name);
	} else {
		rc = stream_drain(st, 0, drain_write, &d, err);
	}
	progress_end(&d.pr);
	return rc;
}
