/*
 * ipc.c - front/server wire protocol (see ipc.h).
 */
#include "util/bf_config.h"

#include "server/ipc.h"
#include "util/endian.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void ipc_header_encode(uint8_t *out, uint16_t type, uint32_t len)
{
	bf_store_le32(out, IPC_MAGIC);
	bf_store_le16(out + 4, IPC_VERSION);
	bf_store_le16(out + 6, type);
	bf_store_le32(out + 8, len);
	bf_store_le32(out + 12, 0);
}

int ipc_header_decode(const uint8_t *in, struct ipc_header *h, struct bf_err *err)
{
	if (bf_load_le32(in) != IPC_MAGIC)
		return bf_err_set(err, BF_E_FORMAT, "ipc: bad magic");
	h->version = bf_load_le16(in + 4);
	h->type = bf_load_le16(in + 6);
	h->len = bf_load_le32(in + 8);
	if (h->version != IPC_VERSION)
		return bf_err_set(err, BF_E_FORMAT, "ipc: version %u, expected %u", h->version,
				  IPC_VERSION);
	if (h->len > IPC_MAX_PAYLOAD)
		return bf_err_set(err, BF_E_FORMAT, "ipc: payload of %u bytes is too large",
				  h->len);
	return 0;
}

/* A cursor for writing or reading a payload with bounds checks. */
struct cur {
	uint8_t *w;
	const uint8_t *r;
	size_t pos, cap;
	int bad;
};

static void w_bytes(struct cur *c, const void *p, size_t n)
{
	if (c->bad || c->pos + n > c->cap) {
		c->bad = 1;
		return;
	}
	memcpy(c->w + c->pos, p, n);
	c->pos += n;
}

static void w16(struct cur *c, uint16_t v)
{
	uint8_t b[2];

	bf_store_le16(b, v);
	w_bytes(c, b, 2);
}

static void w32(struct cur *c, uint32_t v)
{
	uint8_t b[4];

	bf_store_le32(b, v);
	w_bytes(c, b, 4);
}

static void w64(struct cur *c, uint64_t v)
{
	uint8_t b[8];

	bf_store_le64(b, v);
	w_bytes(c, b, 8);
}

static void wstr(struct cur *c, const char *s)
{
	size_t n = strnlen(s, IPC_NAME_MAX - 1);

	w16(c, (uint16_t)n);
	w_bytes(c, s, n);
}

static const uint8_t *r_bytes(struct cur *c, size_t n)
{
	const uint8_t *p;

	if (c->bad || c->pos + n > c->cap) {
		c->bad = 1;
		return NULL;
	}
	p = c->r + c->pos;
	c->pos += n;
	return p;
}

static uint16_t r16(struct cur *c)
{
	const uint8_t *p = r_bytes(c, 2);

	return p ? bf_load_le16(p) : 0;
}

static uint32_t r32(struct cur *c)
{
	const uint8_t *p = r_bytes(c, 4);

	return p ? bf_load_le32(p) : 0;
}

static uint64_t r64(struct cur *c)
{
	const uint8_t *p = r_bytes(c, 8);

	return p ? bf_load_le64(p) : 0;
}

static void rstr(struct cur *c, char *out, size_t cap)
{
	size_t n = r16(c);
	const uint8_t *p;

	if (n >= cap) {
		c->bad = 1;
		return;
	}
	p = r_bytes(c, n);
	if (!p)
		return;
	memcpy(out, p, n);
	out[n] = '\0';
	if (memchr(out, '\0', n))
		c->bad = 1;
}

static int finish(struct cur *c, uint8_t *out, uint16_t type, struct bf_err *err)
{
	if (c->bad)
		return bf_err_set(err, BF_E_INTERNAL, "ipc: message too large");
	ipc_header_encode(out, type, (uint32_t)(c->pos - IPC_HEADER_LEN));
	return (int)c->pos;
}

int ipc_hello_encode(const struct ipc_hello *m, uint8_t *out, size_t cap, struct bf_err *err)
{
	struct cur c = {out, NULL, IPC_HEADER_LEN, cap, cap < IPC_HEADER_LEN};
	uint16_t i;

	w32(&c, (uint32_t)m->status);
	wstr(&c, m->msg);
	w16(&c, m->n_files);
	for (i = 0; i < m->n_files && i < IPC_MAX_FILES; i++) {
		wstr(&c, m->files[i].name);
		w64(&c, m->files[i].size);
		w_bytes(&c, &m->files[i].streaming, 1);
		wstr(&c, m->files[i].path);
	}
	return finish(&c, out, IPC_HELLO, err);
}

int ipc_hello_decode(const uint8_t *p, size_t len, struct ipc_hello *m, struct bf_err *err)
{
	struct cur c = {NULL, p, 0, len, 0};
	uint16_t i;

	memset(m, 0, sizeof(*m));
	m->status = (int32_t)r32(&c);
	rstr(&c, m->msg, sizeof(m->msg));
	m->n_files = r16(&c);
	if (m->n_files > IPC_MAX_FILES)
		return bf_err_set(err, BF_E_FORMAT, "ipc: hello with %u files", m->n_files);
	for (i = 0; i < m->n_files && !c.bad; i++) {
		const uint8_t *b;

		rstr(&c, m->files[i].name, sizeof(m->files[i].name));
		m->files[i].size = r64(&c);
		b = r_bytes(&c, 1);
		m->files[i].streaming = b ? *b : 0;
		rstr(&c, m->files[i].path, sizeof(m->files[i].path));
	}
	if (c.bad || c.pos != len)
		return bf_err_set(err, BF_E_FORMAT, "ipc: malformed hello");
	return 0;
}

