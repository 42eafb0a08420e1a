/*
 * remote_conf.h - what a remote store needs to know: storage options and
 * AWS credentials.
 *
 * Owns: decoding --storage-option values (JSON when they parse as JSON,
 * else the text, as the reference does), the keys biofuse maps (fsspec's
 * s3fs spellings, obstore's aws_* spellings, and its own
 * treat_403_as_missing), and the AWS credential chain: storage options,
 * then AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, then
 * the profile (AWS_PROFILE, else "default") in AWS_SHARED_CREDENTIALS_FILE
 * (~/.aws/credentials) and AWS_CONFIG_FILE (~/.aws/config).  Region: option,
 * AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1.
 * Endpoint: option, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's
 * endpoint_url, else AWS.  No credentials anywhere (or anon=true) means
 * anonymous, unsigned requests.
 *
 * Messages name option keys, never their values (a value may be a secret).
 */
#ifndef BF_REMOTE_CONF_H
#define BF_REMOTE_CONF_H

#include "util/bf_config.h"

#include "store/store.h"
#include "util/err.h"

#include <stdbool.h>

struct remote_conf {
	bool anon;		   /* unsigned requests */
	bool forbidden_is_missing; /* 403 = missing key */
	char *key_id, *secret, *token;
	char *region;	/* never NULL after remote_conf_resolve */
	char *endpoint; /* NULL: AWS's own endpoints */
	bool endpoint_given;
};

/*
 * Check the storage options alone (names and value types).
 * @return 0 or BF_E_INVAL with a message naming the key.
 */
int remote_conf_check(const struct store_config *cfg, struct bf_err *err);

/*
 * Resolve options, environment and AWS files into `out` (initialised here;
 * release with remote_conf_release in every case).  `s3` selects whether the
 * credential chain runs (plain HTTP stores use only the options).
 * @return 0 or BF_E_INVAL / BF_E_NOMEM.
 */
int remote_conf_resolve(const struct store_config *cfg, bool s3, struct remote_conf *out,
			struct bf_err *err);

void remote_conf_release(struct remote_conf *c);

/*
 * Parse one INI-style AWS file's `section` for `key` (exposed for tests).
 * @return a bf_malloc'd value, or NULL when absent.
 */
char *remote_conf_ini_get(const char *path, const char *section, const char *key);

#endif
