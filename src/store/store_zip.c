/*
 * store_zip.c - a store backed by a .vcz.zip archive.
 *
 * Placeholder until the zip reader lands: opening a zip fails cleanly.
 */
#include "util/bf_config.h"

#include "store/store_internal.h"

void *store_zip_open(const char *path, struct bf_err *err)
{
	bf_err_set(err, BF_E_UNSUPPORTED, "cannot open '%s': zip stores are not supported yet",
		   path);
	return NULL;
}

static void zip_close(void *state)
{
	(void)state;
}

static int64_t zip_size(void *state, const char *key, struct bf_err *err)
{
	(void)state;
	return bf_err_set(err, BF_E_NOTFOUND, "no object '%s'", key);
}

static int zip_read(void *state, const char *key, void *buf, size_t len, struct bf_err *err)
{
	(void)state;
	(void)buf;
	(void)len;
	return bf_err_set(err, BF_E_NOTFOUND, "no object '%s'", key);
}

static int zip_list(void *state, const char *prefix, store_list_fn fn, void *opaque,
		    struct bf_err *err)
{
	(void)state;
	(void)prefix;
	(void)fn;
	(void)opaque;
	(void)err;
	return 0;
}

const struct store_backend store_zip_backend = {
	.kind = "zip",
	.size = zip_size,
	.read = zip_read,
	.list = zip_list,
	.close = zip_close,
};
