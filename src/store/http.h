/*
 * http.h - HTTP(S) GETs for the remote stores, many at once from one thread.
 *
 * Owns: a libcurl multi handle and the one driver thread that runs every
 * transfer (no thread per request), the queue of requests waiting for one
 * of `max_inflight` transfer slots, connection reuse (the multi handle's
 * pool; HTTP/2 multiplexing where the server offers it), TLS verification
 * (always on; CA bundle from CURL_CA_BUNDLE, SSL_CERT_FILE, SSL_CERT_DIR or
 * AWS_CA_BUNDLE), AWS SigV4 signing by libcurl (CURLOPT_AWS_SIGV4), and
 * retries: a 5xx, a 429, a 408, a reset, a stalled or cut transfer is
 * retried with exponential backoff and jitter until the request's deadline;
 * then the request fails with BF_E_IO and a message naming the URL.  404
 * (and 403 when `forbidden_is_missing`) is BF_E_NOTFOUND.
 *
 * Until the first answer from the server, a refused connection, an unknown
 * host or a TLS failure fails at once (a store that is down at start-up is
 * an error, not a 30 s wait); afterwards they are retried like the rest.
 *
 * Secrets (the SigV4 key pair, the session token) go only into libcurl's
 * request options: never into a URL, a message or a log line.
 *
 * Thread-safety: every function may be called from any thread; a request
 * belongs to the thread that started it.
 */
#ifndef BF_HTTP_H
#define BF_HTTP_H

#include "util/bf_config.h"

#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_cfg {
	int max_inflight;	   /* transfers at once; <= 0 means 32 */
	double deadline_s;	   /* per request, retries included; <= 0 means 30 */
	bool forbidden_is_missing; /* 403 = BF_E_NOTFOUND (S3 without s3:ListBucket) */
	/* AWS SigV4 (all NULL for none): "aws:amz:REGION:s3", key id, secret, token */
	const char *sigv4, *key_id, *secret, *token;
};

struct http_client;
struct http_req;

/* @return a client (its thread running), or NULL with `err` set. */
struct http_client *http_client_new(const struct http_cfg *cfg, struct bf_err *err);

/* Stop the thread, cancel what is pending and free.  NULL allowed. */
void http_client_free(struct http_client *c);

/* Range forms for http_start. */
#define HTTP_WHOLE  0 /* the whole object */
#define HTTP_RANGE  1 /* bytes [off, off + len) */
#define HTTP_SUFFIX 2 /* the last `len` bytes */

/*
 * Queue a GET of `url` (copied).  Never blocks on the network.
 * @return the request, or NULL when out of memory.
 */
struct http_req *http_start(struct http_client *c, const char *url, int range, uint64_t off,
			    uint64_t len);

/* True when the request has finished (ok or not). */
bool http_done(struct http_req *r);

/*
 * Wait for a request to finish.
 * @return 0 (body available), BF_E_NOTFOUND, or BF_E_IO / BF_E_TIMEOUT /
 *         BF_E_NOMEM with `err` set (the message names the URL).
 */
int http_wait(struct http_req *r, struct bf_err *err) BF_MUST_CHECK;

/*
 * The body of a finished request (owned by it) and the object's total size
 * (from Content-Range, else the body length).
 */
const uint8_t *http_body(const struct http_req *r, size_t *len, uint64_t *total);

/* Take the body buffer (free with bf_free); the request keeps none. */
uint8_t *http_take_body(struct http_req *r, size_t *len);

/* Forget a request, cancelling it if it still runs.  NULL allowed. */
void http_req_free(struct http_req *r);

/* Bytes held in bodies of requests not yet freed (in flight or done). */
uint64_t http_bytes_held(struct http_client *c);

/*
 * Convenience: start, wait, take the body.  On success `*body` (bf_malloc'd,
 * may be NULL when empty) and `*len`; `total` may be NULL.
 */
int http_get(struct http_client *c, const char *url, int range, uint64_t off, uint64_t len,
	     uint8_t **body, size_t *blen, uint64_t *total, struct bf_err *err) BF_MUST_CHECK;

#endif
