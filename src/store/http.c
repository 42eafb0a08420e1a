/*
 * http.c - the libcurl multi driver behind the remote stores (see http.h).
 *
 * One thread owns the multi handle: callers queue requests under the client
 * lock and wake it with curl_multi_wakeup; it moves queued requests into
 * transfer slots, runs curl_multi_perform/poll, classifies each finished
 * transfer (done, missing, retry later, failed) and broadcasts.  A request
 * the caller forgot while it ran is freed by the thread when it sees it.
 */
#include "util/bf_config.h"

#include "store/http.h"
#include "store/curl_api.h"
#include "util/alloc.h"
#include "util/log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define HTTP_MAX_BODY ((size_t)1 << 31)

enum req_state { R_PENDING, R_ACTIVE, R_RETRY, R_DONE };

/* libcurl's functions, loaded by the first client (store/curl_api.h) */
static const struct curl_api *cu;

struct http_req {
	struct http_client *c;
	char *url;
	int range;
	uint64_t off, len;
	enum req_state st;
	bool cancelled;
	CURL *easy;
	struct curl_slist *hdrs;
	uint8_t *buf; /* body so far */
	size_t blen, bcap;
	uint64_t total; /* from Content-Range */
	bool have_total;
	int tries;
	double deadline, retry_at;
	int rc;
	char msg[512];
	char rangebuf[64];
	struct http_req *next; /* pending queue or retry list */
};

struct http_client {
	pthread_mutex_t lock; /* everything below but the multi handle */
	pthread_cond_t cond;  /* a request finished */
	CURLM *multi;	      /* driver thread only (curl_multi_wakeup excepted) */
	pthread_t thread;
	bool thread_ok, stop;
	bool reached; /* the server answered once */
	int max_inflight;
	double deadline_s;
	bool forbidden_is_missing;
	char *sigv4, *userpwd_user, *userpwd_pass, *token_hdr;
	char *ca_file, *ca_path;
	struct http_req *pend_head, *pend_tail, *retry;
	struct http_req **active; /* max_inflight slots */
	int nactive;
	unsigned seed;
	_Atomic uint64_t held;
};

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *dup_or_null(const char *s)
{
	return s ? bf_strdup(s) : NULL;
}

static void body_release(struct http_req *r)
{
	if (r->buf)
		atomic_fetch_sub(&r->c->held, r->bcap);
	bf_free(r->buf);
	r->buf = NULL;
	r->blen = r->bcap = 0;
}

static int body_reserve(struct http_req *r, size_t need)
{
	size_t cap;
	uint8_t *nb;

	if (need <= r->bcap)
		return 0;
	if (need > HTTP_MAX_BODY)
		return -1;
	cap = r->bcap ? r->bcap : 4096;
	while (cap < need)
		cap *= 2;
	nb = bf_realloc(r->buf, cap);
	if (!nb)
		return -1;
	atomic_fetch_add(&r->c->held, cap - r->bcap);
	r->buf = nb;
	r->bcap = cap;
	return 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *opaque)
{
	struct http_req *r = opaque;
	size_t k = size * n;

	if (body_reserve(r, r->blen + k) < 0)
		return 0; /* CURLE_WRITE_ERROR */
	memcpy(r->buf + r->blen, p, k);
	r->blen += k;
	return k;
}

static size_t on_header(char *p, size_t size, size_t n, void *opaque)
{
	struct http_req *r = opaque;
	size_t k = size * n;
	char line[256];

	if (k >= sizeof(line))
		return k;
	memcpy(line, p, k);
	line[k] = 0;
	if (!strncasecmp(line, "HTTP/", 5)) { /* a new response (after 100, a redirect) */
		r->have_total = false;
		r->blen = 0;
	} else if (!strncasecmp(line, "content-range:", 14)) {
		const char *sl = strchr(line, '/');

		if (sl && sl[1] >= '0' && sl[1] <= '9') {
			r->total = strtoull(sl + 1, NULL, 10);
			r->have_total = true;
		}
	} else if (!strncasecmp(line, "content-length:", 15)) {
		unsigned long long v = strtoull(line + 15, NULL, 10);

		if (v > 0 && v < HTTP_MAX_BODY)
			(void)body_reserve(r, (size_t)v); /* a failure shows in on_body */
	}
	return k;
}

