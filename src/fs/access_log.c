/*
 * access_log.c - JSONL access trace (see access_log.h).
 */
#include "util/bf_config.h"

#include "fs/access_log.h"
#include "util/alloc.h"
#include "util/strbuf.h"

#include <pthread.h>
#include <stdio.h>

struct access_log {
	FILE *f;
	pthread_mutex_t lock;
};

struct access_log *access_log_open(const char *path, struct bf_err *err)
{
	struct access_log *l = bf_calloc(1, sizeof(*l));

	if (!l) {
		bf_err_set(err, BF_E_NOMEM, "out of memory");
		return NULL;
	}
	l->f = fopen(path, "a");
	if (!l->f) {
		bf_err_sys(err, BF_E_IO, "cannot open access log '%s'", path);
		bf_free(l);
		return NULL;
	}
	setvbuf(l->f, NULL, _IOLBF, 0);
	pthread_mutex_init(&l->lock, NULL);
	return l;
}

void access_log_close(struct access_log *l)
{
	if (!l)
		return;
	fclose(l->f);
	pthread_mutex_destroy(&l->lock);
	bf_free(l);
}

/* A JSON string with json.dumps' default escaping (ensure_ascii). */
static void json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void access_log_add(struct access_log *l, const char *path, uint64_t fh, uint64_t offset,
		    uint64_t size, double t_start, double t_end, const char *kind)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	fputs("{\"path\": ", l->f);
	json_str(l->f, path);
	fprintf(l->f,
		", \"fh\": %llu, \"offset\": %llu, \"size\": %llu, \"t_start\": %.9f, "
		"\"t_end\": %.9f, \"kind\": ",
		(unsigned long long)fh, (unsigned long long)offset, (unsigned long long)size,
		t_start, t_end);
	json_str(l->f, kind);
	fputs("}\n", l->f);
	pthread_mutex_unlock(&l->lock);
}
