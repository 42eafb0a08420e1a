/*
 * server.h - the encoder server process.
 *
 * Owns: the process that opens the store, builds the plan and the sidecar
 * files (into the mount's private runtime directory, never held in RAM) and
 * answers read requests for the streaming file from the FUSE front over a
 * socket, putting the bytes into a shared-memory slot named by the request.
 * Many requests are served at once by a few handler threads; the encoded
 * chunks themselves come from the export's stream (shared cache, prefetch).
 * It never touches /dev/fuse.  It exits when the front closes the socket.
 */
#ifndef BF_SERVER_SERVER_H
#define BF_SERVER_SERVER_H

#include "util/bf_config.h"

#include "engine/export.h"

#include <stdbool.h>
#include <stddef.h>

struct server_config {
	struct export_config export;
	const char *basename;	 /* file stem inside the mount */
	bool no_bim, no_fam;	 /* PLINK sidecars to leave out */
	bool no_sample, no_bgi;	 /* BGEN sidecars to leave out */
	const char *runtime_dir; /* where the sidecar files go */
	bool reuse_sidecars;	 /* a restart: sidecars already written */
	int ipc_fd;		 /* connected stream socket to the front */
	int shm_fd;		 /* shared reply slots */
	size_t shm_slots;
	size_t slot_size;
	size_t handler_threads; /* concurrent read requests in progress */
};

/* Run the server until the front goes away.  @return the process exit status. */
int server_main(const struct server_config *c);

#endif
