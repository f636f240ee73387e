/* srp-lan-sockets.h: the sockets that hear LAN discovery's multicast groups
 * (internal). The core sends ANNOUNCE from the main socket; these only
 * receive, on the groups' port, joined on every interface that takes it,
 * and hand each datagram on (SrpPeer gives it to the core as if it came to
 * the main socket).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "srp-core.h"

G_BEGIN_DECLS

typedef struct _SrpLanSockets SrpLanSockets;

typedef void (*SrpLanSocketsFunc) (gint64 now_us, const SrpAddress *from, const guint8 *data,
                                   gsize len, gpointer user_data);

/* Opens what it can: an IPv4 socket and an IPv6 one, each kept when it
 * joined its group on at least one interface. Never fails: a host without
 * multicast simply hears nothing (n_joined says how many joins worked). */
SrpLanSockets *srp_lan_sockets_open (GMainContext *context, SrpLanSocketsFunc func,
                                     gpointer user_data);
guint srp_lan_sockets_get_n_joined (SrpLanSockets *sockets);
void srp_lan_sockets_free (SrpLanSockets *sockets);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrpLanSockets, srp_lan_sockets_free)

G_END_DECLS