static int easy_setup(struct http_client *c, struct http_req *r)
{
	CURL *e = cu->easy_init();
	double left = r->deadline - mono_now();
	long left_ms = left > 0.001 ? (long)(left * 1000) : 1;

	if (!e)
		return -1;
	r->easy = e;
	r->blen = 0;
	r->have_total = false;
	cu->easy_setopt(e, CURLOPT_URL, r->url);
	cu->easy_setopt(e, CURLOPT_PRIVATE, r);
	cu->easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	cu->easy_setopt(e, CURLOPT_WRITEDATA, r);
	cu->easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	cu->easy_setopt(e, CURLOPT_HEADERDATA, r);
	cu->easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	cu->easy_setopt(e, CURLOPT_TIMEOUT_MS, left_ms);
	cu->easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, left_ms < 10000 ? left_ms : 10000L);
	/* a transfer that stalls is cut and retried well before the deadline */
	cu->easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	cu->easy_setopt(e, CURLOPT_LOW_SPEED_TIME, c->deadline_s >= 15 ? 5L : 2L);
	cu->easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	cu->easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	cu->easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	cu->easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	cu->easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	cu->easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "identity");
	if (c->ca_file)
		cu->easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
	if (c->ca_path)
		cu->easy_setopt(e, CURLOPT_CAPATH, c->ca_path);
	if (c->sigv4) {
		cu->easy_setopt(e, CURLOPT_AWS_SIGV4, c->sigv4);
		cu->easy_setopt(e, CURLOPT_USERNAME, c->userpwd_user);
		cu->easy_setopt(e, CURLOPT_PASSWORD, c->userpwd_pass);
	} else {
		cu->easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
		cu->easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
		cu->easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	}
	if (!r->hdrs) {
		struct curl_slist *h = NULL, *t;

		if (c->sigv4) {
			/* S3 wants the payload hash; a GET's payload is empty */
			h = cu->slist_append(h, "x-amz-content-sha256: "
						"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4"
						"95991b7852b855");
			if (h && c->token_hdr && (t = cu->slist_append(h, c->token_hdr)))
				h = t;
		}
		r->hdrs = h;
	}
	if (r->hdrs)
		cu->easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
	if (r->range == HTTP_RANGE) {
		snprintf(r->rangebuf, sizeof(r->rangebuf), "%llu-%llu", (unsigned long long)r->off,
			 (unsigned long long)(r->off + r->len - 1));
		cu->easy_setopt(e, CURLOPT_RANGE, r->rangebuf);
	} else if (r->range == HTTP_SUFFIX) {
		snprintf(r->rangebuf, sizeof(r->rangebuf), "-%llu", (unsigned long long)r->len);
		cu->easy_setopt(e, CURLOPT_RANGE, r->rangebuf);
	}
	return 0;
}

static void easy_drop(struct http_client *c, struct http_req *r)
{
	if (!r->easy)
		return;
	cu->multi_remove_handle(c->multi, r->easy);
	cu->easy_cleanup(r->easy);
	r->easy = NULL;
}

static void req_destroy(struct http_req *r)
{
	body_release(r);
	cu->slist_free_all(r->hdrs);
	bf_free(r->url);
	bf_free(r);
}

static void active_remove(struct http_client *c, struct http_req *r)
{
	int i;

	for (i = 0; i < c->nactive; i++)
		if (c->active[i] == r) {
			c->active[i] = c->active[--c->nactive];
			return;
		}
}

static void finish(struct http_client *c, struct http_req *r, int rc)
{
	r->rc = rc;
	r->st = R_DONE;
	if (rc < 0 && rc != BF_E_NOTFOUND) /* the reader that waits reports it */
		bf_log_debug("%s", r->msg);
	pthread_cond_broadcast(&c->cond);
}

