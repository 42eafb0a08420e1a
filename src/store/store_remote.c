/*
 * store_remote.c - stores behind http://, https:// and s3:// URLs.
 *
 * Owns: mapping a URL to object URLs (a directory store: BASE/KEY; S3:
 * path-style under an endpoint, or AWS's virtual-hosted style), the zip
 * archive over ranged GETs (a suffix GET for the end records, one ranged GET
 * for the central directory, then one GET per member of its local header
 * plus data), S3 ListObjectsV2 for store_list, and the object cache that
 * turns store_size + store_read into one request and serves prefetch hints.
 *
 * The cache holds entries keyed by store key, each one HTTP request in
 * flight or done.  A demand read (size, read) always gets an entry; a hint
 * gets one only while objects fetched ahead number fewer than 8 x
 * max_inflight and hold less than half of `cache_bytes` (bodies in flight included: the
 * compressed bytes count against the reader's budget).  An object read
 * stays while there is room, because the engine's next pieces of the same
 * chunk read it again (up to the other half); when room is needed, read
 * objects go first, big ones (>= 256 KiB) before small ones, least recently
 * used first, then ones fetched ahead; store_trim drops them all.
 *
 * Thread-safety: the cache is under one mutex, never held while waiting on
 * the network.
 */
#include "util/bf_config.h"

#include "store/http.h"
#include "store/remote_conf.h"
#include "store/store_internal.h"
#include "store/zip_dir.h"
#include "util/alloc.h"
#include "util/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZIP_TAIL_BYTES	 (65536 + 22 + 20 + 56 + 1024)
#define ZIP_MEMBER_SLACK 1024 /* local header extra field bigger than the central one */
#define BIG_OBJECT	 ((size_t)256 << 10)

struct rentry {
	char *key;
	struct http_req *req;
	int refs;
	bool doomed;   /* free when the last reference goes */
	bool hinted;   /* started by a hint, not read yet */
	bool was_read; /* read once: kept for the next piece of the same chunk */
	size_t bytes;  /* body size, once read */
	uint64_t tick;
	struct rentry *prev, *next;
};

struct remote {
	char *label; /* the URL as given */
	bool s3;
	bool zip;
	char *base; /* directory stores: object URL = base + key; zip: the archive's URL */
	char *list_base, *list_prefix; /* S3: "<bucket URL>", key prefix */
	struct http_client *cl;
	size_t max_entries;
	uint64_t cache_bytes;

	/* zip */
	struct zip_dir *dir;
	uint64_t zsize;
	uint8_t *tail; /* only while the directory is parsed */
	size_t tail_len;

	pthread_mutex_t lock;
	struct rentry *head; /* most recent first */
	size_t n;
	size_t n_read;	     /* entries already read (the working set) */
	uint64_t read_bytes; /* their bodies */
	uint64_t tick;
};

/* ---- URLs ---- */

static int url_escape_key(struct remote *r, const char *key, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t k = 0;
	int w = snprintf(out, n, "%s", r->base);

	if (w < 0 || (size_t)w >= n)
		return -1;
	k = (size_t)w;
	for (; *key; key++) {
		unsigned char ch = (unsigned char)*key;

		if (k + 4 >= n)
			return -1;
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' || ch == '~' ||
		    ch == '/') {
			out[k++] = (char)ch;
		} else {
			out[k++] = '%';
			out[k++] = hex[ch >> 4];
			out[k++] = hex[ch & 15];
		}
	}
	out[k] = 0;
	return 0;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

static char *str_printf(const char *fmt, const char *a, const char *b, const char *c)
{
	size_t n = strlen(fmt) + strlen(a) + strlen(b) + strlen(c) + 1;
	char *s = bf_malloc(n);

	if (s)
		snprintf(s, n, fmt, a, b, c);
	return s;
}

/* Set base (and S3's listing URL) from the URL and the configuration. */
static int map_url(struct remote *r, const char *url, const struct remote_conf *rc,
		   struct bf_err *err)
{
	char *u = bf_strdup(url);
	size_t n;

