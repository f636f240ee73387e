/* srp-socket-buffers.h: socket buffers sized for the data rate (internal).
 *
 * The kernel's default receive buffer (212,992 bytes on Linux) holds about
 * 90 full datagrams: 0.3 ms of what loopback carries, less than one
 * scheduler time slice on a busy machine, so a flood loses datagrams while
 * the peer's thread waits its turn. SrpSocketSet asks for
 * SRP_SOCKET_BUFFERS_DEFAULT each way on every socket and records what the
 * kernel granted; see docs/design.md for the sizes and why.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* 4 MiB: about 3,600 full datagrams as Linux counts buffer memory (some
 * 2.3 KB each), 13 ms of a loopback flood at 280,000 datagrams/s. Memory
 * is taken only while datagrams wait, so idle sockets cost nothing. */
#define SRP_SOCKET_BUFFERS_DEFAULT (4 * 1024 * 1024)

typedef struct {
  gint requested;  /* bytes asked for, each way; 0: left at the system default */
  gint receive;    /* granted, in the bytes requested counts (Linux reports twice that) */
  gint send;
  gboolean capped; /* granted less than requested either way */
} SrpSocketBuffers;

/* Asks for requested bytes of receive and send buffer on socket (0 leaves
 * them alone) and fills out with what the kernel granted. Never fails: a
 * socket with small buffers still works, it only loses more under load. */
void srp_socket_buffers_apply (GSocket *socket, gint requested, SrpSocketBuffers *out);

G_END_DECLS