/* Called with the lock held when a transfer ended with `res`. */
static void classify(struct http_client *c, struct http_req *r, CURLcode res)
{
	long status = 0;
	bool retry = false, fatal_conn = false;
	double now = mono_now(), delay;
	char why[200];

	cu->easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	easy_drop(c, r);
	active_remove(c, r);
	r->tries++;
	if (r->cancelled) {
		req_destroy(r);
		return;
	}
	if (res == CURLE_OK) {
		c->reached = true;
		if (status == 200 && r->range != HTTP_WHOLE) {
			/* the server ignored Range: keep the part asked for */
			uint64_t from = r->range == HTTP_RANGE ? r->off
					: r->blen > r->len     ? r->blen - r->len
							       : 0;
			uint64_t n = r->range == HTTP_RANGE ? r->len : r->blen - from;

			r->total = r->blen;
			r->have_total = true;
			if (from > r->blen)
				from = r->blen;
			if (n > r->blen - from)
				n = r->blen - from;
			if (r->buf)
				memmove(r->buf, r->buf + from, (size_t)n);
			r->blen = (size_t)n;
		}
		if (status == 200 || status == 206) {
			if (!r->have_total)
				r->total = r->blen;
			finish(c, r, 0);
			return;
		}
		if (status == 404 || status == 410 || (status == 403 && c->forbidden_is_missing)) {
			body_release(r);
			finish(c, r, BF_E_NOTFOUND);
			return;
		}
		snprintf(why, sizeof(why), "HTTP %ld", status);
		retry = status >= 500 || status == 429 || status == 408;
	} else {
		snprintf(why, sizeof(why), "%s", cu->easy_strerror(res));
		/* libcurl's CURLcode grows with every release: tests, not a switch */
		if (res == CURLE_COULDNT_CONNECT || res == CURLE_COULDNT_RESOLVE_HOST ||
		    res == CURLE_SSL_CONNECT_ERROR) {
			retry = c->reached;
			fatal_conn = !c->reached;
		} else if (res == CURLE_OPERATION_TIMEDOUT || res == CURLE_RECV_ERROR ||
			   res == CURLE_SEND_ERROR || res == CURLE_GOT_NOTHING ||
			   res == CURLE_PARTIAL_FILE || res == CURLE_HTTP2 ||
			   res == CURLE_HTTP2_STREAM || res == CURLE_BAD_CONTENT_ENCODING) {
			retry = true;
		}
	}
	body_release(r);
	delay = 0.05 * (double)(1u << (r->tries < 6 ? r->tries - 1 : 5));
	delay *= 0.5 + 0.5 * ((double)rand_r(&c->seed) / RAND_MAX);
	if (retry && now + delay < r->deadline) {
		bf_log_debug("GET %s: %s, retry %d in %.0f ms", r->url, why, r->tries,
			     delay * 1000);
		r->st = R_RETRY;
		r->retry_at = now + delay;
		r->next = c->retry;
		c->retry = r;
		return;
	}
	if (fatal_conn)
		snprintf(r->msg, sizeof(r->msg), "cannot reach '%s': %s", r->url, why);
	else if (r->tries > 1)
		snprintf(r->msg, sizeof(r->msg), "GET '%s': %s (gave up after %d tries)", r->url,
			 why, r->tries);
	else
		snprintf(r->msg, sizeof(r->msg), "GET '%s': %s", r->url, why);
	finish(c, r, BF_E_IO);
}

static void start_due(struct http_client *c, double now, double *next_due)
{
	struct http_req **pp = &c->retry, *r;

	while ((r = *pp)) { /* due retries go to the front of the queue */
		if (r->retry_at <= now) {
			*pp = r->next;
			r->st = R_PENDING;
			r->next = c->pend_head;
			c->pend_head = r;
			if (!c->pend_tail)
				c->pend_tail = r;
		} else {
			if (r->retry_at < *next_due)
				*next_due = r->retry_at;
			pp = &r->next;
		}
	}
	while (c->nactive < c->max_inflight && (r = c->pend_head)) {
		c->pend_head = r->next;
		if (!c->pend_head)
			c->pend_tail = NULL;
		r->next = NULL;
		if (easy_setup(c, r) < 0 || cu->multi_add_handle(c->multi, r->easy) != CURLM_OK) {
			if (r->easy)
				cu->easy_cleanup(r->easy);
			r->easy = NULL;
			snprintf(r->msg, sizeof(r->msg), "GET '%s': out of memory", r->url);
			finish(c, r, BF_E_NOMEM);
			continue;
		}
		r->st = R_ACTIVE;
		c->active[c->nactive++] = r;
	}
}