	if (!u)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	n = strlen(u);
	while (n > 0 && u[n - 1] == '/')
		u[--n] = 0;
	r->zip = ends_with(u, ".zip");
	if (!r->s3) {
		r->base = r->zip ? bf_strdup(u) : str_printf("%s/", u, "", "");
	} else {
		const char *rest = u + 5, *sl = strchr(rest, '/');
		char bucket[256], *prefix;
		char *ep = NULL;

		if ((sl ? (size_t)(sl - rest) : strlen(rest)) == 0 ||
		    (sl ? (size_t)(sl - rest) : strlen(rest)) >= sizeof(bucket)) {
			bf_free(u);
			return bf_err_set(err, BF_E_INVAL, "'%s': no bucket in the S3 URL", url);
		}
		snprintf(bucket, sizeof(bucket), "%.*s", (int)(sl ? sl - rest : (long)strlen(rest)),
			 rest);
		prefix = (char *)(uintptr_t)(sl ? sl + 1 : ""); /* within u */
		if (rc->endpoint) {
			ep = bf_strdup(rc->endpoint);
			if (ep)
				for (n = strlen(ep); n > 0 && ep[n - 1] == '/';)
					ep[--n] = 0;
			r->list_base = ep ? str_printf("%s/%s", ep, bucket, "") : NULL;
			r->base = ep ? (*prefix ? str_printf(r->zip ? "%s/%s/%s" : "%s/%s/%s/", ep,
							     bucket, prefix)
						: str_printf("%s/%s/", ep, bucket, ""))
				     : NULL;
		} else if (strchr(bucket, '.')) {
			r->list_base =
			    str_printf("https://s3.%s.amazonaws.com/%s", rc->region, bucket, "");
			r->base = *prefix
				      ? str_printf(r->zip ? "https://s3.%s.amazonaws.com/%s/%s"
							  : "https://s3.%s.amazonaws.com/%s/%s/",
						   rc->region, bucket, prefix)
				      : str_printf("https://s3.%s.amazonaws.com/%s/", rc->region,
						   bucket, "");
		} else {
			r->list_base =
			    str_printf("https://%s.s3.%s.amazonaws.com/", bucket, rc->region, "");
			r->base = *prefix
				      ? str_printf(r->zip ? "https://%s.s3.%s.amazonaws.com/%s"
							  : "https://%s.s3.%s.amazonaws.com/%s/",
						   bucket, rc->region, prefix)
				      : str_printf("https://%s.s3.%s.amazonaws.com/", bucket,
						   rc->region, "");
		}
		r->list_prefix =
		    *prefix && !r->zip ? str_printf("%s/", prefix, "", "") : bf_strdup("");
		bf_free(ep);
		if (!r->list_base || !r->list_prefix) {
			bf_free(u);
			return bf_err_set(err, BF_E_NOMEM, "out of memory");
		}
	}
	bf_free(u);
	return r->base ? 0 : bf_err_set(err, BF_E_NOMEM, "out of memory");
}

/* ---- the cache ---- */

static void entry_unlink(struct remote *r, struct rentry *e)
{
	if (e->was_read) {
		r->n_read--;
		r->read_bytes -= e->bytes;
	}
	if (e->prev)
		e->prev->next = e->next;
	else
		r->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	e->prev = e->next = NULL;
	r->n--;
}

static void entry_free(struct rentry *e)
{
	http_req_free(e->req);
	bf_free(e->key);
	bf_free(e);
}

static struct rentry *entry_find(struct remote *r, const char *key)
{
	struct rentry *e;

	for (e = r->head; e; e = e->next)
		if (!e->doomed && !strcmp(e->key, key))
			return e;
	return NULL;
}

/*
 * Drop the least recently used entry nobody holds, one already read first
 * (the past) before one fetched ahead (the future); with `read_only`, only
 * a read one.  @return false when there is none.
 */
static bool evict_one_of(struct remote *r, bool read_only)
{
	struct rentry *e, *best = NULL;

	for (e = r->head; e; e = e->next) {
		bool big, best_big;

		if (e->refs || e->doomed || (read_only && !e->was_read))
			continue;
		/* among read ones, big objects first: small metadata is cheap to keep
		 * and costs a round trip each when a later pass needs it again */
		big = e->bytes >= BIG_OBJECT;
		best_big = best && best->bytes >= BIG_OBJECT;
		if (!best || (e->was_read && !best->was_read) ||
		    (e->was_read == best->was_read &&
		     (big > best_big || (big == best_big && e->tick < best->tick))))
			best = e;
	}
	if (!best)
		return false;
	entry_unlink(r, best);
	entry_free(best);
	return true;
}

static bool evict_one(struct remote *r)
{
	return evict_one_of(r, false);
}

static bool cache_full(struct remote *r)
{
	return r->n >= r->max_entries || http_bytes_held(r->cl) >= r->cache_bytes;
}

/*
 * Half the entries and half the bytes for objects fetched ahead, half for
 * the working set of objects read lately.
 */
