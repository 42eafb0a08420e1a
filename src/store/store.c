/*
 * store.c - backend dispatch, key checks and the convenience reader
 * (see store.h).
 */
#include "util/bf_config.h"

#include "store/store.h"
#include "store/store_internal.h"
#include "util/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int store_key_check(const char *key, struct bf_err *err)
{
	const char *p = key;

	if (!key || !*key)
		return bf_err_set(err, BF_E_INVAL, "empty store key");
	if (key[0] == '/')
		return bf_err_set(err, BF_E_INVAL, "absolute store key '%s'", key);
	if (strchr(key, '\\'))
		return bf_err_set(err, BF_E_INVAL, "store key '%s' contains a backslash", key);
	if (key[strlen(key) - 1] == '/')
		return bf_err_set(err, BF_E_INVAL, "store key '%s' ends in a slash", key);
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return bf_err_set(err, BF_E_INVAL, "store key '%s' escapes the store", key);
		p += n;
		if (*p == '/')
			p++;
	}
	return 0;
}

struct store *store_wrap(const struct store_backend *be, void *state, const char *path,
			 struct bf_err *err)
{
	struct store *s = bf_calloc(1, sizeof(*s));

	if (!s || !(s->path = bf_strdup(path ? path : ""))) {
		bf_free(s);
		be->close(state);
		bf_err_set(err, BF_E_NOMEM, "out of memory");
		return NULL;
	}
	s->be = be;
	s->state = state;
	return s;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

static int looks_like_zip(const char *path)
{
	unsigned char sig[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = pread(fd, sig, 4, 0);
	close(fd);
	return n == 4 && sig[0] == 'P' && sig[1] == 'K';
}

bool store_is_remote_url(const char *path)
{
	return !strncmp(path, "http://", 7) || !strncmp(path, "https://", 8) ||
	       !strncmp(path, "s3://", 5);
}

struct store *store_open(const char *path, struct bf_err *err)
{
	return store_open_cfg(path, NULL, err);
}

struct store *store_open_cfg(const char *path, const struct store_config *cfg, struct bf_err *err)
{
	static const struct store_config none;
	struct stat st;
	void *state;

	if (!cfg)
		cfg = &none;
	if (store_config_check(path, cfg, err) < 0)
		return NULL;
	if (store_is_remote_url(path)) {
		const struct store_backend *be = NULL;

		state = store_remote_open(path, cfg, &be, err);
		return state ? store_wrap(be, state, path, err) : NULL;
	}
	if (!strncmp(path, "file://", 7))
		path += 7;
	else if (strstr(path, "://")) {
		bf_err_set(err, BF_E_UNSUPPORTED,
			   "cannot open '%s': only http://, https://, s3:// and file:// URLs are "
			   "supported",
			   path);
		return NULL;
	}
	if (stat(path, &st) != 0) {
		bf_err_sys(err, errno == ENOENT ? BF_E_NOTFOUND : BF_E_IO, "cannot open '%s'",
			   path);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		state = store_local_open(path, err);
		return state ? store_wrap(&store_local_backend, state, path, err) : NULL;
	}
	if (S_ISREG(st.st_mode) && (ends_with(path, ".zip") || looks_like_zip(path))) {
		state = store_zip_open(path, err);
		return state ? store_wrap(&store_zip_backend, state, path, err) : NULL;
	}
	bf_err_set(err, BF_E_FORMAT, "'%s' is neither a directory nor a zip file", path);
	return NULL;
}

struct store *store_open_mem(size_t n, const char *const *keys, const void *const *vals,
			     const size_t *lens, struct bf_err *err)
{
	void *state = store_mem_open(n, keys, vals, lens, err);

	return state ? store_wrap(&store_mem_backend, state, "<memory>", err) : NULL;
}

void store_free(struct store *s)
{
	if (!s)
		return;
	s->be->close(s->state);
	bf_free(s->path);
	bf_free(s);
}

const char *store_path(const struct store *s)
{
	return s->path;
}

const char *store_kind(const struct store *s)
{
	return s->be->kind;
}

int64_t store_size(struct store *s, const char *key, struct bf_err *err)
{
	BF_FORWARD(store_key_check(key, err));
	return s->be->size(s->state, key, err);
}

/*
 * Fault injection for the tests of store faults (test_mount_faults.py):
 * BIOFUSE_TEST_STORE_FAULT="SUBSTRING:eio", ":eacces" or ":stall=SECONDS"
 * makes every read of a key containing SUBSTRING fail with that errno, or
 * sleep first (a stalling store).  Read once; unset in normal use.
 */
struct store_fault {
	char sub[256];
	int errnum;	/* 0: none */
	double stall_s; /* > 0: sleep before the read */
};

static struct store_fault g_fault;
static pthread_once_t g_fault_once = PTHREAD_ONCE_INIT;

static void store_fault_load(void)
{
	const char *v = getenv("BIOFUSE_TEST_STORE_FAULT");
	const char *colon = v ? strrchr(v, ':') : NULL;
	size_t n;

	if (!colon || (n = (size_t)(colon - v)) == 0 || n >= sizeof(g_fault.sub))
		return;
	memcpy(g_fault.sub, v, n);
	g_fault.sub[n] = '\0';
	if (!strcmp(colon + 1, "eio"))
		g_fault.errnum = EIO;
	else if (!strcmp(colon + 1, "eacces"))
		g_fault.errnum = EACCES;
	else if (!strncmp(colon + 1, "stall=", 6))
		g_fault.stall_s = strtod(colon + 7, NULL);
}

static int store_fault_check(const char *key, struct bf_err *err)
{
	pthread_once(&g_fault_once, store_fault_load);
	if (!g_fault.sub[0] || !strstr(key, g_fault.sub))
		return 0;
	if (g_fault.stall_s > 0) {
		struct timespec ts = {
		    (time_t)g_fault.stall_s,
		    (long)((g_fault.stall_s - (double)(time_t)g_fault.stall_s) * 1e9)};

		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	if (g_fault.errnum) {
		errno = g_fault.errnum;
		return bf_err_sys(err, BF_E_IO, "cannot read '%s'", key);
	}
	return 0;
}

int store_read(struct store *s, const char *key, void *buf, size_t len, struct bf_err *err)
{
	BF_FORWARD(store_key_check(key, err));
	BF_FORWARD(store_fault_check(key, err));
	return s->be->read(s->state, key, buf, len, err);
}

int store_read_range(struct store *s, const char *key, uint64_t off, void *buf, size_t len,
		     struct bf_err *err)
{
	BF_FORWARD(store_key_check(key, err));
	BF_FORWARD(store_fault_check(key, err));
	if (!s->be->read_range)
		return bf_err_set(err, BF_E_UNSUPPORTED, "store '%s' cannot read ranges", s->path);
	return s->be->read_range(s->state, key, off, buf, len, err);
}

int store_get(struct store *s, const char *key, size_t max_len, uint8_t **data, size_t *len,
	      struct bf_err *err)
{
	int64_t n = store_size(s, key, err);
	uint8_t *buf;
	int rc;

	*data = NULL;
	*len = 0;
	if (n < 0)
		return (int)n;
	if ((uint64_t)n > max_len)
		return bf_err_set(err, BF_E_RANGE,
				  "object '%s' is %lld bytes, over the limit of %zu", key,
				  (long long)n, max_len);
	buf = bf_malloc((size_t)n);
	if (!buf)
		return bf_err_set(err, BF_E_NOMEM, "out of memory reading '%s'", key);
	rc = store_read(s, key, buf, (size_t)n, err);
	if (rc < 0) {
		bf_free(buf);
		return rc;
	}
	*data = buf;
	*len = (size_t)n;
	return 0;
}

void store_prefetch(struct store *s, const char *const *keys, size_t n)
{
	if (s && s->be->prefetch && n)
		s->be->prefetch(s->state, keys, n, false);
}

void store_prefetch_small(struct store *s, const char *const *keys, size_t n)
{
	if (s && s->be->prefetch && n)
		s->be->prefetch(s->state, keys, n, true);
}

void store_trim(struct store *s)
{
	if (s && s->be->trim)
		s->be->trim(s->state);
}

int store_list(struct store *s, const char *prefix, store_list_fn fn, void *opaque,
	       struct bf_err *err)
{
	return s->be->list(s->state, prefix ? prefix : "", fn, opaque, err);
}

bool store_can_list(const struct store *s)
{
	return !s->be->can_list || s->be->can_list(s->state);
}

struct sized_list {
	struct store *s;
	store_list_size_fn fn;
	void *opaque;
	struct bf_err *err;
	int rc; /* an error of store_size, reported after the walk */
};

static int sized_cb(void *opaque, const char *key)
{
	struct sized_list *sl = opaque;
	int64_t n = store_size(sl->s, key, sl->err);

	if (n == BF_E_NOTFOUND) /* removed while listing */
		return 0;
	if (n < 0) {
		sl->rc = (int)n;
		return 1;
	}
	return sl->fn(sl->opaque, key, n);
}

int store_list_sizes(struct store *s, const char *prefix, store_list_size_fn fn, void *opaque,
		     struct bf_err *err)
{
	struct sized_list sl = {s, fn, opaque, err, 0};
	int rc;

	if (s->be->list_sizes)
		return s->be->list_sizes(s->state, prefix ? prefix : "", fn, opaque, err);
	rc = store_list(s, prefix, sized_cb, &sl, err);
	return sl.rc ? sl.rc : rc;
}
