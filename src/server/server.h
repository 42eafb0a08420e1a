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
 * Its configuration arrives as the first message on the socket
 * (server_config.h).  Its state lives in one heap object per process, passed
 * to every thread; nothing is kept in function statics.
 */
#ifndef BF_SERVER_SERVER_H
#define BF_SERVER_SERVER_H

#include "util/bf_config.h"

#include "server/server_config.h"
#include "util/progress.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * The server process's entry: read the IPC_CONFIG message from the front on
 * `ipc_fd` (the configuration never comes from argv), set up logging, open
 * the export, write the sidecars, send HELLO and serve until the front goes
 * away.  A failure before HELLO is reported to the front in the HELLO.
 * `progress` (NULL for none) receives the start-up progress of selection
 * resolution and the sidecar walks.
 * @return the process exit status.
 */
int server_run(int ipc_fd, int shm_fd, const struct bf_progress *progress);

/* The same with a configuration in hand (tests).  @return the exit status. */
int server_main(const struct server_config *c);

#endif