static bool ahead_full(struct remote *r)
{
	uint64_t held = http_bytes_held(r->cl);

	return r->n - r->n_read >= r->max_entries / 2 ||
	       (held > r->read_bytes ? held - r->read_bytes : 0) >= r->cache_bytes / 2;
}

static void trim_read(struct remote *r)
{
	while ((r->n_read > r->max_entries / 2 || r->read_bytes > r->cache_bytes / 2) &&
	       evict_one_of(r, true))
		;
}

/* The request for `key`: URL and range (zip members: their window). */
static struct http_req *start_fetch(struct remote *r, const char *key)
{
	char url[4096];

	if (r->zip) {
		const struct zip_entry *ze = zip_dir_find(r->dir, key);
		uint64_t end;

		if (!ze)
			return NULL;
		end = ze->lho + 30 + strlen(ze->name) + ze->csize + ZIP_MEMBER_SLACK;
		if (end > r->zsize)
			end = r->zsize;
		return http_start(r->cl, r->base, HTTP_RANGE, ze->lho, end - ze->lho);
	}
	if (url_escape_key(r, key, url, sizeof(url)) < 0)
		return NULL;
	return http_start(r->cl, url, HTTP_WHOLE, 0, 0);
}

static struct rentry *entry_new(struct remote *r, const char *key, bool hint)
{
	struct rentry *e = bf_calloc(1, sizeof(*e));

	if (!e || !(e->key = bf_strdup(key)) || !(e->req = start_fetch(r, key))) {
		if (e)
			bf_free(e->key);
		bf_free(e);
		return NULL;
	}
	e->hinted = hint;
	e->next = r->head;
	if (r->head)
		r->head->prev = e;
	r->head = e;
	r->n++;
	return e;
}

/* A referenced entry for `key`, started when absent; NULL when out of memory. */
static struct rentry *acquire(struct remote *r, const char *key)
{
	struct rentry *e;

	pthread_mutex_lock(&r->lock);
	e = entry_find(r, key);
	if (!e) {
		while (cache_full(r) && evict_one(r))
			;
		e = entry_new(r, key, false);
	}
	if (e) {
		e->refs++;
		e->tick = ++r->tick;
	}
	pthread_mutex_unlock(&r->lock);
	return e;
}

enum rel_mode { REL_KEEP, REL_READ, REL_DROP };

/*
 * Let go of an entry: REL_KEEP (size asked, the read follows), REL_READ (read:
 * kept while there is room, as the next pieces of the same chunk read it
 * again), REL_DROP (missing or failed: forget it).
 */
static void release(struct remote *r, struct rentry *e, enum rel_mode mode)
{
	pthread_mutex_lock(&r->lock);
	if (mode == REL_READ && !e->was_read && !e->doomed) {
		size_t len;

		(void)http_body(e->req, &len, NULL);
		e->was_read = true;
		e->hinted = false;
		e->bytes = len;
		r->n_read++;
		r->read_bytes += len;
	}
	if (mode == REL_DROP && !e->doomed) {
		e->doomed = true;
		entry_unlink(r, e);
	}
	if (--e->refs == 0 && e->doomed)
		entry_free(e);
	if (mode == REL_READ)
		trim_read(r);
	pthread_mutex_unlock(&r->lock);
}

static void remote_prefetch(void *state, const char *const *keys, size_t n, bool small)
{
	struct remote *r = state;
	size_t i;

	pthread_mutex_lock(&r->lock);
	for (i = 0; i < n; i++) {
		if (entry_find(r, keys[i]))
			continue;
		if (small ? (r->n - r->n_read >= r->max_entries / 2 || cache_full(r))
			  : (ahead_full(r) || cache_full(r)))
			break;
		if (r->zip && !zip_dir_find(r->dir, keys[i]))
			continue;
		if (!entry_new(r, keys[i], true))
			break;
	}
	pthread_mutex_unlock(&r->lock);
}

static void remote_trim(void *state)
{
	struct remote *r = state;

	pthread_mutex_lock(&r->lock);
	while (evict_one(r))
		;
	pthread_mutex_unlock(&r->lock);
}

/* ---- zip over ranges ---- */

struct window {
	struct remote *r;
	const uint8_t *p; /* bytes [off, off + len) of the archive */
	uint64_t off;
	size_t len;
};

