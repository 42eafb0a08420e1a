/*
 * curl_api.h - libcurl, loaded on first use.
 *
 * Owns: the process's one handle on libcurl (libcurl.so.4), opened with
 * dlopen the first time a remote store is opened, and the table of the
 * libcurl functions store/http.c calls.  A mount or view of a local store
 * therefore never maps libcurl and the TLS, Kerberos, LDAP and IDN libraries
 * it pulls in (about 4.5 MiB of resident pages in each of the mount's two
 * processes, which the idle-memory budget cannot afford).  The library is
 * never closed: libcurl's global state lives until the process exits.
 */
#ifndef BF_STORE_CURL_API_H
#define BF_STORE_CURL_API_H

#include "util/bf_config.h"

#include "util/err.h"

#include <curl/curl.h>

struct curl_api {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *h);
	CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
	const char *(*easy_strerror)(CURLcode rc);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_cleanup)(CURLM *m);
	CURLMcode (*multi_add_handle)(CURLM *m, CURL *h);
	CURLMcode (*multi_remove_handle)(CURLM *m, CURL *h);
	CURLMsg *(*multi_info_read)(CURLM *m, int *left);
	CURLMcode (*multi_perform)(CURLM *m, int *running);
	CURLMcode (*multi_poll)(CURLM *m, struct curl_waitfd extra[], unsigned int n,
				int timeout_ms, int *ret);
	CURLMcode (*multi_setopt)(CURLM *m, CURLMoption opt, ...);
	CURLMcode (*multi_wakeup)(CURLM *m);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
};

/*
 * The loaded table, with curl_global_init done (thread-safe, once per
 * process).  NULL with BF_E_UNSUPPORTED and a message naming the library
 * when libcurl cannot be loaded or lacks a function.
 */
const struct curl_api *curl_api_load(struct bf_err *err);

#endif
