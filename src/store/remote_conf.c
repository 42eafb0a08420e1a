/*
 * remote_conf.c - storage options and the AWS credential chain (see
 * remote_conf.h).
 */
#include "util/bf_config.h"

#include "store/remote_conf.h"
#include "util/alloc.h"
#include "util/log.h"

#include <ctype.h>
#include <strings.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum opt_id {
	O_ANON,
	O_KEY,
	O_SECRET,
	O_TOKEN,
	O_ENDPOINT,
	O_REGION,
	O_CLIENT_KWARGS,
	O_403,
};

static const struct {
	const char *name;
	enum opt_id id;
} opt_names[] = {
    {"anon", O_ANON},
    {"skip_signature", O_ANON}, /* obstore */
    {"key", O_KEY},
    {"aws_access_key_id", O_KEY},
    {"access_key_id", O_KEY},
    {"secret", O_SECRET},
    {"aws_secret_access_key", O_SECRET},
    {"secret_access_key", O_SECRET},
    {"token", O_TOKEN},
    {"aws_session_token", O_TOKEN},
    {"session_token", O_TOKEN},
    {"endpoint_url", O_ENDPOINT},
    {"endpoint", O_ENDPOINT},
    {"aws_endpoint", O_ENDPOINT},
    {"aws_endpoint_url", O_ENDPOINT},
    {"region", O_REGION},
    {"region_name", O_REGION},
    {"aws_region", O_REGION},
    {"client_kwargs", O_CLIENT_KWARGS},
    {"treat_403_as_missing", O_403},
};

#define KNOWN_KEYS                                                                                 \
	"anon, key, secret, token, endpoint_url, region, client_kwargs (endpoint_url, "            \
	"region_name), treat_403_as_missing, or obstore's aws_* spellings"

static int find_opt(const char *name, enum opt_id *id)
{
	size_t i;

	for (i = 0; i < sizeof(opt_names) / sizeof(opt_names[0]); i++)
		if (!strcmp(opt_names[i].name, name)) {
			*id = opt_names[i].id;
			return 0;
		}
	return -1;
}

/* The value as JSON when it parses, else as a JSON string of the text. */
static json_t *decode_value(const char *v)
{
	json_t *j = json_loads(v, JSON_DECODE_ANY, NULL);

	return j ? j : json_string(v);
}

static int want_bool(const char *key, json_t *j, bool *out, struct bf_err *err)
{
	const char *s = json_string_value(j);

	if (json_is_boolean(j)) {
		*out = json_is_true(j);
		return 0;
	}
	if (json_is_integer(j) && (json_integer_value(j) == 0 || json_integer_value(j) == 1)) {
		*out = json_integer_value(j) == 1;
		return 0;
	}
	if (s && (!strcasecmp(s, "true") || !strcasecmp(s, "yes"))) {
		*out = true;
		return 0;
	}
	if (s && (!strcasecmp(s, "false") || !strcasecmp(s, "no"))) {
		*out = false;
		return 0;
	}
	return bf_err_set(err, BF_E_INVAL, "storage option '%s' must be true or false", key);
}

static int want_str(const char *key, json_t *j, char **out, struct bf_err *err)
{
	const char *s = json_string_value(j);

	if (!s)
		return bf_err_set(err, BF_E_INVAL, "storage option '%s' must be a string", key);
	bf_free(*out);
	*out = bf_strdup(s);
	return *out ? 0 : bf_err_set(err, BF_E_NOMEM, "out of memory");
}

static int apply_opt(struct remote_conf *c, const char *key, json_t *j, struct bf_err *err)
{
	enum opt_id id;

	if (find_opt(key, &id) < 0)
		return bf_err_set(
		    err, BF_E_INVAL,
		    "unsupported storage option '%s' (biofuse understands " KNOWN_KEYS ")", key);
	switch (id) {
	case O_ANON:
		return want_bool(key, j, &c->anon, err);
	case O_403:
		return want_bool(key, j, &c->forbidden_is_missing, err);
	case O_KEY:
		return want_str(key, j, &c->key_id, err);
	case O_SECRET:
		return want_str(key, j, &c->secret, err);
	case O_TOKEN:
		return want_str(key, j, &c->token, err);
	case O_ENDPOINT:
		c->endpoint_given = true;
		return want_str(key, j, &c->endpoint, err);
	case O_REGION:
		return want_str(key, j, &c->region, err);
	case O_CLIENT_KWARGS: {
		const char *k;
		json_t *v;

		if (!json_is_object(j))
			return bf_err_set(err, BF_E_INVAL,
					  "storage option 'client_kwargs' must be a JSON object");
		json_object_foreach(j, k, v)
		{
			if (!strcmp(k, "endpoint_url")) {
				c->endpoint_given = true;
				BF_FORWARD(
				    want_str("client_kwargs.endpoint_url", v, &c->endpoint, err));
			} else if (!strcmp(k, "region_name")) {
				BF_FORWARD(
				    want_str("client_kwargs.region_name", v, &c->region, err));
			} else {
				return bf_err_set(
				    err, BF_E_INVAL,
				    "unsupported storage option 'client_kwargs.%s' "
				    "(biofuse understands endpoint_url and region_name)",
				    k);
			}
		}
		return 0;
	}
	}
	return 0;
}

static void conf_init(struct remote_conf *c)
{
	memset(c, 0, sizeof(*c));
}