static int window_read(void *opaque, uint64_t off, void *buf, size_t len, struct bf_err *err)
{
	struct window *w = opaque;
	uint8_t *body;
	size_t blen;
	int rc;

	if (w->p && off >= w->off && off - w->off <= w->len && len <= w->len - (off - w->off)) {
		memcpy(buf, w->p + (off - w->off), len);
		return 0;
	}
	if (len == 0)
		return 0;
	rc = http_get(w->r->cl, w->r->base, HTTP_RANGE, off, len, &body, &blen, NULL, err);
	if (rc == BF_E_NOTFOUND)
		return bf_err_set(err, BF_E_IO, "'%s' vanished", w->r->label);
	if (rc < 0)
		return rc;
	if (blen != len) {
		bf_free(body);
		return bf_err_set(err, BF_E_IO,
				  "'%s': the server answered a range with %zu bytes, not %zu "
				  "(does it support ranges?)",
				  w->r->label, blen, len);
	}
	memcpy(buf, body, len);
	bf_free(body);
	return 0;
}

static int zip_open_remote(struct remote *r, struct bf_err *err)
{
	struct window w = {r, NULL, 0, 0};
	uint8_t *body = NULL;
	size_t blen = 0;
	uint64_t total = 0;
	int rc;

	rc = http_get(r->cl, r->base, HTTP_SUFFIX, 0, ZIP_TAIL_BYTES, &body, &blen, &total, err);
	if (rc == BF_E_NOTFOUND)
		return bf_err_set(err, BF_E_NOTFOUND, "cannot open '%s': no such object", r->label);
	if (rc < 0)
		return rc;
	if (total < blen) {
		bf_free(body);
		return bf_err_set(err, BF_E_IO, "'%s': bad Content-Range from the server",
				  r->label);
	}
	r->zsize = total;
	w.p = body;
	w.len = blen;
	w.off = total - blen;
	r->dir = zip_dir_open(window_read, &w, total, r->label, err);
	bf_free(body);
	if (!r->dir)
		return err ? err->code : BF_E_FORMAT;
	return 0;
}

/* ---- backend ---- */

static void remote_close(void *state)
{
	struct remote *r = state;
	struct rentry *e;

	if (!r)
		return;
	while ((e = r->head)) {
		entry_unlink(r, e);
		entry_free(e);
	}
	http_client_free(r->cl);
	zip_dir_free(r->dir);
	bf_free(r->label);
	bf_free(r->base);
	bf_free(r->list_base);
	bf_free(r->list_prefix);
	pthread_mutex_destroy(&r->lock);
	bf_free(r);
}

static int64_t remote_size(void *state, const char *key, struct bf_err *err)
{
	struct remote *r = state;
	struct rentry *e;
	size_t len;
	int rc;

	if (r->zip) {
		const struct zip_entry *ze = zip_dir_find(r->dir, key);

		if (!ze)
			return bf_err_set(err, BF_E_NOTFOUND, "no object '%s'", key);
		return (int64_t)ze->usize;
	}
	if (!(e = acquire(r, key)))
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	rc = http_wait(e->req, err);
	if (rc < 0) {
		/* a missing object stays known as missing (it costs one 404) */
		release(r, e, rc == BF_E_NOTFOUND ? REL_READ : REL_DROP);
		return rc;
	}
	(void)http_body(e->req, &len, NULL);
	release(r, e, REL_KEEP);
	return (int64_t)len;
}

static int remote_read(void *state, const char *key, void *buf, size_t len, struct bf_err *err)
{
	struct remote *r = state;
	struct rentry *e;
	const uint8_t *body;
	size_t blen;
	uint64_t total;
	int rc;

	if (r->zip && !zip_dir_find(r->dir, key))
		return bf_err_set(err, BF_E_NOTFOUND, "no object '%s'", key);
	if (!(e = acquire(r, key)))
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	rc = http_wait(e->req, err);
	if (rc == BF_E_NOTFOUND && r->zip)
		rc = bf_err_set(err, BF_E_IO, "'%s' vanished", r->label);
	if (rc == 0) {
		body = http_body(e->req, &blen, &total);
		if (r->zip) {
			const struct zip_entry *ze = zip_dir_find(r->dir, key);
			struct window w = {r, body, ze->lho, blen};

			rc = zip_dir_read_with(r->dir, ze, window_read, &w, buf, len, err);
		} else if (blen != len) {
			rc = bf_err_set(err, BF_E_IO,
					"object '%s' changed size (%zu, not %zu bytes)", key, blen,
					len);
		} else {
			memcpy(buf, body, len);
		}
	}
	release(r, e, rc == 0 ? REL_READ : REL_DROP);
	return rc;
}

