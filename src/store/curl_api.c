/*
 * curl_api.c - libcurl, loaded on first use (see curl_api.h).
 */
#include "util/bf_config.h"

#include "store/curl_api.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define CURL_API_SONAME "libcurl.so.4"

static pthread_once_t curl_api_once = PTHREAD_ONCE_INIT;
static struct curl_api curl_api_table;
static const struct curl_api *curl_api_ready;
static char curl_api_why[256];

/* dlsym's void * turned into a function pointer without a cast ISO C forbids */
static int curl_api_sym(void *lib, const char *name, void *slot, size_t size)
{
	void *p = dlsym(lib, name);

	if (!p) {
		snprintf(curl_api_why, sizeof(curl_api_why), "%s has no %s", CURL_API_SONAME, name);
		return -1;
	}
	memcpy(slot, &p, size);
	return 0;
}

#define CURL_API_SYM(lib, field, name)                                                             \
	curl_api_sym(lib, name, &curl_api_table.field, sizeof(curl_api_table.field))

static void curl_api_open(void)
{
	struct curl_api *t = &curl_api_table;
	void *lib = dlopen(CURL_API_SONAME, RTLD_NOW | RTLD_LOCAL);
	CURLcode rc;

	if (!lib) {
		const char *e = dlerror();

		snprintf(curl_api_why, sizeof(curl_api_why), "%s", e ? e : CURL_API_SONAME);
		return;
	}
	if (CURL_API_SYM(lib, global_init, "curl_global_init") ||
	    CURL_API_SYM(lib, easy_init, "curl_easy_init") ||
	    CURL_API_SYM(lib, easy_cleanup, "curl_easy_cleanup") ||
	    CURL_API_SYM(lib, easy_setopt, "curl_easy_setopt") ||
	    CURL_API_SYM(lib, easy_getinfo, "curl_easy_getinfo") ||
	    CURL_API_SYM(lib, easy_strerror, "curl_easy_strerror") ||
	    CURL_API_SYM(lib, multi_init, "curl_multi_init") ||
	    CURL_API_SYM(lib, multi_cleanup, "curl_multi_cleanup") ||
	    CURL_API_SYM(lib, multi_add_handle, "curl_multi_add_handle") ||
	    CURL_API_SYM(lib, multi_remove_handle, "curl_multi_remove_handle") ||
	    CURL_API_SYM(lib, multi_info_read, "curl_multi_info_read") ||
	    CURL_API_SYM(lib, multi_perform, "curl_multi_perform") ||
	    CURL_API_SYM(lib, multi_poll, "curl_multi_poll") ||
	    CURL_API_SYM(lib, multi_setopt, "curl_multi_setopt") ||
	    CURL_API_SYM(lib, multi_wakeup, "curl_multi_wakeup") ||
	    CURL_API_SYM(lib, slist_append, "curl_slist_append") ||
	    CURL_API_SYM(lib, slist_free_all, "curl_slist_free_all"))
		return;
	rc = t->global_init(CURL_GLOBAL_ALL);
	if (rc != CURLE_OK) {
		snprintf(curl_api_why, sizeof(curl_api_why), "curl_global_init: %s",
			 t->easy_strerror(rc));
		return;
	}
	curl_api_ready = t;
}

const struct curl_api *curl_api_load(struct bf_err *err)
{
	pthread_once(&curl_api_once, curl_api_open);
	if (!curl_api_ready)
		bf_err_set(err, BF_E_UNSUPPORTED, "remote stores need libcurl (%s): %s",
			   CURL_API_SONAME, curl_api_why);
	return curl_api_ready;
}