static void *driver_main(void *opaque)
{
	struct http_client *c = opaque;

	pthread_mutex_lock(&c->lock);
	while (!c->stop) {
		double now = mono_now(), next_due = now + 1.0;
		int running = 0, left, i;
		CURLMsg *m;
		long ms;

		for (i = 0; i < c->nactive;) { /* forgotten while running */
			struct http_req *r = c->active[i];

			if (r->cancelled) {
				easy_drop(c, r);
				c->active[i] = c->active[--c->nactive];
				req_destroy(r);
			} else {
				i++;
			}
		}
		start_due(c, now, &next_due);
		pthread_mutex_unlock(&c->lock);
		cu->multi_perform(c->multi, &running);
		pthread_mutex_lock(&c->lock);
		while ((m = cu->multi_info_read(c->multi, &left))) {
			struct http_req *r = NULL;

			if (m->msg != CURLMSG_DONE)
				continue;
			cu->easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
			if (r)
				classify(c, r, m->data.result);
		}
		if (c->stop)
			break;
		if (c->pend_head && c->nactive < c->max_inflight)
			continue;
		for (struct http_req *q = c->retry; q; q = q->next) /* classify added some */
			if (q->retry_at < next_due)
				next_due = q->retry_at;
		ms = (long)((next_due - mono_now()) * 1000) + 1;
		if (ms < 0)
			ms = 0;
		if (ms > 1000)
			ms = 1000;
		pthread_mutex_unlock(&c->lock);
		cu->multi_poll(c->multi, NULL, 0, (int)ms, NULL);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static char *env_dup(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? bf_strdup(v) : NULL;
}

struct http_client *http_client_new(const struct http_cfg *cfg, struct bf_err *err)
{
	struct http_client *c;

	cu = curl_api_load(err);
	if (!cu)
		return NULL;
	c = bf_calloc(1, sizeof(*c));
	if (!c) {
		bf_err_set(err, BF_E_NOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	c->max_inflight = cfg->max_inflight > 0 ? cfg->max_inflight : 32;
	c->deadline_s = cfg->deadline_s > 0 ? cfg->deadline_s : 30.0;
	c->forbidden_is_missing = cfg->forbidden_is_missing;
	c->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)c;
	c->active = bf_calloc((size_t)c->max_inflight, sizeof(*c->active));
	c->multi = cu->multi_init();
	if (!c->active || !c->multi)
		goto oom;
	if (cfg->sigv4) {
		size_t tl = cfg->token ? strlen(cfg->token) + 32 : 0;

		c->sigv4 = bf_strdup(cfg->sigv4);
		c->userpwd_user = dup_or_null(cfg->key_id ? cfg->key_id : "");
		c->userpwd_pass = dup_or_null(cfg->secret ? cfg->secret : "");
		if (!c->sigv4 || !c->userpwd_user || !c->userpwd_pass)
			goto oom;
		if (cfg->token && *cfg->token) {
			if (!(c->token_hdr = bf_malloc(tl)))
				goto oom;
			snprintf(c->token_hdr, tl, "x-amz-security-token: %s", cfg->token);
		}
	}
	c->ca_file = env_dup("CURL_CA_BUNDLE");
	if (!c->ca_file)
		c->ca_file = env_dup("SSL_CERT_FILE");
	if (!c->ca_file && cfg->sigv4)
		c->ca_file = env_dup("AWS_CA_BUNDLE");
	c->ca_path = env_dup("SSL_CERT_DIR");
	cu->multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	cu->multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)c->max_inflight);
	cu->multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)c->max_inflight);
	if (pthread_create(&c->thread, NULL, driver_main, c) != 0) {
		bf_err_set(err, BF_E_IO, "cannot start the HTTP thread");
		http_client_free(c);
		return NULL;
	}
	c->thread_ok = true;
	return c;
oom:
	http_client_free(c);
	bf_err_set(err, BF_E_NOMEM, "out of memory");
	return NULL;
}

static void wipe_free(char *s)
{
	if (!s)
		return;
	memset(s, 0, strlen(s));
	bf_free(s);
}