/* ---- S3 listing ---- */

static void xml_unescape(char *s)
{
	static const struct {
		const char *ent;
		char ch;
	} ents[] = {
	    {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
	char *w = s;

	while (*s) {
		size_t i, done = 0;

		if (*s == '&')
			for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
				size_t k = strlen(ents[i].ent);

				if (!strncmp(s, ents[i].ent, k)) {
					*w++ = ents[i].ch;
					s += k;
					done = 1;
					break;
				}
			}
		if (!done)
			*w++ = *s++;
	}
	*w = 0;
}

static int query_escape(const char *s, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t k = 0;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (k + 4 >= n)
			return -1;
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			out[k++] = (char)ch;
		} else {
			out[k++] = '%';
			out[k++] = hex[ch >> 4];
			out[k++] = hex[ch & 15];
		}
	}
	out[k] = 0;
	return 0;
}

/* Copy the text of the first <tag>...</tag> at or after `p` into `out`. */
static const char *xml_next(const char *p, const char *tag, char *out, size_t n)
{
	char open[64], close[64];
	const char *a, *b;
	size_t k;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	a = strstr(p, open);
	if (!a)
		return NULL;
	a += strlen(open);
	b = strstr(a, close);
	if (!b)
		return NULL;
	k = (size_t)(b - a) < n - 1 ? (size_t)(b - a) : n - 1;
	memcpy(out, a, k);
	out[k] = 0;
	xml_unescape(out);
	return b + strlen(close);
}

/* A zip's directory or an S3 listing; plain HTTP has no listing. */
static bool remote_can_list(const void *state)
{
	const struct remote *r = state;

	return r->zip || r->s3;
}

static int remote_list_sizes(void *state, const char *prefix, store_list_size_fn fn, void *opaque,
			     struct bf_err *err)
{
	struct remote *r = state;
	char token[2048] = "", *full = NULL;
	size_t plen;
	int rc = 0;

	if (r->zip) {
		size_t i, n = zip_dir_count(r->dir), pl = strlen(prefix);

		for (i = zip_dir_lower_bound(r->dir, prefix); i < n; i++) {
			const char *name = zip_dir_entry(r->dir, i)->name;

			if (strncmp(name, prefix, pl) != 0)
				break;
			if ((rc = fn(opaque, name, (int64_t)zip_dir_entry(r->dir, i)->usize)))
				return rc;
		}
		return 0;
	}
	if (!r->s3)
		return bf_err_set(err, BF_E_UNSUPPORTED,
				  "'%s': cannot list keys over plain HTTP (a store served over "
				  "HTTP needs consolidated metadata, .zmetadata)",
				  r->label);
	plen = strlen(r->list_prefix);
	full = str_printf("%s%s", r->list_prefix, prefix, "");
	if (!full)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	do {
		char url[12288], qp[4096], qt[4096], key[2048], trunc[16];
		uint8_t *body = NULL;
		size_t blen;
		const char *p;

		if (query_escape(full, qp, sizeof(qp)) < 0 ||
		    query_escape(token, qt, sizeof(qt)) < 0) {
			rc = bf_err_set(err, BF_E_RANGE, "listing prefix too long");
			break;
		}
		/* parameters in canonical (sorted) order: SigV4 signs the query as is */
		if (*token)
			snprintf(url, sizeof(url), "%s?continuation-token=%s&list-type=2&prefix=%s",
				 r->list_base, qt, qp);
		else
			snprintf(url, sizeof(url), "%s?list-type=2&prefix=%s", r->list_base, qp);
		rc = http_get(r->cl, url, HTTP_WHOLE, 0, 0, &body, &blen, NULL, err);
		if (rc < 0) {
			if (rc == BF_E_NOTFOUND)
				rc = bf_err_set(err, BF_E_NOTFOUND, "'%s': no such bucket",
						r->label);
			break;
		}
		{
			char *text = bf_malloc(blen + 1);

			if (!text) {
				bf_free(body);
				rc = bf_err_set(err, BF_E_NOMEM, "out of memory");
				break;
			}
			memcpy(text, body, blen);
			text[blen] = 0;
			bf_free(body);
			p = text;
			while (rc == 0 && (p = xml_next(p, "Key", key, sizeof(key)))) {
				char size[32] = "";
				const char *q = xml_next(p, "Size", size, sizeof(size));

				if (q)
					p = q;
				if (strlen(key) > plen && !strncmp(key, r->list_prefix, plen) &&
				    store_key_check(key + plen, NULL) == 0)
					rc = fn(opaque, key + plen,
						(int64_t)strtoll(size, NULL, 10));
			}
			token[0] = 0;
			if (xml_next(text, "IsTruncated", trunc, sizeof(trunc)) &&
			    !strcmp(trunc, "true"))
				xml_next(text, "NextContinuationToken", token, sizeof(token));
			bf_free(text);
		}
	} while (rc == 0 && *token);
	bf_free(full);
	return rc;
}

