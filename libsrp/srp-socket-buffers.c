/* srp-socket-buffers.c: asking for socket buffers and reading back what the
 * kernel granted.
 *
 * SO_RCVBUFFORCE / SO_SNDBUFFORCE are not used, even where the process may
 * (CAP_NET_ADMIN): net.core.rmem_max and wmem_max are the administrator's
 * limit on the kernel memory one socket may hold, and a peer has up to 258
 * sockets. A capped buffer is reported instead, so that the limit can be
 * raised (sysctl net.core.rmem_max=...), and a library behaves the same in
 * a root service as in a desktop application.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-socket-buffers.h"

#include <gio/gnetworking.h>

/* Linux doubles what it is asked for (the other half is its bookkeeping)
 * and reports the doubled value; elsewhere the report is what was set. */
#ifdef __linux__
#define REPORTED_FACTOR 2
#else
#define REPORTED_FACTOR 1
#endif

/* What the kernel grants for option, in the bytes a request counts; -1 when
 * it cannot tell. */
static gint
granted (GSocket *socket, gint option, gint requested)
{
  g_autoptr (GError) error = NULL;
  gint value;

  if (requested > 0 && !g_socket_set_option (socket, SOL_SOCKET, option, requested, &error))
    g_debug ("Cannot ask for %d bytes of socket buffer: %s", requested, error->message);
  g_clear_error (&error);
  if (!g_socket_get_option (socket, SOL_SOCKET, option, &value, &error))
    {
      g_debug ("Cannot read a socket buffer size: %s", error->message);
      return -1;
    }
  return value / REPORTED_FACTOR;
}

void
srp_socket_buffers_apply (GSocket *socket, gint requested, SrpSocketBuffers *out)
{
  out->requested = MAX (requested, 0);
  out->receive = granted (socket, SO_RCVBUF, out->requested);
  out->send = granted (socket, SO_SNDBUF, out->requested);
  out->capped = out->requested > 0 && (out->receive < out->requested || out->send < out->requested);
}