void http_client_free(struct http_client *c)
{
	struct http_req *r;
	int i;

	if (!c)
		return;
	if (c->thread_ok) {
		pthread_mutex_lock(&c->lock);
		c->stop = true;
		pthread_mutex_unlock(&c->lock);
		cu->multi_wakeup(c->multi);
		pthread_join(c->thread, NULL);
	}
	/* callers free their requests first; anything left is ours now */
	for (i = 0; i < c->nactive; i++) {
		easy_drop(c, c->active[i]);
		req_destroy(c->active[i]);
	}
	while ((r = c->pend_head)) {
		c->pend_head = r->next;
		req_destroy(r);
	}
	while ((r = c->retry)) {
		c->retry = r->next;
		req_destroy(r);
	}
	if (c->multi)
		cu->multi_cleanup(c->multi);
	bf_free(c->active);
	bf_free(c->sigv4);
	wipe_free(c->userpwd_user);
	wipe_free(c->userpwd_pass);
	wipe_free(c->token_hdr);
	bf_free(c->ca_file);
	bf_free(c->ca_path);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	bf_free(c);
}

struct http_req *http_start(struct http_client *c, const char *url, int range, uint64_t off,
			    uint64_t len)
{
	struct http_req *r = bf_calloc(1, sizeof(*r));

	if (!r || !(r->url = bf_strdup(url))) {
		bf_free(r);
		return NULL;
	}
	r->c = c;
	r->range = (range != HTTP_WHOLE && len == 0) ? HTTP_WHOLE : range;
	r->off = off;
	r->len = len;
	r->deadline = mono_now() + c->deadline_s;
	pthread_mutex_lock(&c->lock);
	r->st = R_PENDING;
	if (c->pend_tail)
		c->pend_tail->next = r;
	else
		c->pend_head = r;
	c->pend_tail = r;
	pthread_mutex_unlock(&c->lock);
	cu->multi_wakeup(c->multi);
	return r;
}

bool http_done(struct http_req *r)
{
	bool d;

	pthread_mutex_lock(&r->c->lock);
	d = r->st == R_DONE;
	pthread_mutex_unlock(&r->c->lock);
	return d;
}

int http_wait(struct http_req *r, struct bf_err *err)
{
	struct http_client *c = r->c;
	int rc;

	pthread_mutex_lock(&c->lock);
	while (r->st != R_DONE)
		pthread_cond_wait(&c->cond, &c->lock);
	rc = r->rc;
	pthread_mutex_unlock(&c->lock);
	if (rc < 0 && rc != BF_E_NOTFOUND)
		return bf_err_set(err, rc, "%s", r->msg);
	if (rc == BF_E_NOTFOUND)
		return bf_err_set(err, rc, "no object at '%s'", r->url);
	return rc;
}

const uint8_t *http_body(const struct http_req *r, size_t *len, uint64_t *total)
{
	*len = r->blen;
	if (total)
		*total = r->total;
	return r->buf;
}

uint8_t *http_take_body(struct http_req *r, size_t *len)
{
	uint8_t *b = r->buf;

	*len = r->blen;
	if (b)
		atomic_fetch_sub(&r->c->held, r->bcap);
	r->buf = NULL;
	r->blen = r->bcap = 0;
	return b;
}

void http_req_free(struct http_req *r)
{
	struct http_client *c;
	struct http_req **pp;

	if (!r)
		return;
	c = r->c;
	pthread_mutex_lock(&c->lock);
	switch (r->st) {
	case R_DONE:
		break;
	case R_ACTIVE:
		r->cancelled = true;
		pthread_mutex_unlock(&c->lock);
		cu->multi_wakeup(c->multi);
		return;
	case R_PENDING:
	case R_RETRY: {
		struct http_req *prev = NULL;

		pp = r->st == R_PENDING ? &c->pend_head : &c->retry;
		for (; *pp && *pp != r; pp = &(*pp)->next)
			prev = *pp;
		if (*pp)
			*pp = r->next;
		if (r->st == R_PENDING && c->pend_tail == r)
			c->pend_tail = prev;
		break;
	}
	}
	pthread_mutex_unlock(&c->lock);
	req_destroy(r);
}

uint64_t http_bytes_held(struct http_client *c)
{
	return atomic_load(&c->held);
}

int http_get(struct http_client *c, const char *url, int range, uint64_t off, uint64_t len,
	     uint8_t **body, size_t *blen, uint64_t *total, struct bf_err *err)
{
	struct http_req *r = http_start(c, url, range, off, len);
	int rc;

	*body = NULL;
	*blen = 0;
	if (!r)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	rc = http_wait(r, err);
	if (rc == 0) {
		if (total)
			*total = r->total;
		*body = http_take_body(r, blen);
	}
	http_req_free(r);
	return rc;
}