struct list_adapter {
	store_list_fn fn;
	void *opaque;
};

static int list_adapt(void *opaque, const char *key, int64_t size)
{
	struct list_adapter *a = opaque;

	(void)size;
	return a->fn(a->opaque, key);
}

static int remote_list(void *state, const char *prefix, store_list_fn fn, void *opaque,
		       struct bf_err *err)
{
	struct list_adapter a = {fn, opaque};

	return remote_list_sizes(state, prefix, list_adapt, &a, err);
}

/* the four remote kinds differ only in the name they report */
#define REMOTE_BACKEND(kind_name)                                                                  \
	{                                                                                          \
		.kind = kind_name, .size = remote_size, .read = remote_read, .list = remote_list,  \
		.list_sizes = remote_list_sizes, .can_list = remote_can_list,                      \
		.close = remote_close, .prefetch = remote_prefetch, .trim = remote_trim,           \
	}
static const struct store_backend remote_dir_backend = REMOTE_BACKEND("http");
static const struct store_backend remote_zip_backend = REMOTE_BACKEND("http-zip");
static const struct store_backend s3_dir_backend = REMOTE_BACKEND("s3");
static const struct store_backend s3_zip_backend = REMOTE_BACKEND("s3-zip");

int store_config_check(const char *path, const struct store_config *cfg, struct bf_err *err)
{
	(void)path;
	return remote_conf_check(cfg, err);
}

/* Fetch the metadata a group open asks for first, all at once. */
static int probe(struct remote *r, struct bf_err *err)
{
	static const char *const first[] = {"zarr.json", ".zgroup", ".zmetadata", ".zattrs"};
	struct rentry *e;
	int rc;

	remote_prefetch(r, first, sizeof(first) / sizeof(first[0]), true);
	if (!(e = acquire(r, "zarr.json")))
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	rc = http_wait(e->req, err);
	release(r, e, REL_KEEP);
	if (rc == BF_E_NOTFOUND) {
		bf_err_clear(err);
		return 0;
	}
	return rc;
}

void *store_remote_open(const char *url, const struct store_config *cfg,
			const struct store_backend **be, struct bf_err *err)
{
	struct remote *r = bf_calloc(1, sizeof(*r));
	struct remote_conf rc;
	struct http_cfg hc;
	char sig[128];
	int st;

	if (!r || !(r->label = bf_strdup(url))) {
		bf_free(r);
		bf_err_set(err, BF_E_NOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	r->s3 = !strncmp(url, "s3://", 5);
	st = remote_conf_resolve(cfg, r->s3, &rc, err);
	if (st < 0)
		goto fail;
	st = map_url(r, url, &rc, err);
	if (st < 0)
		goto fail;
	memset(&hc, 0, sizeof(hc));
	hc.max_inflight = cfg->max_inflight;
	hc.deadline_s = cfg->deadline_s;
	hc.forbidden_is_missing = rc.forbidden_is_missing;
	if (r->s3 && !rc.anon) {
		snprintf(sig, sizeof(sig), "aws:amz:%s:s3", rc.region);
		hc.sigv4 = sig;
		hc.key_id = rc.key_id;
		hc.secret = rc.secret;
		hc.token = rc.token;
	}
	r->cl = http_client_new(&hc, err);
	remote_conf_release(&rc);
	if (!r->cl)
		goto fail;
	r->max_entries = 16 * (size_t)(cfg->max_inflight > 0 ? cfg->max_inflight : 32);
	r->cache_bytes = cfg->cache_bytes ? cfg->cache_bytes : (uint64_t)64 << 20;
	st = r->zip ? zip_open_remote(r, err) : probe(r, err);
	if (st < 0)
		goto fail;
	*be = r->zip ? (r->s3 ? &s3_zip_backend : &remote_zip_backend)
		     : (r->s3 ? &s3_dir_backend : &remote_dir_backend);
	bf_log_debug("remote store '%s': objects under '%s'", url, r->base);
	return r;
fail:
	remote_conf_release(&rc);
	remote_close(r);
	return NULL;
}
