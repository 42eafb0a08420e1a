/*
 * bgi.c - .bgen.bgi SQLite index writer (see bgi.h).
 */
#include "util/bf_config.h"

#include "format/bgi.h"
#include "util/alloc.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <unistd.h>

struct bgi_writer {
	sqlite3 *db;	      /* open connection */
	sqlite3_stmt *insert; /* prepared INSERT */
	bool in_txn;	      /* BEGIN issued, not yet committed */
};

static int db_error(sqlite3 *db, const char *what, struct bf_err *err)
{
	return bf_err_set(err, BF_E_IO, "bgi: %s: %s", what,
			  db ? sqlite3_errmsg(db) : "cannot open database");
}

static int exec(sqlite3 *db, const char *sql, struct bf_err *err)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(db, sql, err);
	return 0;
}

void bgi_writer_free(struct bgi_writer *w)
{
	if (!w)
		return;
	sqlite3_finalize(w->insert);
	if (w->in_txn)
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(w->db);
	bf_free(w);
}

struct bgi_writer *bgi_writer_create(const char *path, struct bf_err *err)
{
	struct bgi_writer *w;

	if (unlink(path) != 0 && errno != ENOENT) {
		bf_err_sys(err, BF_E_IO, "cannot remove '%s'", path);
		return NULL;
	}
	w = bf_calloc(1, sizeof(*w));
	if (!w) {
		bf_err_set(err, BF_E_NOMEM, "out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		db_error(w->db, "open", err);
		bf_err_prefix(err, "'%s'", path);
		bgi_writer_free(w);
		return NULL;
	}
	if (exec(w->db, BGI_SQL_CREATE_TABLE, err) < 0 ||
	    exec(w->db, BGI_SQL_CREATE_INDEX, err) < 0) {
		bgi_writer_free(w);
		return NULL;
	}
	if (sqlite3_prepare_v2(w->db, "INSERT INTO Variant VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1,
			       &w->insert, NULL) != SQLITE_OK) {
		db_error(w->db, "prepare", err);
		bgi_writer_free(w);
		return NULL;
	}
	if (exec(w->db, "BEGIN", err) < 0) {
		bgi_writer_free(w);
		return NULL;
	}
	w->in_txn = true;
	return w;
}

int bgi_writer_add(struct bgi_writer *w, const struct bgi_row *r, struct bf_err *err)
{
	sqlite3_stmt *st = w->insert;
	int rc;

	if (r->chrom.len > INT32_MAX || r->rsid.len > INT32_MAX || r->allele1.len > INT32_MAX ||
	    r->allele2.len > INT32_MAX || r->file_start > INT64_MAX || r->size > INT64_MAX)
		return bf_err_set(err, BF_E_RANGE, "bgi: row value too large");
	sqlite3_reset(st);
	if (sqlite3_bind_text(st, 1, r->chrom.len ? r->chrom.p : "", (int)r->chrom.len,
			      SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, r->pos) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, r->rsid.len ? r->rsid.p : "", (int)r->rsid.len,
			      SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, 2) != SQLITE_OK ||
	    sqlite3_bind_text(st, 5, r->allele1.len ? r->allele1.p : "", (int)r->allele1.len,
			      SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 6, r->allele2.len ? r->allele2.p : "", (int)r->allele2.len,
			      SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 7, (sqlite3_int64)r->file_start) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 8, (sqlite3_int64)r->size) != SQLITE_OK)
		return db_error(w->db, "bind", err);
	rc = sqlite3_step(st);
	sqlite3_clear_bindings(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_error(w->db, "insert", err);
	return 0;
}

int bgi_writer_finish(struct bgi_writer *w, struct bf_err *err)
{
	int rc;

	sqlite3_finalize(w->insert);
	w->insert = NULL;
	rc = exec(w->db, "COMMIT", err);
	if (rc == 0)
		w->in_txn = false;
	if (sqlite3_close(w->db) != SQLITE_OK && rc == 0)
		rc = db_error(w->db, "close", err);
	w->db = NULL;
	w->in_txn = false;
	bf_free(w);
	return rc;
}

int bgi_rsid_for_variant(const struct bgen_params *p, const struct fmt_variant *v,
			 struct bf_strbuf *out, struct bf_err *err)
{
	return bgen_rsid_slot(p, v, out, err);
}

int bgi_row_for_variant(const struct bgen_params *p, const struct fmt_variant *v,
			uint64_t file_start, uint64_t size, struct bf_strbuf *rsid_buf,
			struct bgi_row *row, struct bf_err *err)
{
	bf_strbuf_reset(rsid_buf);
	BF_FORWARD(bgen_rsid_slot(p, v, rsid_buf, err));
	row->chrom = v->chrom;
	row->pos = v->pos;
	row->rsid.p = rsid_buf->buf ? rsid_buf->buf : "";
	row->rsid.len = rsid_buf->len;
	row->allele1 = v->ref;
	row->allele2 = bgen_allele2(v);
	row->file_start = file_start;
	row->size = size;
	return 0;
}

int bgi_write(const char *path, const struct bgi_row *rows, size_t n, struct bf_err *err)
{
	struct bgi_writer *w = bgi_writer_create(path, err);
	size_t i;

	if (!w)
		return err ? err->code : BF_E_IO;
	for (i = 0; i < n; i++) {
		int rc = bgi_writer_add(w, &rows[i], err);
		if (rc < 0) {
			bgi_writer_free(w);
			return rc;
		}
	}
	return bgi_writer_finish(w, err);
}
