/*
 * sidecar.h - the static files that go with a stream: .bim, .fam (and, with
 * the BGEN encoder, .sample and .bgen.bgi).
 *
 * Owns: walking a selection's plan to produce sidecar text and writing it to
 * a file descriptor in bounded pieces (a biobank .bim is never held whole in
 * memory).  Errors that the reference raises while building a sidecar
 * (multi-allelic rows in .bim, whitespace in sample IDs) come from here,
 * before the streaming file is touched.
 */
#ifndef BF_ENGINE_SIDECAR_H
#define BF_ENGINE_SIDECAR_H

#include "util/bf_config.h"

#include "format/bgen.h"
#include "select/selection.h"
#include "util/err.h"

/* Write the .fam text of the selected samples to `fd`. */
int sidecar_write_fam(const struct selection *s, int fd, const char *name,
		      struct bf_err *err) BF_MUST_CHECK;

/* Write the .bim text of the planned variants to `fd`. */
int sidecar_write_bim(struct selection *s, int fd, const char *name,
		      struct bf_err *err) BF_MUST_CHECK;

/* Write the Oxford .sample text of the selected samples to `fd`. */
int sidecar_write_sample(const struct selection *s, int fd, const char *name,
			 struct bf_err *err) BF_MUST_CHECK;

/*
 * Write the .bgen.bgi index of a fixed-size BGEN stream (every block is `bpv`
 * bytes, the first at `first`) to the SQLite file at `path`.
 */
int sidecar_write_bgi_fixed(struct selection *s, const struct bgen_params *p, uint64_t first,
			    uint64_t bpv, const char *path, struct bf_err *err) BF_MUST_CHECK;

/* Check that no planned variant is multi-allelic (PLINK wording). */
int sidecar_check_biallelic_plink(struct selection *s, struct bf_err *err) BF_MUST_CHECK;

/* write(2) until done.  @return 0 or BF_E_IO naming `name`. */
int sidecar_write_all(int fd, const void *buf, size_t len, const char *name,
		      struct bf_err *err) BF_MUST_CHECK;

#endif