int ipc_read_req_encode(const struct ipc_read_req *m, uint8_t *out, size_t cap, struct bf_err *err)
{
	struct cur c = {out, NULL, IPC_HEADER_LEN, cap, cap < IPC_HEADER_LEN};

	w64(&c, m->id);
	w64(&c, m->offset);
	w32(&c, m->length);
	w32(&c, m->slot);
	w32(&c, m->flags);
	w64(&c, m->handle);
	return finish(&c, out, IPC_READ_REQ, err);
}

int ipc_read_req_decode(const uint8_t *p, size_t len, struct ipc_read_req *m, struct bf_err *err)
{
	struct cur c = {NULL, p, 0, len, 0};

	m->id = r64(&c);
	m->offset = r64(&c);
	m->length = r32(&c);
	m->slot = r32(&c);
	m->flags = r32(&c);
	m->handle = r64(&c);
	if (c.bad || c.pos != len)
		return bf_err_set(err, BF_E_FORMAT, "ipc: malformed read request");
	return 0;
}

int ipc_read_rep_encode(const struct ipc_read_rep *m, uint8_t *out, size_t cap, struct bf_err *err)
{
	struct cur c = {out, NULL, IPC_HEADER_LEN, cap, cap < IPC_HEADER_LEN};
	size_t n = strnlen(m->msg, sizeof(m->msg) - 1);

	w64(&c, m->id);
	w32(&c, (uint32_t)m->code);
	w32(&c, m->n);
	w16(&c, (uint16_t)n);
	w_bytes(&c, m->msg, n);
	w64(&c, m->start);
	return finish(&c, out, IPC_READ_REP, err);
}

int ipc_read_rep_decode(const uint8_t *p, size_t len, struct ipc_read_rep *m, struct bf_err *err)
{
	struct cur c = {NULL, p, 0, len, 0};
	size_t n;
	const uint8_t *s;

	memset(m, 0, sizeof(*m));
	m->id = r64(&c);
	m->code = (int32_t)r32(&c);
	m->n = r32(&c);
	n = r16(&c);
	if (n >= sizeof(m->msg))
		return bf_err_set(err, BF_E_FORMAT, "ipc: malformed read reply");
	s = r_bytes(&c, n);
	if (s && memchr(s, '\0', n))
		return bf_err_set(err, BF_E_FORMAT, "ipc: malformed read reply");
	if (s)
		memcpy(m->msg, s, n);
	m->start = r64(&c);
	if (c.bad || c.pos != len || m->code > 0 || (m->code < 0 && m->n != 0))
		return bf_err_set(err, BF_E_FORMAT, "ipc: malformed read reply");
	return 0;
}

int ipc_config_encode(uint32_t flags, const uint8_t *body, size_t body_len, struct bf_strbuf *out,
		      struct bf_err *err)
{
	uint8_t h[IPC_HEADER_LEN + 4];

	if (body_len > IPC_MAX_PAYLOAD - 4)
		return bf_err_set(err, BF_E_INVAL, "ipc: configuration of %zu bytes is too large",
				  body_len);
	ipc_header_encode(h, IPC_CONFIG, (uint32_t)(4 + body_len));
	bf_store_le32(h + IPC_HEADER_LEN, flags);
	if (bf_strbuf_add(out, h, sizeof(h)) < 0 ||
	    (body_len && bf_strbuf_add(out, body, body_len) < 0))
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	return 0;
}

int ipc_config_decode(const uint8_t *p, size_t len, uint32_t *flags, const uint8_t **body,
		      size_t *body_len, struct bf_err *err)
{
	if (len < 4)
		return bf_err_set(err, BF_E_FORMAT, "ipc: malformed configuration");
	*flags = bf_load_le32(p);
	*body = p + 4;
	*body_len = len - 4;
	return 0;
}

static int read_full(int fd, uint8_t *buf, size_t n, size_t *got)
{
	*got = 0;
	while (*got < n) {
		ssize_t r = read(fd, buf + *got, n - *got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		*got += (size_t)r;
	}
	return 1;
}

int ipc_recv(int fd, struct ipc_header *h, uint8_t *buf, size_t cap, struct bf_err *err)
{
	uint8_t hdr[IPC_HEADER_LEN];
	size_t got;
	int rc = read_full(fd, hdr, sizeof(hdr), &got);

	if (rc < 0)
		return bf_err_sys(err, BF_E_IO, "ipc: read failed");
	if (rc == 0 && got == 0)
		return 0; /* end of stream */
	if (rc == 0)
		return bf_err_set(err, BF_E_IO, "ipc: truncated message");
	BF_FORWARD(ipc_header_decode(hdr, h, err));
	if (h->len > cap)
		return bf_err_set(err, BF_E_FORMAT, "ipc: message of %u bytes is too large",
				  h->len);
	rc = read_full(fd, buf, h->len, &got);
	if (rc < 0)
		return bf_err_sys(err, BF_E_IO, "ipc: read failed");
	if (rc == 0 && h->len > 0)
		return bf_err_set(err, BF_E_IO, "ipc: truncated message");
	return 1;
}

int ipc_send(int fd, const void *buf, size_t len, struct bf_err *err)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return bf_err_sys(err, BF_E_IO, "ipc: send failed");
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