static void wipe(char **s)
{
	if (*s) {
		memset(*s, 0, strlen(*s));
		bf_free(*s);
		*s = NULL;
	}
}

void remote_conf_release(struct remote_conf *c)
{
	if (!c)
		return;
	wipe(&c->key_id);
	wipe(&c->secret);
	wipe(&c->token);
	bf_free(c->region);
	bf_free(c->endpoint);
	conf_init(c);
}

static int apply_all(struct remote_conf *c, const struct store_config *cfg, struct bf_err *err)
{
	size_t i;

	if (cfg->backend && strcmp(cfg->backend, "fsspec") && strcmp(cfg->backend, "obstore"))
		return bf_err_set(err, BF_E_UNSUPPORTED,
				  "--backend-storage %s is not supported: biofuse reads plain Zarr "
				  "stores (local, http(s)://, s3://)",
				  cfg->backend);
	for (i = 0; i < cfg->n_opts; i++) {
		json_t *j = decode_value(cfg->opts[i].value ? cfg->opts[i].value : "");
		int rc;

		if (!j)
			return bf_err_set(err, BF_E_NOMEM, "out of memory");
		rc = apply_opt(c, cfg->opts[i].key, j, err);
		json_decref(j);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int remote_conf_check(const struct store_config *cfg, struct bf_err *err)
{
	struct remote_conf c;
	int rc;

	conf_init(&c);
	rc = apply_all(&c, cfg, err);
	remote_conf_release(&c);
	return rc;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

char *remote_conf_ini_get(const char *path, const char *section, const char *key)
{
	FILE *f = fopen(path, "r");
	char line[4096], *val = NULL;
	bool in = false;

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		char *p = trim(line), *eq;

		if (!*p || *p == '#' || *p == ';')
			continue;
		if (*p == '[') {
			char *e = strchr(p, ']');

			if (e) {
				*e = 0;
				in = !strcmp(trim(p + 1), section);
			}
			continue;
		}
		if (!in || !(eq = strchr(p, '=')))
			continue;
		*eq = 0;
		if (!strcmp(trim(p), key)) {
			bf_free(val);
			val = bf_strdup(trim(eq + 1));
		}
	}
	memset(line, 0, sizeof(line));
	fclose(f);
	return val;
}

static char *env_str(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? bf_strdup(v) : NULL;
}

/* ~/.aws/NAME unless the variable names another file. */
static void aws_file(char *out, size_t n, const char *var, const char *name)
{
	const char *v = getenv(var), *home = getenv("HOME");

	if (v && *v)
		snprintf(out, n, "%s", v);
	else
		snprintf(out, n, "%s/.aws/%s", home && *home ? home : ".", name);
}

int remote_conf_resolve(const struct store_config *cfg, bool s3, struct remote_conf *out,
			struct bf_err *err)
{
	char cred_path[4096], conf_path[4096], section[300];
	const char *profile = getenv("AWS_PROFILE");
	int rc;

	conf_init(out);
	rc = apply_all(out, cfg, err);
	if (rc < 0 || !s3)
		goto done;
	if (!profile || !*profile)
		profile = "default";
	aws_file(cred_path, sizeof(cred_path), "AWS_SHARED_CREDENTIALS_FILE", "credentials");
	aws_file(conf_path, sizeof(conf_path), "AWS_CONFIG_FILE", "config");
	if (!strcmp(profile, "default"))
		snprintf(section, sizeof(section), "default");
	else
		snprintf(section, sizeof(section), "profile %s", profile);
	/* each part from the first place that has it: options, environment, profile */
	if (!out->anon && !out->key_id)
		out->key_id = env_str("AWS_ACCESS_KEY_ID");
	if (!out->anon && !out->secret)
		out->secret = env_str("AWS_SECRET_ACCESS_KEY");
	if (!out->anon && !out->token)
		out->token = env_str("AWS_SESSION_TOKEN");
	if (!out->anon && !out->key_id) {
		out->key_id = remote_conf_ini_get(cred_path, profile, "aws_access_key_id");
		if (out->key_id && !out->secret)
			out->secret =
			    remote_conf_ini_get(cred_path, profile, "aws_secret_access_key");
		if (out->key_id && !out->token)
			out->token = remote_conf_ini_get(cred_path, profile, "aws_session_token");
	}
	if (!out->anon && out->key_id && !out->secret) {
		rc = bf_err_set(err, BF_E_INVAL,
				"an S3 access key id was given without its secret access key");
		goto done;
	}
	if (!out->key_id)
		out->anon = true;
	if (!out->region)
		out->region = env_str("AWS_REGION");
	if (!out->region)
		out->region = env_str("AWS_DEFAULT_REGION");
	if (!out->region)
		out->region = remote_conf_ini_get(conf_path, section, "region");
	if (!out->endpoint)
		out->endpoint = env_str("AWS_ENDPOINT_URL_S3");
	if (!out->endpoint)
		out->endpoint = env_str("AWS_ENDPOINT_URL");
	if (!out->endpoint)
		out->endpoint = remote_conf_ini_get(conf_path, section, "endpoint_url");
	if (out->endpoint && !*out->endpoint) {
		bf_free(out->endpoint);
		out->endpoint = NULL;
	}
done:
	if (rc == 0 && !out->region && !(out->region = bf_strdup("us-east-1")))
		rc = bf_err_set(err, BF_E_NOMEM, "out of memory");
	if (rc < 0)
		remote_conf_release(out);
	return rc;
}
